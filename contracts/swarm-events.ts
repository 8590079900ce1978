// A Swarm event under load, as run.json records it: the live scale from 1 to 3 replicas
// (`swarm-scale`) and a replica killed out of 3 (`swarm-failover`). The experiment writes it
// (experiment/swarm-event.ts), the reporter draws the timeline around it (reporter/events/); both use the
// settings and the "shares are even" rule below, so the experiment stops the load on the same rule the
// report states.
import { z } from 'zod';
import type { EventDeploymentName } from './deployments.js';

export const SWARM_EVENT_KINDS = ['scale', 'failover'] as const;
export type SwarmEventKind = (typeof SWARM_EVENT_KINDS)[number];

/** Which event a deployment name runs, and how many replicas it starts with and ends with. */
export const EVENT_PLANS: Record<EventDeploymentName, { kind: SwarmEventKind; replicasBefore: number; replicasAfter: number }> = {
  'swarm-scale': { kind: 'scale', replicasBefore: 1, replicasAfter: 3 },
  'swarm-failover': { kind: 'failover', replicasBefore: 3, replicasAfter: 3 },
};

/**
 * The open-loop rate of an event phase when `--rate` is not given: 50 requests a second gives each of 3
 * replicas about 17 a second, so a request answered in the next second moves a share by 2 points (within
 * the tolerance), and stays well below what 3 replicas serve on 2 busy cores (100 req/s overloaded them
 * on this VM at load average 20: health checks timed out and Swarm restarted healthy replicas).
 */
export const DEFAULT_EVENT_RATE_RPS = 50;
/** After the event, the load stays on at most this long (the scale or the replacement may never settle). */
export const EVENT_BOUND_MS = 60_000;
/** Once the shares are even, the load stays on this much longer, so the timeline shows the settled state. */
export const EVENT_HOLD_MS = 3_000;
/** "Even": each replica's share of a second's answered requests within 100/n ± this many points. */
export const SHARE_TOLERANCE_POINTS = 5;
/** …for this many whole seconds in a row. */
export const EVEN_SECONDS = 3;

/** The event phase's name in client.csv and run.json: scale-rate100, failover-rate100. */
export function eventPhase(kind: SwarmEventKind, rateRps: number): string {
  return `${kind}-rate${rateRps}`;
}

/** Whether shares (in %, one per replica) are even for `replicas` replicas: exactly that many, each within tolerance. */
export function sharesEven(shares: readonly number[], replicas: number): boolean {
  const even = 100 / replicas;
  return shares.length === replicas && shares.every((s) => Math.abs(s - even) <= SHARE_TOLERANCE_POINTS);
}

/** Answered requests per replica (host name) in one whole second; `second` counts from the event (0 = the second it began). */
export interface SecondCounts {
  readonly second: number;
  readonly byReplica: ReadonlyMap<string, number>;
}

/**
 * The first second at or after the event from which the shares were even for EVEN_SECONDS seconds in a
 * row; `excluded` replicas (a killed one) must not be among them. `seconds` in time order, only whole ones.
 */
export function firstEvenSecond(seconds: readonly SecondCounts[], replicas: number, excluded: ReadonlySet<string> = new Set()): number | undefined {
  let run = 0;
  let expected: number | undefined;
  for (const s of seconds) {
    if (s.second < 0) continue;
    const total = [...s.byReplica.values()].reduce((a, b) => a + b, 0);
    const ok = total > 0 && ![...s.byReplica.keys()].some((r) => excluded.has(r))
      && sharesEven([...s.byReplica.values()].map((n) => (100 * n) / total), replicas)
      && (expected === undefined || s.second === expected);
    run = ok ? run + 1 : 0;
    expected = s.second + 1;
    if (run >= EVEN_SECONDS) return s.second - EVEN_SECONDS + 1;
  }
  return undefined;
}

const finite = z.number().finite();

/** One container of the service as `docker inspect` described it after the event (running or exited). */
export const ReplicaContainerSchema = z.object({
  containerId: z.string(),
  /** What the service writes in its CSV's Replica column and X-Replica header. */
  hostname: z.string(),
  /** The Swarm task slot (a replacement takes the slot of the task it replaces). */
  slot: z.number().int().nullable(),
  /** running, exited … */
  state: z.string(),
  startedAtMs: finite.nullable(),
  /** When it stopped; null while it runs. */
  finishedAtMs: finite.nullable(),
  exitCode: z.number().int().nullable(),
});
export type ReplicaContainer = z.output<typeof ReplicaContainerSchema>;

export const SwarmEventSchema = z.object({
  kind: z.enum(SWARM_EVENT_KINDS),
  /** The command as a user would type it: `docker service scale llm-inference-service=3`, `docker kill <id>`. */
  command: z.string(),
  /** Just before the command ran, and when it returned (ms since the epoch). */
  atMs: finite,
  returnedMs: finite,
  replicasBefore: z.number().int().min(0),
  replicasAfter: z.number().int().min(0),
  /** The load phase the event happened in (eventPhase). */
  phase: z.string(),
  /** failover: the container that was killed. */
  killed: ReplicaContainerSchema.nullable().default(null),
  /**
   * When the experiment saw the shares even (sharesEven for EVEN_SECONDS seconds in a row, in client.csv
   * as it was written): the start of the first of those seconds; null when the bound came first.
   */
  evenAtMs: finite.nullable(),
  /** The load was stopped by the bound (EVENT_BOUND_MS), not because the shares were even. */
  bounded: z.boolean(),
  /** Every container of the service after the event, from `docker inspect`. */
  containers: z.array(ReplicaContainerSchema).default([]),
  /** `docker service ps` before and after, saved in the run folder (file names relative to it). */
  servicePs: z.object({ before: z.string().nullable(), after: z.string().nullable() }),
});
export type SwarmEvent = z.output<typeof SwarmEventSchema>;
export type SwarmEventInput = z.input<typeof SwarmEventSchema>;
