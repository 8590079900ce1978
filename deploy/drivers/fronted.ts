// <name>-front: native, docker or compose with the Swarm deployment's HAProxy front before its one
// replica, as a control (the experiment's --front). The same image and configuration
// (deploy/swarm/haproxy.cfg), given the replica's fixed address (BACKEND_ADDR) instead of a DNS name.
// Against the same deployment without it, a run gives what a load balancer costs; against swarm-1 (behind
// this front wherever the kernel has no IPVS) what Swarm costs beyond it.
//   native:  the front runs in the host's network namespace (--network host) and listens on
//            127.0.0.1:<port>; the service listens on 127.0.0.1 only, so nothing else could reach it
//   docker:  the front joins the default bridge the replica is on and publishes <port>
//   compose: the front joins the project's network and publishes <port>
// The replica moves to a free port of its own, which only the inner driver's readiness wait uses; the
// load goes to the front's port on 127.0.0.1.
import { errorText } from '../../common/error-text.js';
import type { Target } from '../../contracts/run-record.js';
import { frontLabel, type DeploymentKind, type DeploymentName } from '../../contracts/deployments.js';
import type { Deployment, FrontBackend, RunContext } from '../deployment.js';
import { ensureFrontImage, FRONT_IMAGE, FRONT_PORT } from '../swarm/front.js';
import { containerLogTail, containerState, docker, OWNER_LABEL, publishedPath, removeStaleContainer } from './engine.js';
import { waitForHealth } from './health.js';
import { engineMissing } from './image.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree, freePort } from './ports.js';

/** The front container's owner label value (what removeStaleContainer checks). */
const OWNER = 'front';
/** How long the front may take to answer /health once the replica is ready: its first health check. */
const FRONT_READY_MS = 30_000;

/** `docker run` arguments of the front container before `backend`, answering on host port `port` (pure, unit-tested). */
export function frontRunArgs(container: string, port: number, backend: FrontBackend): string[] {
  const args = ['run', '-d', '--name', container, '--init', '--label', `${OWNER_LABEL}=${OWNER}`, '--network', backend.network];
  if (backend.network === 'host') {
    // The host's namespace: loopback only, like the native service, and the statistics on a socket file
    // instead of a host port that could be taken.
    args.push('--env', `FRONT_BIND=127.0.0.1:${port}`, '--env', 'STATS_BIND=/tmp/haproxy-stats.sock');
  } else {
    // On all interfaces, like the deployments' own published ports; the load only targets 127.0.0.1.
    args.push('--publish', `${port}:${FRONT_PORT}`);
  }
  args.push('--env', `BACKEND_ADDR=${backend.address}`, FRONT_IMAGE);
  return args;
}

export class FrontedDeployment implements Deployment {
  readonly name: DeploymentName;
  readonly kind: DeploymentKind;
  /** The deployment behind the front before up() gives it a port: its name, kind and preflight. */
  private readonly unplaced: Deployment;
  /** The deployment behind the front, made by up() on a free port. */
  private inner: Deployment | undefined;
  private containerId: string | undefined;

  /** `innerAt(port)` makes the deployment behind the front, listening on host port `port`. */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly innerAt: (port: number) => Deployment,
  ) {
    this.unplaced = innerAt(options.port);
    this.name = this.unplaced.name;
    this.kind = this.unplaced.kind;
  }

  private get label(): string {
    return frontLabel(this.name);
  }

  private get container(): string {
    return `${this.options.name}-front`;
  }

  async preflight(ctx: RunContext): Promise<string | undefined> {
    return (await this.unplaced.preflight(ctx)) ?? (await engineMissing());
  }

  async up(ctx: RunContext): Promise<Target> {
    const { port } = this.options;
    const why = await this.preflight(ctx);
    if (why) throw new Error(`${this.label}: ${why}`);
    await removeStaleContainer(this.container, OWNER, this.label, ctx.log);
    await ensurePortFree(port);
    ctx.log(`front: ${await ensureFrontImage(ctx.root)}`);
    const inner = (this.inner = this.innerAt(await freePort()));
    await inner.up(ctx);
    try {
      const backend = await inner.frontBackend!(ctx);
      ctx.log(`front: docker run ${this.container} (${FRONT_IMAGE}) on port ${port} before ${backend.address} (network ${backend.network})`);
      this.containerId = await docker(frontRunArgs(this.container, port, backend));
      await waitForHealth(port, { timeoutMs: FRONT_READY_MS, gone: () => this.gone(), log: ctx.log });
      ctx.log(`front: ready on 127.0.0.1:${port}`);
      const published = backend.network === 'host' ? undefined : publishedPath(port);
      const hop = published ? `on published port ${port}:${FRONT_PORT} ${published.via}` : `on 127.0.0.1:${port} in the host's network namespace`;
      return {
        host: '127.0.0.1',
        port,
        userlandProxy: published?.userlandProxy ?? false,
        path: `HAProxy front (${FRONT_IMAGE}) ${hop}, then the ${this.name} replica at ${backend.address} (network ${backend.network})`,
        front: { image: FRONT_IMAGE, backend: backend.address },
      };
    } catch (err) {
      const logs = this.containerId ? await containerLogTail(this.containerId) : '';
      await this.down(ctx);
      throw new Error(`${this.label}: ${errorText(err)}${logs ? ` — front log: ${logs}` : ''}`);
    }
  }

  /** The deployment's own selection, and the front as its platform (the collector samples it like the swarm front). */
  collectorArgs(): string[] {
    return [...this.started().collectorArgs(), '--front-container', this.container];
  }

  collectCsv(ctx: RunContext): Promise<string[]> {
    return this.started().collectCsv(ctx);
  }

  /** The front first (it is on the replica's network, which Compose removes), then the deployment. */
  async down(ctx: RunContext): Promise<void> {
    const id = this.containerId;
    if (id !== undefined) {
      if ((await containerState(id)) !== undefined) await docker(['rm', '-f', id]);
      this.containerId = undefined;
      ctx.log(`front: removed ${this.container}`);
    }
    await this.inner?.down(ctx);
  }

  private started(): Deployment {
    if (this.inner === undefined) throw new Error(`${this.label}: used before up()`);
    return this.inner;
  }

  private async gone(): Promise<string | undefined> {
    const state = this.containerId === undefined ? undefined : await containerState(this.containerId);
    return state === 'running' ? undefined : `the front container ${state ?? 'vanished'}`;
  }
}
