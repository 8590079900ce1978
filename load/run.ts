// Runs one load phase: closed loop (N clients back to back) or open loop (a fixed rate, each request
// sent at its intended time whether or not earlier ones have answered).
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ClientRequest } from '../contracts/client-csv.js';
import { ConnectionPool, nowMs, requestTemplates, type InferTarget } from './client.js';
import { ClosedLoopQuota, intendedMs, openLoopCount } from './schedule.js';
import { LoadSummaryBuilder, type LoadSummary } from './stats.js';

export interface LoadPlan {
  readonly target: InferTarget;
  readonly label: string;
  readonly phase: string;
  /** Closed loop: number of concurrent clients. Ignored in open loop. */
  readonly concurrency: number;
  /** Open loop when set: requests per second. */
  readonly rateRps?: number;
  readonly requests?: number;
  readonly durationMs?: number;
  readonly timeoutMs: number;
  /** Request seq n sends texts[(n − 1) % texts.length]. */
  readonly texts: readonly string[];
}

export interface LoadHooks {
  /** Called as each request completes (in completion order), e.g. to append it to a CSV. */
  onRow?(row: ClientRequest): void;
  /** Stops the phase: nothing new is sent, requests in flight end as 'aborted'. */
  signal?: AbortSignal;
  /**
   * Ends the phase early but cleanly: nothing new is sent, requests in flight get their answers (the
   * experiment's event phases end when the shares are even, not at a fixed time).
   */
  finish?: AbortSignal;
  /** false: do not keep the rows in memory (long runs; use onRow to store them); the summary is the same. */
  keepRows?: boolean;
}

export interface LoadResult {
  /** In seq order; empty when keepRows was false. */
  readonly rows: ClientRequest[];
  readonly summary: LoadSummary;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Resolves at `due` or a little after, never before: libuv times timers from the loop's cached clock,
 * so a timer can fire early by however long the loop was busy. Timers cover whole milliseconds; the
 * sub-millisecond rest is spent yielding to I/O (setImmediate), which costs little CPU.
 */
async function waitUntil(due: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    const wait = due - nowMs();
    if (wait <= 0 || signal.aborted) return;
    if (wait >= 1) await sleep(Math.floor(wait), undefined, { signal }).catch(() => undefined);
    else await nextTurn();
  }
}

/** Sends request `seq`, intended at `intended`; resolves when it has an outcome (never rejects). */
type Send = (seq: number, intended: number) => Promise<void>;

/**
 * Open loop: request i goes out at its intended time whether or not earlier ones have answered. `signal`
 * stops sending (a stop, or a clean finish); requests in flight are awaited either way.
 */
async function openLoop(plan: LoadPlan, startMs: number, send: Send, signal: AbortSignal): Promise<void> {
  const count = openLoopCount(plan.rateRps!, plan.durationMs, plan.requests);
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count && !signal.aborted; i++) {
    const due = intendedMs(startMs, plan.rateRps!, i);
    await waitUntil(due, signal);
    if (signal.aborted) break;
    inFlight.push(send(i + 1, due));
  }
  await Promise.all(inFlight);
}

/** Closed loop: N clients, each sending its next request as soon as the previous one answered. */
async function closedLoop(plan: LoadPlan, startMs: number, send: Send, signal: AbortSignal): Promise<void> {
  const deadline = plan.durationMs === undefined ? undefined : startMs + plan.durationMs;
  const quota = new ClosedLoopQuota(plan.requests, deadline);
  const client = async (): Promise<void> => {
    while (!signal.aborted) {
      const now = nowMs();
      const seq = quota.claim(now);
      if (seq === undefined) return;
      await send(seq, now);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, client));
}

export async function runLoad(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  if (plan.texts.length === 0) throw new Error('no texts to send');
  const open = plan.rateRps !== undefined;
  const templates = requestTemplates(plan.target, plan.texts);
  const pool = new ConnectionPool(plan.target);
  const rows: ClientRequest[] = [];
  const builder = new LoadSummaryBuilder();
  // The caller's signal stops the pool once: every request in flight ends as aborted.
  const stop = new AbortController();
  const onAbort = (): void => {
    stop.abort();
    pool.stop();
  };
  if (hooks.signal?.aborted) onAbort();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const cpuStart = process.cpuUsage();
  const startMs = nowMs();

  const send: Send = async (seq, intended) => {
    const requestId = randomUUID();
    const template = templates[(seq - 1) % templates.length]!;
    const r = await pool.send(template.head + requestId + template.tail, plan.timeoutMs);
    const row: ClientRequest = {
      label: plan.label, phase: plan.phase, seq, requestId,
      intendedMs: intended, sentMs: r.sentMs, doneMs: r.doneMs, latencyMs: r.doneMs - intended,
      status: r.status, error: r.error, serverLatencyMs: r.serverLatencyMs, replica: r.replica, prediction: r.prediction,
      bytesSent: r.bytesSent, bytesReceived: r.bytesReceived,
    };
    builder.add(row);
    if (hooks.keepRows !== false) rows.push(row);
    hooks.onRow?.(row);
  };

  // Stop and finish both end the sending; only stop also cuts the requests in flight (pool.stop()).
  const sending = hooks.finish ? AbortSignal.any([stop.signal, hooks.finish]) : stop.signal;
  try {
    await (open ? openLoop : closedLoop)(plan, startMs, send, sending);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    pool.stop();
  }

  const endMs = nowMs();
  const cpu = process.cpuUsage(cpuStart);
  rows.sort((a, b) => a.seq - b.seq);
  const summary = builder.finish({ label: plan.label, phase: plan.phase, startMs, endMs, cpuMicros: cpu.user + cpu.system });
  return { rows, summary, startMs, endMs };
}
