import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';

const root = findPackageRoot();

describe('load --help', () => {
  it('prints the usage and exits 0 without sending anything, also beside other flags', async () => {
    for (const args of [['--help'], ['-h'], ['--port', '1', '--help']]) {
      const r = await runCommand(process.execPath, [join(root, 'dist/load/cli.js'), ...args], { cwd: root, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: npm run load -- \[options\]/);
      assert.match(r.stdout, /--concurrency C/);
      assert.equal(r.stderr, '');
    }
  });
});
