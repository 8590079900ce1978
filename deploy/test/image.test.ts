import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { CommandError, runChecked, runCommand } from '../../common/run-command.js';
import { requireDocker } from '../../test-support/docker.js';
import { ensureAppImage } from '../testing/image.js';

const ROOT = findPackageRoot();
const IMAGE = 'llm-inference-image';

/** Dockerfile instructions (continuation lines joined, comments dropped). */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Runs one of the image scripts; resolves with what it printed (it reports on stderr). */
async function runScript(script: string): Promise<string> {
  const args = [join(ROOT, script)];
  const r = await runCommand('bash', args, { cwd: ROOT, timeoutMs: 900_000 });
  if (r.code !== 0) throw new CommandError('bash', args, r);
  return r.stdout + r.stderr;
}

const docker = (args: readonly string[]): Promise<string> => runChecked('docker', args, { timeoutMs: 120_000 });

describe('Dockerfile', () => {
  const lines = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

  it('uses only FROM, WORKDIR, COPY, ENV, RUN, EXPOSE, CMD, in syntax the legacy builder understands', () => {
    const allowed = new Set(['FROM', 'WORKDIR', 'COPY', 'ENV', 'RUN', 'EXPOSE', 'CMD']);
    for (const line of lines) {
      const keyword = line.split(/\s+/)[0]!.toUpperCase();
      assert.ok(allowed.has(keyword), `not allowed: ${line}`);
      assert.doesNotMatch(line, /^(COPY|RUN)\s+--(chmod|chown|mount|link|parents)/, `needs BuildKit: ${line}`);
    }
    assert.equal(lines[0], 'FROM node:24-bookworm-slim AS build');
  });

  it('installs dependencies before copying any source, so code changes keep the npm ci layers', () => {
    const npmCi = lines.findIndex((l) => l.includes('npm ci'));
    const isManifest = (l: string): boolean => l === 'COPY package.json package-lock.json ./' || /^COPY \S+\/package\.json \S+\/$/.test(l);
    const firstSource = lines.findIndex((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from') && !isManifest(l));
    assert.ok(npmCi > 0 && firstSource > npmCi, `npm ci at ${npmCi}, first source at ${firstSource}`);
    assert.ok(lines.includes('COPY package.json package-lock.json ./'));
  });

  it('copies every workspace part’s package.json, which npm ci needs', () => {
    for (const part of workspaces) assert.ok(lines.includes(`COPY ${part}/package.json ${part}/`), part);
  });

  it('takes the runtime node_modules from the service part’s production dependencies only', () => {
    assert.ok(lines.some((l) => l.includes('npm ci --omit=dev --workspace service')));
    assert.ok(lines.includes('COPY --from=build /prod/node_modules ./node_modules'));
  });

  it('ends with the runtime settings the deployments rely on', () => {
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
  it('docker: base-image.sh does nothing when node:24-bookworm-slim exists', async () => {
    await requireDocker();
    await ensureAppImage(); // builds the base image too when it is missing
    assert.match(await runScript('deploy/base-image.sh'), /node:24-bookworm-slim already present/);
  });

  it('docker: build-image.sh skips the build when the image carries the same source hash, and the image is what the Dockerfile says', async () => {
    await requireDocker();
    await ensureAppImage();
    // Once more right before the check: sources edited meanwhile (a busy dev box) mean one more build.
    await runScript('deploy/build-image.sh');
    assert.match(await runScript('deploy/build-image.sh'), /llm-inference-image is up to date \(source hash [0-9a-f]{16}\)/);
    const config = JSON.parse(await docker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE])) as {
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

  it('docker: the image carries the service’s dependencies and none of the rest of the toolkit’s', async () => {
    await requireDocker();
    await ensureAppImage();
    const modules = (await docker(['run', '--rm', IMAGE, 'ls', 'node_modules'])).split('\n').map((l) => l.trim());
    for (const absent of ['vega', 'vega-lite', 'better-sqlite3', 'dockerode', 'csv-parse', 'hdr-histogram-js']) {
      assert.ok(!modules.includes(absent), `${absent} is in the image's node_modules`);
    }
    for (const present of ['@huggingface', 'koa', '@koa', 'prom-client', 'onnxruntime-node']) {
      assert.ok(modules.includes(present), `${present} is missing from the image's node_modules`);
    }
  });
});
