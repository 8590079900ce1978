// `--help`, `-h` and `help` on the reporter bin and each of its commands: the usage on stdout, exit 0,
// before any other check (so also beside flags that would otherwise be refused).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../fixture/workspace.js';

const GENERAL = /^usage: reporter <command> \[options\]/;
const BUILD = /^usage: reporter build .*\n[\s\S]*--tz ZONE[\s\S]*-h, --help/;
const QUERY = /^usage: reporter query "<SQL>"[\s\S]*--format F[\s\S]*-h, --help/;

describe('reporter help', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--help'], GENERAL],
    [['-h'], GENERAL],
    [['help'], GENERAL],
    [['help', 'build'], BUILD],
    [['help', 'query'], QUERY],
    [['build', '--help'], BUILD],
    [['build', '-h'], BUILD],
    [['query', '--help'], QUERY],
    [['query', '-h'], QUERY],
    // Help comes before every other check: an unknown flag, a missing database, a bad zone, no SQL.
    [['build', '--db', '/nonexistent/bench.db', '--tz', 'Mars/Olympus', '--bogus', '--help'], BUILD],
    [['query', '--format', 'xml', '--help'], QUERY],
  ];
  for (const [args, usage] of cases) {
    it(`reporter ${args.join(' ')}: usage on stdout, exit 0`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, usage);
      assert.equal(r.stderr, '');
    });
  }
  it('help for a command that does not exist is a usage error, exit 2', async () => {
    const r = await runCli(['help', 'plot']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^reporter: help: unknown command "plot"\nusage: reporter <command>/);
  });
  it('no command is a usage error that shows the usage, exit 2', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^reporter: no command\nusage: reporter <command>/);
  });
});
