// The commands around a recording: start (foreground or detached), stop, status, runs.
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Db } from './db.js';
import { finishRun, openDb } from './db.js';
import { recordingRuns, runById, sampleCount } from '../contracts/recording.js';
import type { RunRow } from '../contracts/recording.js';
import { checkClientPid, checkDbPath, logFilePath, runStart } from './daemon.js';
import { isCollectorAlive, sweepInterrupted } from './liveness.js';
import type { DbOptions, StartOptions, StopOptions } from './options.js';
import { errorText } from '../common/error-text.js';
import { pollUntil, PollTimeoutError } from '../common/poll.js';
import { UsageError } from '../contracts/usage-error.js';
import { processExists } from './proc.js';
import { formatRuns, formatStatus } from './format.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** Messages from a detached collector to the `start --detach` that spawned it. */
type ChildMessage = { type: 'ready'; runId: number } | { type: 'error'; message: string; code: number };

const DETACH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** Foreground start: records until SIGINT/SIGTERM. In a detached child it reports to the parent by IPC. */
export async function startForeground(o: StartOptions, io: Io): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  // Ctrl-C, `collector stop`/`docker stop`, and a closed terminal all end the run cleanly
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  // resolves once the message is handed to the parent, so an exit right after cannot drop it
  const send = (m: ChildMessage): Promise<void> =>
    new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve();
      process.send(m, () => {
        process.disconnect?.();
        resolve();
      });
    });
  const stamp = (m: string): string => (process.send ? `${new Date().toISOString()} ${m}` : m);
  try {
    await runStart(o, {
      log: (m) => io.err(stamp(m)),
      onReady: (runId) => void send({ type: 'ready', runId }),
      signal: controller.signal,
    });
    return 0;
  } catch (err) {
    const code = err instanceof UsageError ? 2 : 1;
    const message = errorText(err);
    io.err(stamp(`collector: ${message}`));
    await send({ type: 'error', message, code });
    return code;
  }
}

/**
 * start --detach: runs the same command without --detach in a new session, output appended to
 * <dbdir>/collector-<label>.log, and returns once the child says the first tick is written.
 */
export async function startDetached(o: StartOptions, argv: string[], cliPath: string, io: Io): Promise<number> {
  checkClientPid(o);
  checkDbPath(o.db);
  const logPath = logFilePath(o.db, o.label);
  const logFd = openSync(logPath, 'a');
  const child = fork(cliPath, ['start', ...argv.filter((a) => a !== '--detach')], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'ipc'],
  });
  closeSync(logFd);
  const outcome = await new Promise<ChildMessage | { type: 'exit'; code: number }>((resolve) => {
    const timer = setTimeout(() => resolve({ type: 'error', message: `no first tick within ${DETACH_TIMEOUT_MS / 1000} s (see ${logPath})`, code: 1 }), DETACH_TIMEOUT_MS);
    child.on('message', (m: ChildMessage) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ type: 'exit', code: code ?? 1 });
    });
  });
  child.removeAllListeners();
  if (outcome.type === 'ready') {
    child.disconnect();
    child.unref();
    io.out(String(outcome.runId));
    if (o.watching !== undefined) io.err(`collector: ${o.watching}`);
    io.err(`collector: run ${outcome.runId} "${o.label}" recording in the background (pid ${child.pid}, log ${logPath})`);
    return 0;
  }
  if (outcome.type === 'error') {
    if (child.exitCode === null) child.kill('SIGTERM');
    io.err(`collector: ${outcome.message}`);
    return outcome.code;
  }
  io.err(`collector: background collector exited with code ${outcome.code} before its first tick (see ${logPath})`);
  return outcome.code === 0 ? 1 : outcome.code;
}

function openExisting(path: string): Db {
  try {
    return openDb(path, { create: false });
  } catch (err) {
    throw new UsageError(`cannot use --db "${path}": ${errorText(err)}`);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  try {
    return await pollUntil(() => (processExists(pid) ? undefined : true), { timeoutMs, intervalMs: 50, what: `pid ${pid} to exit` });
  } catch (err) {
    if (err instanceof PollTimeoutError) return false;
    throw err;
  }
}

/** stop: SIGTERM to the run's collector, then wait until it has exited and the run is closed. */
export async function stop(o: StopOptions, io: Io): Promise<number> {
  const db = openExisting(o.db);
  try {
    const runs = recordingRuns(db, o.label);
    if (runs.length === 0) {
      io.err(`collector: no run is recording${o.label === undefined ? '' : ` with label "${o.label}"`} in ${o.db}`);
      return 1;
    }
    if (o.label === undefined && runs.length > 1) {
      throw new UsageError(`several runs are recording (${runs.map((r) => r.label).join(', ')}): name one with --label`);
    }
    let code = 0;
    for (const run of runs) code = Math.max(code, await stopRun(db, run, io));
    return code;
  } finally {
    db.close();
  }
}

async function stopRun(db: Db, run: RunRow, io: Io): Promise<number> {
  if (run.collector_host !== hostname()) {
    io.err(`collector: run ${run.id} "${run.label}" is recorded on host ${run.collector_host}: stop it there`);
    return 1;
  }
  const pid = run.collector_pid;
  if (pid === null || !isCollectorAlive(run)) {
    finishRun(db, run.id, 'interrupted', run.last_tick_ms ?? run.started_at_ms);
    io.out(`run ${run.id} "${run.label}" interrupted (collector pid ${pid} was gone)`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    io.err(`collector: pid ${pid} (run ${run.id}) did not exit within ${STOP_TIMEOUT_MS / 1000} s`);
    return 1;
  }
  const after = runById(db, run.id)!;
  if (after.status === 'recording') finishRun(db, run.id, 'interrupted', Date.now());
  io.out(`run ${run.id} "${run.label}" ${after.status === 'recording' ? 'interrupted' : after.status}: ${sampleCount(db, run.id)} samples`);
  return 0;
}

export function status(o: DbOptions, io: Io): number {
  const db = openExisting(o.db);
  try {
    for (const id of sweepInterrupted(db)) io.out(`run ${id} marked interrupted (its collector is gone)`);
    io.out(formatStatus(db));
    return 0;
  } finally {
    db.close();
  }
}

export function runs(o: DbOptions, io: Io): number {
  const db = openExisting(o.db);
  try {
    sweepInterrupted(db);
    io.out(formatRuns(db));
    return 0;
  } finally {
    db.close();
  }
}
