// Shared by the collector tests: the real CLI, real containers of a locally built busybox image,
// temp directories, polling. Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pollUntil } from '../../common/poll.js';
import { runCommand } from '../../common/run-command.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist/collector/cli.js');
export const TEST_IMAGE = 'local/llm-deploy-bench-busybox:1';
export const TEST_LABEL = 'llm-deploy-bench.test=collector';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Result> {
  const r = await runCommand(cmd, args, { cwd: ROOT, env, timeoutMs });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<Result> {
  return run(process.execPath, [CLI, ...args], env);
}

export async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

let imageBuilt: Promise<void> | undefined;
/** Builds the busybox test image when missing (idempotent script; no registry needed). */
export function ensureTestImage(): Promise<void> {
  imageBuilt ??= run('bash', [join(ROOT, 'deploy/test-image-busybox.sh')]).then((r) => {
    if (r.code !== 0) throw new Error(`deploy/test-image-busybox.sh failed: ${r.stderr.trim()}`);
  });
  return imageBuilt;
}

/** Containers of one test file: unique names, the collector test label plus a per-file case label. */
export class TestContainers {
  private n = 0;
  readonly caseLabel: string;
  constructor(readonly prefix: string) {
    this.caseLabel = `llm-deploy-bench.test.case=${prefix}-${process.pid}`;
  }
  /** The --filter that selects exactly this file's containers. */
  get filter(): string {
    return `label=${this.caseLabel}`;
  }
  async run(opts: string[], command: string[]): Promise<{ id: string; name: string }> {
    const name = `lbc-${this.prefix}-${process.pid}-${++this.n}`;
    const id = await docker('run', '-d', '--name', name, '--label', TEST_LABEL, '--label', this.caseLabel, ...opts, TEST_IMAGE, ...command);
    return { id, name };
  }
  async removeAll(): Promise<void> {
    const ids = (await docker('ps', '-aq', '--filter', `label=${this.caseLabel}`)).split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
  }
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `collector-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** pollUntil for test conditions written as truthy values (`rows.length >= 3 && rows`). */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;
export function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<Truthy<T>> {
  return pollUntil(async () => ((await fn()) || undefined) as Truthy<T> | undefined, { timeoutMs, intervalMs: 100, what });
}

/** SQL condition on samples: the service's rows only (a run also records the platform's, schema v2). */
export const SERVICE_SAMPLES = `replica_id IN (SELECT id FROM replicas WHERE role = 'service')`;

/** A read-only query on the recording DB (the collector may be writing it at the same time). */
export function query<T = Record<string, unknown>>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function one<T = Record<string, unknown>>(dbPath: string, sql: string, ...params: unknown[]): T {
  const rows = query<T>(dbPath, sql, ...params);
  if (rows.length === 0) throw new Error(`no row for: ${sql}`);
  return rows[0]!;
}

/** Starts a detached collector via the real CLI; returns the run id it printed. */
export async function startDetached(args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const r = await cli(['start', '--detach', ...args], env);
  if (r.code !== 0) throw new Error(`collector start failed (${r.code}): ${r.stderr.trim()}`);
  const id = Number(r.stdout.trim());
  if (!Number.isInteger(id) || id < 1) throw new Error(`collector start printed "${r.stdout.trim()}", not a run id`);
  return id;
}

export async function stopRun(label: string, db: string): Promise<Result> {
  const r = await cli(['stop', '--label', label, '--db', db]);
  if (r.code !== 0) throw new Error(`collector stop failed (${r.code}): ${r.stderr.trim()}`);
  return r;
}
