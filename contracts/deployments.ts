// Which deployments exist and which load phases a run has: the names the experiment, the drivers, the
// collector, the reporter and the run folders all use. Written once here; SQL gets them as parameters.

/** The steady-state deployments: what `npm run experiment` measures by default, in that order. */
export const DEPLOYMENT_NAMES = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3'] as const;
/**
 * Swarm under an event (contracts/swarm-events.ts): a live scale from 1 to 3 replicas, and a replica
 * killed out of 3, each under steady open-loop load. Measured only when `--deployments` names them.
 */
export const EVENT_DEPLOYMENT_NAMES = ['swarm-scale', 'swarm-failover'] as const;
/** Every name `npm run experiment --deployments` accepts. */
export const ALL_DEPLOYMENT_NAMES = [...DEPLOYMENT_NAMES, ...EVENT_DEPLOYMENT_NAMES] as const;
export type DeploymentName = (typeof ALL_DEPLOYMENT_NAMES)[number];
export type EventDeploymentName = (typeof EVENT_DEPLOYMENT_NAMES)[number];

/** How a deployment runs; a run records its kind. `swarm-1`, `swarm-3` and the event ones are all `swarm`. */
export const DEPLOYMENT_KINDS = ['native', 'docker', 'compose', 'swarm'] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

/** What the collector records as a run's deployment: a kind, or `other` for targets it was only told about. */
export const RECORDED_DEPLOYMENTS = [...DEPLOYMENT_KINDS, 'other'] as const;
export type RecordedDeployment = (typeof RECORDED_DEPLOYMENTS)[number];

export function isDeploymentName(name: string): name is DeploymentName {
  return (ALL_DEPLOYMENT_NAMES as readonly string[]).includes(name);
}

export function isEventDeployment(name: string): name is EventDeploymentName {
  return (EVENT_DEPLOYMENT_NAMES as readonly string[]).includes(name);
}

export function isDeploymentKind(name: string): name is DeploymentKind {
  return (DEPLOYMENT_KINDS as readonly string[]).includes(name);
}

export function kindOf(name: DeploymentName): DeploymentKind {
  return name.startsWith('swarm') ? 'swarm' : (name as DeploymentKind);
}

/**
 * The label of the k-th time (1-based) a deployment is listed in `--deployments`: the k-th repeat of a
 * deployment is `<name>#k`, the first is the name itself (`native,native` → native, native#2). The
 * same deployment measured under two labels is an A/A pair: their difference is the instrument's noise.
 */
export function repeatLabel(name: DeploymentName, k: number): string {
  return k <= 1 ? name : `${name}#${k}`;
}

/** The deployment a label measures (`native#2` → native); undefined when it names none. */
export function deploymentOfLabel(label: string): DeploymentName | undefined {
  const name = label.replace(/#\d+$/, '');
  return isDeploymentName(name) ? name : undefined;
}

/**
 * The label of a deployment measured behind the HAProxy front as a control (`--front`): `docker-front`.
 * Against `docker` it gives what a load balancer costs; against swarm-1 (behind the same front without
 * IPVS) what Swarm costs beyond it.
 */
export function frontLabel(name: DeploymentName): string {
  return `${name}-front`;
}

/** Why a deployment cannot be put behind the front, or undefined when it can (Swarm has its own: the mesh or the front). */
export function whyNoFront(name: DeploymentName): string | undefined {
  return kindOf(name) === 'swarm' ? `${name} already runs behind a balancer of its own (the routing mesh, or this front without IPVS)` : undefined;
}

/** The baseline every overhead is measured against. */
export const BASELINE_DEPLOYMENT: DeploymentName = 'native';

// ---- what the README's commands create: the drivers' defaults, and what a collector label picks ----

/** The service image (`docker build -t llm-inference-image .`). */
export const DEFAULT_IMAGE = 'llm-inference-image';
/** `docker run --name llm-inference-container`. */
export const DEFAULT_CONTAINER = 'llm-inference-container';
/** The Compose project the experiment runs (`docker-compose -p llm-inference up`). */
export const DEFAULT_COMPOSE_PROJECT = 'llm-inference';
/** `docker service create --name llm-inference-service`, for 1 and 3 replicas alike. */
export const DEFAULT_SERVICE = 'llm-inference-service';
/** The swarm service of the HAProxy front of swarm service `service` (deploy/drivers/swarm.ts creates it; the collector samples it as platform). */
export function frontServiceName(service: string): string {
  return `${service}-front`;
}
/**
 * The service containers' health check (swarm's --health-*, deploy/swarm/stack.yml, docker-compose.yml;
 * deploy/drivers/engine.ts has the command). Every 2 s, so a replica that has just loaded its model is
 * healthy, and so in Docker's DNS, within 2 s. 5 s to answer and 5 failures in a row before Docker calls
 * it unhealthy (and Swarm replaces it): on a starved 2-core machine /health can take seconds, and a stricter
 * check made Swarm stop healthy replicas (deploy/README.md). A hung replica is still replaced within about
 * 35 s; a crashed one at once (its container exits), and HAProxy's own checks stop sending it requests
 * within 2 s either way. 120 s of start period: model loads took up to 60 s on the busy machine.
 */
export const SERVICE_HEALTHCHECK = { intervalS: 2, timeoutS: 5, retries: 5, startPeriodS: 120 } as const;

/** The native service's port, which `docker run -p 5000:5000` keeps. */
export const NATIVE_PORT = 5000;
/** The port Compose and Swarm publish. */
export const PUBLISHED_PORT = 8080;

/** The host port a deployment answers on by default. */
export function defaultPort(name: DeploymentName): number {
  return name === 'native' || name === 'docker' ? NATIVE_PORT : PUBLISHED_PORT;
}

// ---- phases ----

/** Requests before measuring: recorded, but left out of every summary. */
export const WARMUP_PHASE = 'warmup';
/** One request at a time, like the 160-review latency test. */
export const SEQUENTIAL_PHASE = 'sequential';

/** Closed loop with `concurrency` clients. */
export function closedPhase(concurrency: number): string {
  return `closed-c${concurrency}`;
}

/** Open loop at `rateRps` requests a second. */
export function openPhase(rateRps: number): string {
  return `open-rate${rateRps}`;
}

/** Whether a phase counts in the summaries (every phase but the warm-up). */
export function isMeasuredPhase(name: string | null | undefined): boolean {
  return name !== WARMUP_PHASE;
}
