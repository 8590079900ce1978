// Helpers for the driver tests: a run context in a temp dir, real HTTP calls to 127.0.0.1, CSV reading.
// (Lives outside deploy/test/ because node --test runs every file in a test/ folder.)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { findPackageRoot } from '../../common/package-root.js';
import type { Deployment, RunContext } from '../deployment.js';
import { CGROUP_PARENT } from '../drivers/native-cgroup.js';
import { freePort } from '../../test-support/local-servers.js';

export { freePort };

export const ROOT = findPackageRoot();

export interface TestRun extends RunContext {
  readonly lines: string[];
  cleanup(): void;
}

export function tempRun(label: string): TestRun {
  const runDir = mkdtempSync(join(tmpdir(), `llm-deploy-${label}-`));
  const lines: string[] = [];
  return {
    root: ROOT,
    runDir,
    lines,
    log: (message) => lines.push(message),
    cleanup: () => rmSync(runDir, { recursive: true, force: true }),
  };
}

export interface InferAnswer {
  readonly status: number;
  readonly replica: string | undefined;
  readonly body: string;
}

export interface InferOptions {
  /** The connection: a fresh one per request (like curl) unless an agent that keeps them is given. */
  readonly agent?: http.Agent;
  /** Headers besides the JSON content type and length. */
  readonly headers?: http.OutgoingHttpHeaders;
  readonly timeoutMs?: number;
}

/** POST /infer with a JSON body on 127.0.0.1 (a fresh connection each time, like curl, unless `agent`). */
export function infer(port: number, text: string, options: InferOptions = {}): Promise<InferAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const payload = JSON.stringify({ text });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/infer',
        method: 'POST',
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 30_000,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, replica: res.headers['x-replica'] as string | undefined, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The data rows of a service CSV, as objects keyed by the header. */
export function csvRows(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** Holds a port busy on all interfaces until released. */
async function occupyPort(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '0.0.0.0', () => ok());
  });
  return server;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `body` in a fresh run folder; the deployment is always torn down and the folder removed. */
export async function withDeployment(label: string, deployment: Deployment, body: (run: TestRun) => Promise<void>): Promise<void> {
  const run = tempRun(label);
  try {
    await body(run);
  } finally {
    await deployment.down(run);
    run.cleanup();
  }
}

/** Runs `body` with a port that someone else holds on all interfaces for the whole time. */
export async function withPortTaken(body: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const blocker = await occupyPort(port);
  try {
    await body(port);
  } finally {
    blocker.close();
  }
}

/** The options that make the real service fail while loading its model (exit 1, reason on stderr). */
export const BROKEN_MODEL_ENV = { MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: 'false' } as const;

/** Every directory of the cgroup tree named `name` inside an llm-deploy-bench folder (leftovers, wherever they are). */
export function groupsNamed(name: string, dir = '/sys/fs/cgroup', depth = 0): string[] {
  if (depth > 7) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e === name && dir.endsWith(`/${CGROUP_PARENT}`) ? [`${dir}/${e}`] : groupsNamed(name, `${dir}/${e}`, depth + 1)));
}
