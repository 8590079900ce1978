// The load phases of one deployment's run, from the experiment options. Pure.
import { closedPhase, isMeasuredPhase, openPhase, SEQUENTIAL_PHASE, WARMUP_PHASE } from '../contracts/deployments.js';
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

/**
 * Warm-up, the sequential requests of the 160-review latency test, then the concurrent phase for a
 * duration (5 s by default, in each of the rounds): at several hundred req/s a few hundred requests would be over in under a second, less than one
 * collector sample, which says little about CPU or throughput.
 */
export function planPhases(
  o: Pick<ExperimentOptions, 'requests' | 'concurrency' | 'concurrentRequests' | 'rateRps' | 'durationMs' | 'warmupRequests'>,
): PhasePlan[] {
  const phases: Omit<PhasePlan, 'measured'>[] = [];
  if (o.warmupRequests > 0) {
    phases.push({ name: WARMUP_PHASE, concurrency: 1, rateRps: null, requests: o.warmupRequests, durationMs: undefined });
  }
  phases.push({ name: SEQUENTIAL_PHASE, concurrency: 1, rateRps: null, requests: o.requests, durationMs: undefined });
  if (o.concurrency > 1) {
    phases.push({
      name: closedPhase(o.concurrency),
      concurrency: o.concurrency,
      rateRps: null,
      requests: o.concurrentRequests,
      durationMs: o.concurrentRequests === undefined ? o.durationMs : undefined,
    });
  }
  if (o.rateRps !== undefined) {
    phases.push({
      name: openPhase(o.rateRps),
      concurrency: null,
      rateRps: o.rateRps,
      requests: undefined,
      durationMs: o.durationMs,
    });
  }
  return phases.map((p) => ({ ...p, measured: isMeasuredPhase(p.name) }));
}
