// The options every driver accepts, parsed once by createDeployment. Defaults follow the commands the
// README documents: native and `docker run` on 5000, Compose and Swarm on 8080.
import type { DeploymentName } from '../../contracts/deployments.js';
import {
  DEFAULT_COMPOSE_PROJECT, DEFAULT_CONTAINER, DEFAULT_SERVICE, defaultPort, whyNoFront,
} from '../../contracts/deployments.js';
import { defaultImage } from './image.js';

export interface DriverOptions {
  /** Host port on 127.0.0.1 the load is sent to. Default: 5000 (native, docker), 8080 (compose, swarm). */
  readonly port?: number;
  /**
   * Image for docker, compose and swarm. Default: LLM_IMAGE, else `llm-inference-image`. A reference that
   * names a registry (`ghcr.io/me/llm-inference-image:v1`) is pulled by up().
   */
  readonly image?: string;
  /**
   * Name of what the driver creates, so tests and parallel users do not collide: container name (docker),
   * Compose project (compose), service name (swarm). Defaults: llm-inference-container,
   * llm-inference, llm-inference-service.
   */
  readonly name?: string;
  /** CPU cores granted to each replica (`--cpus`, compose/swarm limits). Default: unlimited. */
  readonly cpus?: number;
  /** Memory limit per replica in bytes. Default: unlimited. */
  readonly memoryBytes?: number;
  /** How long `up` waits for /health to report ready. Default 120 s (model load on a busy 2-core box). */
  readonly healthTimeoutMs?: number;
  /** Extra environment for the service (MODEL_ID, MODEL_DTYPE, ONNX_THREADS …). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Swarm only: how traffic reaches the replicas. `mesh` = published port on the routing mesh (needs
   * IPVS in the kernel); `proxy` = endpoint-mode dnsrr + the llm-inference-front proxy; `auto` (default)
   * = mesh when the kernel has IPVS, falling back to proxy when the mesh does not answer on 127.0.0.1.
   */
  readonly swarmRouting?: SwarmRouting;
  /**
   * native, docker, compose: put the Swarm deployment's HAProxy front (llm-inference-front) before the one
   * replica, as a control (deploy/drivers/fronted.ts). The front answers on `port`; the replica moves to a
   * free port. Swarm refuses it: it has a balancer of its own. Default false.
   */
  readonly front?: boolean;
  /**
   * Swarm only: the swarm spans this many nodes (the engine DOCKER_HOST names is their manager; the
   * experiment's --nodes). Above 1 the replicas are spread (at most ⌈replicas / nodes⌉ per node) and the
   * front runs on the manager, whose host-mode port the node publishes on 127.0.0.1. Default 1.
   */
  readonly nodes?: number;
}

export type SwarmRouting = 'auto' | 'mesh' | 'proxy';

export interface ResolvedOptions {
  readonly port: number;
  readonly image: string;
  readonly name: string;
  readonly cpus: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly healthTimeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
  readonly swarmRouting: SwarmRouting;
  readonly front: boolean;
  readonly nodes: number;
}

const DEFAULT_NAMES: Record<DeploymentName, string> = {
  native: 'llm-inference-native',
  docker: DEFAULT_CONTAINER,
  compose: DEFAULT_COMPOSE_PROJECT,
  'swarm-1': DEFAULT_SERVICE,
  'swarm-3': DEFAULT_SERVICE,
  'swarm-scale': DEFAULT_SERVICE,
  'swarm-failover': DEFAULT_SERVICE,
};

/** Applies defaults and rejects impossible values with a message naming the bad one. */
export function resolveOptions(deployment: DeploymentName, options: DriverOptions): ResolvedOptions {
  const port = options.port ?? defaultPort(deployment);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port: ${String(options.port)}`);
  const name = options.name ?? DEFAULT_NAMES[deployment];
  // Docker names: the strictest of container, project and service rules (Compose wants lower case).
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name)) throw new Error(`bad name: ${JSON.stringify(name)} (lower-case letters, digits, _ . -)`);
  const image = options.image ?? defaultImage();
  if (!/^[a-z0-9][\w./:-]*(?:@sha256:[0-9a-f]{64})?$/.test(image)) throw new Error(`bad image: ${JSON.stringify(image)}`);
  const cpus = options.cpus;
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0)) throw new Error(`bad cpus: ${String(cpus)}`);
  const memoryBytes = options.memoryBytes;
  if (memoryBytes !== undefined && !(Number.isInteger(memoryBytes) && memoryBytes >= 6 * 1024 * 1024)) {
    throw new Error(`bad memoryBytes: ${String(memoryBytes)} (an integer ≥ 6 MiB, Docker's minimum)`);
  }
  const healthTimeoutMs = options.healthTimeoutMs ?? 120_000;
  if (!(Number.isFinite(healthTimeoutMs) && healthTimeoutMs > 0)) throw new Error(`bad healthTimeoutMs: ${String(healthTimeoutMs)}`);
  for (const key of Object.keys(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`bad env name: ${JSON.stringify(key)}`);
  }
  const swarmRouting = options.swarmRouting ?? 'auto';
  if (!['auto', 'mesh', 'proxy'].includes(swarmRouting)) throw new Error(`bad swarmRouting: ${String(swarmRouting)} (auto, mesh or proxy)`);
  const front = options.front ?? false;
  const noFront = front ? whyNoFront(deployment) : undefined;
  if (noFront) throw new Error(`bad front: ${noFront}`);
  const nodes = options.nodes ?? 1;
  if (!(Number.isInteger(nodes) && nodes >= 1)) throw new Error(`bad nodes: ${String(options.nodes)} (a whole number, 1 or more)`);
  return { port, image, name, cpus, memoryBytes, healthTimeoutMs, env: { ...options.env }, swarmRouting, front, nodes };
}
