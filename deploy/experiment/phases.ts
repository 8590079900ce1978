// The load phases of one deployment's run, from the experiment options. Pure.
import type { ExperimentOptions } from './options.js';

export interface PhasePlan {
  /** Phase name written in client.csv and run.json: warmup, sequential, closed-c16, open-rate50. */
  readonly name: string;
  readonly concurrency: number | null;
  readonly rateRps: number | null;
  readonly requests: number | undefined;
  readonly durationMs: number | undefined;
  /** Warm-up is recorded but left out of the summary table. */
  readonly measured: boolean;
}

const DEFAULT_OPEN_MS = 10_000;

export function planPhases(o: Pick<ExperimentOptions, 'requests' | 'concurrency' | 'rateRps' | 'durationMs' | 'warmupRequests'>): PhasePlan[] {
  const phases: PhasePlan[] = [];
  if (o.warmupRequests > 0) {
    phases.push({ name: 'warmup', concurrency: 1, rateRps: null, requests: o.warmupRequests, durationMs: undefined, measured: false });
  }
  phases.push({ name: 'sequential', concurrency: 1, rateRps: null, requests: o.requests, durationMs: undefined, measured: true });
  if (o.concurrency > 1) {
    phases.push({
      name: `closed-c${o.concurrency}`,
      concurrency: o.concurrency,
      rateRps: null,
      requests: o.durationMs === undefined ? o.requests * 2 : undefined,
      durationMs: o.durationMs,
      measured: true,
    });
  }
  if (o.rateRps !== undefined) {
    phases.push({
      name: `open-rate${o.rateRps}`,
      concurrency: null,
      rateRps: o.rateRps,
      requests: undefined,
      durationMs: o.durationMs ?? DEFAULT_OPEN_MS,
      measured: true,
    });
  }
  return phases;
}
