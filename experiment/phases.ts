// The load phases of one deployment's run, from the experiment options. Pure.
import {
  closedPhase, type DeploymentName, type EventDeploymentName, isEventDeployment, isMeasuredPhase, openPhase, SEQUENTIAL_PHASE, WARMUP_PHASE,
} from '../contracts/deployments.js';
import { DEFAULT_EVENT_RATE_RPS, EVENT_PLANS, eventPhase } from '../contracts/swarm-events.js';
import type { ExperimentOptions } from './options.js';
import { DEFAULT_EVENT_TIMES, eventPhaseMaxMs } from './swarm-event.js';

export interface PhasePlan {
  /** Phase name written in client.csv and run.json: warmup, sequential, closed-c16, open-rate50. */
  readonly name: string;
  readonly concurrency: number | null;
  readonly rateRps: number | null;
  readonly requests: number | undefined;
  readonly durationMs: number | undefined;
  /** Warm-up is recorded but left out of the summary table. */
  readonly measured: boolean;
  /** swarm-scale / swarm-failover: the phase during which the event happens (experiment/swarm-event.ts). */
  readonly event?: EventDeploymentName;
}

type PhaseOptions = Pick<ExperimentOptions, 'requests' | 'concurrency' | 'concurrentRequests' | 'rateRps' | 'durationMs' | 'warmupRequests'>;

/**
 * An event deployment's phases: the warm-up, then one open-loop phase at --rate (default 100 req/s)
 * that lasts --duration before the event and until the shares are even after it (at most the bound).
 */
function eventPhases(o: PhaseOptions, name: EventDeploymentName): PhasePlan[] {
  const rate = o.rateRps ?? DEFAULT_EVENT_RATE_RPS;
  const phases: PhasePlan[] = [];
  if (o.warmupRequests > 0) {
    phases.push({ name: WARMUP_PHASE, concurrency: 1, rateRps: null, requests: o.warmupRequests, durationMs: undefined, measured: false });
  }
  phases.push({
    name: eventPhase(EVENT_PLANS[name].kind, rate), concurrency: null, rateRps: rate, requests: undefined,
    durationMs: eventPhaseMaxMs({ settleMs: o.durationMs, ...DEFAULT_EVENT_TIMES }), measured: true, event: name,
  });
  return phases;
}

/**
 * Warm-up, the sequential requests of the 160-review latency test, then the concurrent phase for a
 * duration (5 s by default, in each of the rounds): at several hundred req/s a few hundred requests would be over in under a second, less than one
 * collector sample, which says little about CPU or throughput.
 */
export function planPhases(o: PhaseOptions, deployment?: DeploymentName): PhasePlan[] {
  if (deployment !== undefined && isEventDeployment(deployment)) return eventPhases(o, deployment);
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
