// `collector start` in the foreground (also what a detached start runs in the background): checks
// everything that can be wrong before writing anything, creates the run, records until SIGINT/SIGTERM.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, release, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CgroupVersion } from './cgroup.js';
import { detectCgroupVersion } from './cgroup.js';
import type { Db } from './db.js';
import { finishRun, insertRun, recordingRuns } from './db.js';
import { openDb } from './db.js';
import { connectDocker, engineAddress, engineVersion, listSelected, oneLine } from './docker.js';
import { DockerWatcher } from './docker-watcher.js';
import { DEFAULT_DB, UsageError } from './options.js';
import type { StartOptions } from './options.js';
import { hostMemoryBytes, processExists } from './proc.js';
import { ProcessWatcher } from './process-watcher.js';
import type { TickSummary, Watcher } from './recorder.js';
import { record } from './recorder.js';
import { dockerQueries } from './selection.js';

export function pidFilePath(db: string, label: string): string {
  return join(dirname(resolve(db)), `collector-${label}.pid`);
}
export function logFilePath(db: string, label: string): string {
  return join(dirname(resolve(db)), `collector-${label}.log`);
}

/** The DB path must be creatable/writable; only the default data/ directory is created for the user. */
export function checkDbPath(db: string): void {
  const dir = dirname(resolve(db));
  if (!existsSync(dir) && db === DEFAULT_DB) mkdirSync(dir, { recursive: true });
  try {
    if (existsSync(db)) {
      if (!statSync(db).isFile()) throw new Error('not a file');
      accessSync(db, constants.R_OK | constants.W_OK);
    } else {
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
      accessSync(dir, constants.W_OK);
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dir} does not exist` : (err as Error).message;
    throw new UsageError(`cannot use --db "${db}": ${why}`);
  }
}

/** Whether pid is a live collector process (a reused pid running something else does not count). */
export function isCollectorAlive(pid: number | null): boolean {
  if (pid === null || !processExists(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('collector');
  } catch {
    return true; // exists but not readable: assume it is ours rather than interrupt a live run
  }
}

/** A run recorded elsewhere (e.g. by a collector container) counts as gone after this much silence. */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(120_000, 20 * intervalMs);
}

/**
 * Marks runs whose collector is gone (SIGKILL, crash, reboot) as interrupted: on this host by its pid;
 * recorded from another host (a collector container has its own hostname) when its ticks stopped.
 */
export function sweepInterrupted(db: Db, now = Date.now()): number[] {
  const swept: number[] = [];
  for (const run of recordingRuns(db)) {
    const alive =
      run.collector_host === hostname()
        ? isCollectorAlive(run.collector_pid)
        : now - (run.last_tick_ms ?? run.started_at_ms) < staleAfterMs(run.interval_ms);
    if (alive) continue;
    finishRun(db, run.id, 'interrupted', run.last_tick_ms ?? run.started_at_ms);
    swept.push(run.id);
  }
  return swept;
}

function cgroupSource(o: StartOptions, version: CgroupVersion): 'cgroup-files' | 'docker-api-stream' {
  const root = process.env['COLLECTOR_CGROUP_ROOT'] ?? '/sys/fs/cgroup';
  const readable = existsSync(version === 2 ? `${root}/cgroup.controllers` : `${root}/cpuacct/cpuacct.usage`);
  if (o.statsSource === 'cgroup-files' && !readable) {
    throw new UsageError(`--stats-source cgroup-files: ${root} is not readable here (mount it read-only, with --pid host)`);
  }
  if (o.statsSource === 'docker-api-stream') return 'docker-api-stream';
  return readable ? 'cgroup-files' : 'docker-api-stream';
}

export interface StartHooks {
  log(message: string): void;
  onReady(runId: number): void;
  signal: AbortSignal;
}

/** Runs a whole recording. Throws UsageError before anything is written when the input is bad. */
export async function runStart(o: StartOptions, hooks: StartHooks): Promise<TickSummary> {
  checkDbPath(o.db);
  const hostMemory = hostMemoryBytes();
  let watcher: Watcher;
  let statsSource: string;
  let cgroupVersion: CgroupVersion | null = null;
  let dockerVersion: string | null = null;
  let selection: unknown;
  if (o.pid !== undefined || o.port !== undefined) {
    if (o.pid !== undefined && !processExists(o.pid)) throw new UsageError(`bad --pid ${o.pid}: no such process`);
    watcher = new ProcessWatcher({ pid: o.pid, port: o.port }, hostMemory);
    statsSource = 'proc';
    selection = { pid: o.pid ?? null, port: o.port ?? null };
  } else {
    const docker = connectDocker();
    try {
      dockerVersion = await engineVersion(docker);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    cgroupVersion = detectCgroupVersion();
    const queries = dockerQueries(o.selection);
    try {
      await listSelected(docker, queries); // the engine judges the filters: a bad one fails here, once
    } catch (err) {
      const e = err as { statusCode?: number; json?: { message?: string } };
      if (e.statusCode === 400) throw new UsageError(`bad selection ${JSON.stringify(queries)}: ${e.json?.message ?? oneLine(err)}`);
      throw new UsageError(`cannot list containers at ${engineAddress()}: ${oneLine(err)}`);
    }
    const source = cgroupSource(o, cgroupVersion);
    statsSource = source;
    selection = { ...o.selection, queries };
    watcher = new DockerWatcher({
      docker, queries, source, cgroupVersion, hostMemory, collectorHost: hostname(), intervalMs: o.intervalMs,
    });
  }
  let db: Db;
  try {
    db = openDb(o.db, { create: true });
  } catch (err) {
    throw new UsageError(`cannot use --db "${o.db}": ${(err as Error).message}`);
  }
  const pidFile = pidFilePath(o.db, o.label);
  let wrotePidFile = false;
  try {
    const runId = db
      .transaction(() => {
        sweepInterrupted(db);
        const running = recordingRuns(db, o.label)[0];
        if (running) {
          throw new UsageError(`label "${o.label}" is already recording (run ${running.id}, pid ${running.collector_pid} on ${running.collector_host})`);
        }
        return insertRun(db, {
          label: o.label, deployment: o.deployment, startedAtMs: Date.now(), intervalMs: o.intervalMs, selection,
          statsSource, collectorPid: process.pid, collectorHost: hostname(), hostCpus: cpus().length,
          hostMemoryBytes: hostMemory, kernel: release(), cgroupVersion, dockerVersion, modelId: o.modelId,
          modelDtype: o.modelDtype,
        });
      })
      .immediate();
    writeFileSync(pidFile, `${process.pid}\n`);
    wrotePidFile = true;
    hooks.log(`run ${runId} "${o.label}" recording every ${o.intervalMs} ms (${statsSource}) into ${o.db}`);
    let summary: TickSummary;
    try {
      summary = await record({
        db, runId, intervalMs: o.intervalMs, watcher, signal: hooks.signal, log: hooks.log,
        onFirstTick: () => hooks.onReady(runId),
      });
    } catch (err) {
      finishRun(db, runId, 'interrupted', Date.now());
      throw err;
    }
    hooks.log(
      `run ${runId} complete: ${summary.ticks} ticks, ${summary.missedTicks} missed, tick lag p99 ${summary.lagP99Ms} ms`,
    );
    return summary;
  } finally {
    if (wrotePidFile) rmSync(pidFile, { force: true });
    db.close();
  }
}
