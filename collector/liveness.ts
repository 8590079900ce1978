// Whether a run marked `recording` still has its collector. A run recorded on this host is alive while
// the process with its collector_pid is that very collector; one recorded elsewhere (a collector in a
// container has its own host name) is alive while its ticks keep coming.
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { RunRow } from '../contracts/recording.js';
import { recordingRuns } from '../contracts/recording.js';
import type { Db } from './db.js';
import { finishRun } from './db.js';
import { processArgv, processExists, processStartMs } from './proc.js';

/** /proc/stat's boot time has whole seconds: a start time read from it may be up to this much late. */
const START_TIME_SLACK_MS = 1000;

type RunIdentity = Pick<RunRow, 'label' | 'started_at_ms'>;

/**
 * Pure: whether a process with this argument vector and start time is the collector that recorded `run`.
 * It runs the collector's CLI (dist/collector/cli.js, or the `collector` bin) with `start` and the run's
 * label, and it started before the run did: a pid reused by a later process fails the time check.
 */
export function isCollectorOf(run: RunIdentity, argv: readonly string[], startMs: number): boolean {
  // the script node runs is its first argument that is not an option
  const script = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  if (script < 0 || !(argv[script]!.endsWith('collector/cli.js') || basename(argv[script]!) === 'collector')) return false;
  const args = argv.slice(script + 1);
  if (args[0] !== 'start') return false;
  const at = args.indexOf('--label');
  const label = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--label='))?.slice('--label='.length);
  return label === run.label && startMs <= run.started_at_ms + START_TIME_SLACK_MS;
}

/** Whether the collector that recorded `run` on this host still runs. */
export function isCollectorAlive(run: RunIdentity & Pick<RunRow, 'collector_pid'>): boolean {
  const pid = run.collector_pid;
  if (pid === null || !processExists(pid)) return false;
  let argv: string[];
  let startMs: number;
  try {
    argv = processArgv(pid);
    startMs = processStartMs(pid);
  } catch {
    // it exists but /proc does not show it (hidepid): assume it is ours rather than interrupt a live run
    return processExists(pid);
  }
  return isCollectorOf(run, argv, startMs);
}

/** A run recorded elsewhere (e.g. by a collector container) counts as gone after this much silence. */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(120_000, 20 * intervalMs);
}

/**
 * Marks runs whose collector is gone (SIGKILL, crash, reboot) as interrupted: on this host by its pid;
 * recorded from another host when its ticks stopped. Returns the ids it marked.
 */
export function sweepInterrupted(db: Db, now = Date.now()): number[] {
  const swept: number[] = [];
  for (const run of recordingRuns(db)) {
    const alive =
      run.collector_host === hostname()
        ? isCollectorAlive(run)
        : now - (run.last_tick_ms ?? run.started_at_ms) < staleAfterMs(run.interval_ms);
    if (alive) continue;
    finishRun(db, run.id, 'interrupted', run.last_tick_ms ?? run.started_at_ms);
    swept.push(run.id);
  }
  return swept;
}
