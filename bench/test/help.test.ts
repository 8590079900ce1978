import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';

const MAIN = join(findPackageRoot(), 'dist/bench/main.js');
const bench = (...args: string[]) => runCommand(process.execPath, [MAIN, ...args], { timeoutMs: 30_000 });

describe('bench --help', () => {
  it('--help and -h: every case, exit 0, nothing run', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await bench(flag);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: npm run bench \[-- case …\]/);
      for (const name of ['service', 'service-ab', 'collector', 'reporter', 'load', 'front-proxy']) assert.match(r.stdout, new RegExp(`\\n  ${name} `));
      assert.doesNotMatch(r.stdout, /=== bench/);
    }
  });

  it('<case> --help: that case\'s usage and environment, exit 0, nothing run', async () => {
    const cases: [string, RegExp][] = [
      ['service', /BENCH_ROUNDS/],
      ['collector', /COLLECTOR_BENCH_SECONDS .*COLLECTOR_BENCH_COUNTS/],
      ['reporter', /environment: none/],
      ['load', /BENCH_LOAD_SECONDS/],
      ['front-proxy', /BENCH_FRONT_SECONDS/],
      ['service-ab', /SERVICE_AB_A, SERVICE_AB_B/],
    ];
    for (const [name, env] of cases) {
      const r = await bench(name, '--help');
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: npm run bench -- ${name}\\n`));
      assert.match(r.stdout, env, name);
      assert.doesNotMatch(r.stdout, /=== bench/);
    }
  });

  it('an unknown case, even beside --help: exit 2 naming it', async () => {
    const r = await bench('nope', '--help');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown case nope/);
  });
});
