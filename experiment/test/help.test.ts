import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';

const root = findPackageRoot();

describe('experiment --help', () => {
  it('prints the usage with the round options and exits 0 before anything starts, also beside other flags', async () => {
    for (const args of [['--help'], ['-h'], ['--deployments', 'nope', '--help']]) {
      const r = await runCommand(process.execPath, [join(root, 'dist/experiment/cli.js'), ...args], { cwd: root, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: npm run experiment -- \[options\]/);
      assert.match(r.stdout, /--repeat N/);
      assert.match(r.stdout, /--seed S/);
      assert.match(r.stdout, /--aa, --no-aa/);
      assert.equal(r.stderr, '');
    }
  });
});
