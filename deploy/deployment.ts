// The contract between the experiment (which sequences runs) and the deployment drivers (which know
// how to start, watch and stop one kind of deployment). One driver module per deployment kind.

export const DEPLOYMENT_NAMES = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3'] as const;
export type DeploymentName = (typeof DEPLOYMENT_NAMES)[number];
export type DeploymentKind = 'native' | 'docker' | 'compose' | 'swarm';

/** Where the load generator sends traffic. Always a loopback address: never a container address. */
export interface Target {
  readonly host: string; // 127.0.0.1
  readonly port: number;
  /** Whether Docker's userland proxy (docker-proxy) carried the published port; null for native. */
  readonly userlandProxy: boolean | null;
  /** How the traffic reaches the replicas, in a few words (e.g. "published port", "haproxy front, dnsrr"). */
  readonly path: string;
}

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
}
