// The contract between the experiment (which sequences runs) and the deployment drivers (which know
// how to start, watch and stop one kind of deployment). One driver module per deployment kind. The
// names and kinds, and the target shape recorded in run.json, are shared contracts.
import type { DeploymentKind, DeploymentName } from '../contracts/deployments.js';
import type { Target } from '../contracts/run-record.js';
import type { ReplicaContainer } from '../contracts/swarm-events.js';

export interface RunContext {
  /** Project root (where package.json is). */
  readonly root: string;
  /** data/runs/<label>/ for this run; the driver puts service CSVs under <runDir>/service/. */
  readonly runDir: string;
  /** Progress output. */
  log(message: string): void;
}

export interface Deployment {
  readonly name: DeploymentName;
  readonly kind: DeploymentKind;
  /** Why this deployment cannot run on this machine (no engine, no image…), or undefined when it can. */
  preflight(ctx: RunContext): Promise<string | undefined>;
  /** Build/start it and wait until /health says ready. Throws with a clear message on failure. */
  up(ctx: RunContext): Promise<Target>;
  /** Selection flags for `collector start` that watch exactly this deployment's replicas. */
  collectorArgs(): string[];
  /** Copy every replica's service CSV into <runDir>/service/; returns the files written. */
  collectCsv(ctx: RunContext): Promise<string[]>;
  /** Stop and remove everything `up` created. Idempotent; safe after a failed or partial `up`. */
  down(ctx: RunContext): Promise<void>;
  /** Swarm only: what the event phases (swarm-scale, swarm-failover) do to the running service. */
  readonly events?: SwarmEventActions;
  /** Single-replica deployments, after up(): where a front container reaches the replica (the --front control). */
  frontBackend?(ctx: RunContext): Promise<FrontBackend>;
}

/** The commands of the event phases, on the service `up` created (deploy/drivers/swarm-events.ts). */
export interface SwarmEventActions {
  /** `docker service ps <service>` as the user would see it. */
  servicePs(): Promise<string>;
  /** `docker service scale <service>=<replicas>` (returns once the command returned); resolves with the command line. */
  scale(replicas: number): Promise<string>;
  /** `docker kill` of one running replica's container (SIGKILL, as a crash): resolves with it and the command line. */
  killOne(): Promise<{ killed: ReplicaContainer; command: string }>;
  /** Every container of the service, running or exited, from `docker inspect`. */
  containers(): Promise<ReplicaContainer[]>;
}

/** How a container placed before a running replica reaches it. */
export interface FrontBackend {
  /** The Docker network the front joins: `host` (native), `bridge` (docker run), the Compose project's network. */
  readonly network: string;
  /** The replica's ip:port on that network. */
  readonly address: string;
}
