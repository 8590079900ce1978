// Runs one load phase in a fresh child process (phase-child.ts) and returns its result: the experiment's
// way of keeping the load generator's state and CPU apart from one phase to the next. node:child_process
// fork rather than the project's command runners, because the plan and the result cross an IPC channel.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './phase-messages.js';
import type { LoadPlan } from './run.js';
import type { LoadSummary } from './stats.js';

export interface PhaseProcessOptions {
  /** client.csv the phase's rows are appended to. */
  readonly csv: string;
  /** Stops the phase: the child stops sending, ends what is in flight as aborted and still reports. */
  readonly signal?: AbortSignal;
  /** Ends the phase cleanly before its duration: the child stops sending, waits for the answers in flight and reports. */
  readonly finish?: AbortSignal;
  /** Called every progressMs with the requests finished so far. */
  onProgress?(done: number, failed: number): void;
  readonly progressMs?: number;
}

export interface PhaseProcessResult {
  readonly summary: LoadSummary;
  readonly startMs: number;
  readonly endMs: number;
  /** The generator process that ran the phase. */
  readonly pid: number;
}

const CHILD = fileURLToPath(new URL('./phase-child.js', import.meta.url));

export function runLoadInProcess(plan: LoadPlan, options: PhaseProcessOptions): Promise<PhaseProcessResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    let outcome: { ok: PhaseProcessResult } | { err: Error } | undefined;
    const stop = (): void => {
      if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
    };
    const finish = (): void => {
      if (child.connected) child.send({ type: 'finish' } satisfies ToChild);
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    options.finish?.addEventListener('abort', finish, { once: true });
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') options.onProgress?.(m.done, m.failed);
      else if (m.type === 'result') outcome = { ok: { summary: m.summary, startMs: m.startMs, endMs: m.endMs, pid: child.pid! } };
      else outcome = { err: new Error(`load generator: ${m.message}`) };
    });
    child.on('error', (err) => {
      outcome ??= { err };
      if (child.pid === undefined) reject(err); // never started: no exit event to wait for
    });
    child.on('exit', (code, signal) => {
      options.signal?.removeEventListener('abort', stop);
      options.finish?.removeEventListener('abort', finish);
      if (outcome && 'ok' in outcome) resolve(outcome.ok);
      else reject(outcome?.err ?? new Error(`load generator exited (${signal ?? `exit ${code}`}) without a result`));
    });
    child.send({ type: 'run', plan, csv: options.csv, progressMs: options.progressMs ?? 5000 } satisfies ToChild);
    if (options.signal?.aborted) stop();
    else if (options.finish?.aborted) finish();
  });
}
