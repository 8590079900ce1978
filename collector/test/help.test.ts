import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from '../testing/helpers.js';

describe('collector --help', () => {
  it('collector, collector --help, -h and collector help: the overview of every command, exit 0', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: collector <command> \[options\]/, args.join(' '));
      for (const command of ['start', 'stop', 'status', 'runs', 'help']) assert.match(r.stdout, new RegExp(`\\n  ${command}\\b`));
      assert.equal(r.stderr, '');
    }
  });

  const specific: [string, RegExp][] = [
    ['start', /^usage: collector start --label <name> \[options\][\s\S]*--stats-source/],
    ['stop', /^usage: collector stop \[--label <name>\] \[--db <file>\]/],
    ['status', /^usage: collector status \[--db <file>\]/],
    ['runs', /^usage: collector runs \[--db <file>\]/],
  ];
  for (const [command, usage] of specific) {
    it(`${command} --help, ${command} -h and help ${command}: that command's usage, exit 0`, async () => {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
        const r = await cli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout, usage, args.join(' '));
        assert.doesNotMatch(r.stdout, /<command>/, 'not the overview');
      }
    });
  }

  it('--help wins over every other check of the command line', async () => {
    const r = await cli(['start', '--interval', '1', '--bogus', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: collector start/);
  });

  it('start --help lists the label rule and each deployment\'s default targets', async () => {
    const { stdout } = await cli(['start', '--help']);
    for (const text of ['the process listening on port 5000', 'container llm-inference-container', 'Compose project llm-inference', 'swarm service llm-inference-service']) {
      assert.ok(stdout.includes(text), text);
    }
  });

  it('help for a command that does not exist: exit 2', async () => {
    const r = await cli(['help', 'begin']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /help: expected one of start, stop, status, runs, got 'begin'/);
  });
});
