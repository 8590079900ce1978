import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { docker } from '../drivers/engine.js';
import { ROOT } from '../testing/flow.js';
import { ensureAppImage } from '../testing/image.js';

/** Dockerfile instructions (continuation lines joined, comments dropped). */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function runScript(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(ROOT, script)], { cwd: ROOT, timeout: 900_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr)));
  });
}

describe('Dockerfile', () => {
  const lines = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

  it('uses only FROM, WORKDIR, COPY, ENV, RUN, EXPOSE, CMD, in classic-builder syntax', () => {
    const allowed = new Set(['FROM', 'WORKDIR', 'COPY', 'ENV', 'RUN', 'EXPOSE', 'CMD']);
    for (const line of lines) {
      const keyword = line.split(/\s+/)[0]!.toUpperCase();
      assert.ok(allowed.has(keyword), `not allowed: ${line}`);
      assert.doesNotMatch(line, /^(COPY|RUN)\s+--(chmod|chown|mount|link)/, `needs BuildKit: ${line}`);
    }
    assert.equal(lines[0], 'FROM node:20-bookworm-slim AS build');
  });

  it('installs dependencies before copying any source, so code changes keep the npm ci layer', () => {
    const npmCi = lines.findIndex((l) => l.startsWith('RUN npm ci'));
    const firstSource = lines.findIndex((l) => /^COPY (service|tsconfig)/.test(l));
    assert.ok(npmCi > 0 && firstSource > npmCi);
    assert.ok(lines.includes('COPY package.json package-lock.json .npmrc ./'));
  });

  it('ends with the classic runtime settings', () => {
    for (const expected of ['ENV METRICS_LOG_FILE=docker_system_inference_metrics.csv', 'EXPOSE 5000', 'CMD ["node", "dist/service/main.js"]']) {
      assert.ok(lines.includes(expected), expected);
    }
  });

  it('has a .dockerignore that keeps dependencies, builds, run data and VCS out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', 'data/runs', 'data/*.db*', 'reports', 'test-artifacts', '*.log', '*.csv']) {
      assert.ok(ignored.includes(entry), entry);
    }
  });
});

describe('image scripts', () => {
  it('docker: base-image.sh does nothing when node:20-bookworm-slim exists', async () => {
    await requireDocker();
    await ensureAppImage(); // builds the base image too when it is missing
    assert.match(await runScript('deploy/base-image.sh'), /node:20-bookworm-slim already present/);
  });

  it('docker: build-image.sh skips the build when the image carries the same source hash, and the image is what the Dockerfile says', async () => {
    await requireDocker();
    await ensureAppImage();
    // Once more right before the check: sources edited meanwhile (a busy dev box) mean one more build.
    await runScript('deploy/build-image.sh');
    assert.match(await runScript('deploy/build-image.sh'), /llm-inference-image is up to date \(source hash [0-9a-f]{16}\)/);
    const config = JSON.parse(await docker(['image', 'inspect', '-f', '{{json .Config}}', 'llm-inference-image'])) as {
      Cmd: string[];
      Env: string[];
      ExposedPorts: Record<string, unknown>;
      WorkingDir: string;
    };
    assert.deepEqual(config.Cmd, ['node', 'dist/service/main.js']);
    assert.ok(config.Env.includes('METRICS_LOG_FILE=docker_system_inference_metrics.csv'));
    assert.deepEqual(Object.keys(config.ExposedPorts), ['5000/tcp']);
    assert.equal(config.WorkingDir, '/app');
  });
});
