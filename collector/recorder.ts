// The poll loop: ticks on a fixed-rate schedule (start + k × interval, so lateness never accumulates),
// one transaction per tick, skipped slots counted as missed ticks, tick lateness kept for the summary.
import { performance } from 'node:perf_hooks';
import { errorText } from '../common/error-text.js';
import { percentileSorted, sortedCopy } from '../common/percentile.js';
import { sleep } from '../common/poll.js';
import type { TickSummary } from '../contracts/recording.js';
import type { Db } from './db.js';
import { finishRun, insertEvent } from './db.js';
import { TickBatch } from './tick-batch.js';

export interface Watcher {
  readonly replicaCount: number;
  poll(batch: TickBatch, now: number): Promise<void>;
  close(): void;
}

/**
 * Several watchers as one tick's work, polled in order (the service's first: the platform follows the
 * containers it found in the same tick); its replica count is the service's, the first one's.
 */
export function watchAll(service: Watcher, ...others: Watcher[]): Watcher {
  if (others.length === 0) return service;
  return {
    get replicaCount() {
      return service.replicaCount;
    },
    async poll(batch, now) {
      await service.poll(batch, now);
      for (const w of others) await w.poll(batch, now);
    },
    close() {
      for (const w of [service, ...others]) w.close();
    },
  };
}

export interface RecordOptions {
  db: Db;
  runId: number;
  intervalMs: number;
  watcher: Watcher;
  signal: AbortSignal;
  log(message: string): void;
  /** Called once, after the first tick is committed. */
  onFirstTick?(): void;
}

/** Tick lags (ms behind schedule, one per tick) as nearest-rank percentiles to 0.1 ms; 0 without ticks. */
export function summarise(lags: readonly number[], missedTicks: number): TickSummary {
  const sorted = sortedCopy(lags);
  const r = (x: number | undefined): number => Math.round((x ?? 0) * 10) / 10;
  return {
    ticks: lags.length,
    missedTicks,
    lagP50Ms: r(percentileSorted(sorted, 50)),
    lagP99Ms: r(percentileSorted(sorted, 99)),
    lagMaxMs: r(sorted.at(-1)),
  };
}

/** Records until the signal aborts, then marks the run complete. Returns the tick summary. */
export async function record(o: RecordOptions): Promise<TickSummary> {
  const lags: number[] = [];
  let missed = 0;
  const start = performance.now();
  let k = 0;
  let lastProgress = Date.now();
  while (!o.signal.aborted) {
    const scheduled = start + k * o.intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 0) {
      try {
        await sleep(wait, o.signal);
      } catch {
        break; // aborted while waiting
      }
    }
    lags.push(performance.now() - scheduled);
    const batch = new TickBatch();
    const now = Date.now();
    try {
      await o.watcher.poll(batch, now);
      batch.apply(o.db, o.runId, now);
      if (k === 0) o.onFirstTick?.();
    } catch (err) {
      // a failed tick (e.g. the DB locked for longer than the busy timeout) is logged; the run goes on
      o.log(`tick ${k} failed: ${errorText(err)}`);
      if (k === 0) throw err;
    }
    if (Date.now() - lastProgress >= 60_000) {
      lastProgress = Date.now();
      o.log(`run ${o.runId}: ${lags.length} ticks, ${o.watcher.replicaCount} replicas, ${missed} missed ticks`);
    }
    k++;
    const behind = performance.now() - (start + k * o.intervalMs);
    if (behind > 0) {
      // the tick overran one or more slots: skip them rather than bunching ticks together
      const skip = Math.floor(behind / o.intervalMs) + 1;
      missed += skip;
      k += skip;
    }
  }
  o.watcher.close();
  const summary = summarise(lags, missed);
  const ended = Date.now();
  insertEvent(o.db, o.runId, null, ended, 'tick-summary', JSON.stringify(summary));
  finishRun(o.db, o.runId, 'complete', ended);
  return summary;
}
