// swarm-1 / swarm-3: service llm-inference-service on a single-node swarm, published on 8080.
// With IPVS the routing mesh publishes the port; without it (this machine) the service runs with
// --endpoint-mode dnsrr behind llm-inference-front (HAProxy over tasks.<service>), published in host mode.
// Every replica appends to its own CSV (replica-<slot>.csv) in <runDir>/service/, bind-mounted.
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../../common/error-text.js';
import { pollUntil, PollTimeoutError } from '../../common/poll.js';
import { frontServiceName, SERVICE_HEALTHCHECK } from '../../contracts/deployments.js';
import type { Target } from '../../contracts/run-record.js';
import type { Deployment, RunContext, SwarmEventActions } from '../deployment.js';
import { ensureFrontImage, FRONT_IMAGE, FRONT_PORT, frontEnv } from '../swarm/front.js';
import { docker, dockerSucceeds, HEALTH_PROBE_SH, oneLineTail, OWNER_LABEL, userlandProxyCarries } from './engine.js';
import { everyTenSeconds, probeHealth, waitForHealth } from './health.js';
import { swarmEventActions } from './swarm-events.js';
import { containerPreflight, imageRegistry, pullImage } from './image.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';
import { joinSwarm, kernelHasIpvs, leaveSwarmIfOurs, replicaHealth, serviceTasks, swarmReplicaHealth, taskFailure } from './swarm-node.js';

const CSV_DIR_IN_CONTAINER = '/app/csv';
const MESH_PROBE_MS = 15_000;

export type Routing = 'mesh' | 'proxy';

/** `docker service create` arguments for the app service (pure, unit-tested). */
export function serviceCreateArgs(o: ResolvedOptions, replicas: number, routing: Routing, network: string, csvDir: string): string[] {
  const args = ['service', 'create', '--detach', '--name', o.name, '--replicas', String(replicas), '--network', network];
  args.push('--init', '--user', '1000:1000', '--label', `${OWNER_LABEL}=swarm`, '--container-label', `${OWNER_LABEL}=swarm`);
  const h = SERVICE_HEALTHCHECK;
  args.push('--health-cmd', HEALTH_PROBE_SH, '--health-interval', `${h.intervalS}s`, '--health-timeout', `${h.timeoutS}s`);
  args.push('--health-retries', String(h.retries), '--health-start-period', `${h.startPeriodS}s`, '--stop-grace-period', '5s');
  if (o.cpus !== undefined) args.push('--limit-cpu', String(o.cpus));
  if (o.memoryBytes !== undefined) args.push('--limit-memory', `${o.memoryBytes}b`);
  for (const [key, value] of Object.entries(o.env)) if (key !== 'METRICS_LOG_FILE') args.push('--env', `${key}=${value}`);
  // One CSV per task slot (a swarm template), so replicas never write to the same file.
  args.push('--env', `METRICS_LOG_FILE=${CSV_DIR_IN_CONTAINER}/replica-{{.Task.Slot}}.csv`);
  args.push('--mount', `type=bind,src=${csvDir},dst=${CSV_DIR_IN_CONTAINER}`);
  // Several nodes: spread, so the replicas run on different engines (one per node when there are enough).
  if (o.nodes > 1) args.push('--replicas-max-per-node', String(Math.ceil(replicas / o.nodes)));
  if (routing === 'mesh') args.push('--publish', `published=${o.port},target=5000`);
  else args.push('--endpoint-mode', 'dnsrr');
  // A registry image: the tasks pull it with this client's login, at the digest resolved at creation
  // (the default --resolve-image), so every replica runs the same image even if the tag moves.
  if (imageRegistry(o.image) !== undefined) args.push('--with-registry-auth');
  args.push(o.image);
  return args;
}

/** `docker service create` arguments for the HAProxy front (pure, unit-tested); it runs as the image's haproxy user. */
export function frontCreateArgs(o: ResolvedOptions, network: string): string[] {
  return [
    'service', 'create', '--detach', '--name', frontServiceName(o.name), '--network', network,
    '--init', '--label', `${OWNER_LABEL}=swarm`, '--container-label', `${OWNER_LABEL}=swarm-front`,
    '--publish', `mode=host,published=${o.port},target=${FRONT_PORT}`,
    // Several nodes: the front on the manager, the node whose port reaches the host's 127.0.0.1.
    ...(o.nodes > 1 ? ['--constraint', 'node.role==manager'] : []),
    ...frontEnv(`tasks.${o.name}`), '--stop-grace-period', '2s', FRONT_IMAGE,
  ];
}

/** One thing up() created, and how down() removes it. */
interface Created {
  readonly what: 'swarm' | 'network' | 'app' | 'front';
  remove(ctx: RunContext): Promise<void>;
}

export class SwarmDeployment implements Deployment {
  readonly kind = 'swarm' as const;
  /** Set by down(): an up() still waiting gives up at its next check instead of waiting out its timeout. */
  private stopRequested = false;
  /** What this instance created, oldest first: down() removes exactly that, newest first. */
  private readonly created: Created[] = [];
  /** The teardown under way: a down() during up() and the one up() runs when it gives up take turns. */
  private tearingDown: Promise<void> | undefined;
  private csvDir: string | undefined;

  constructor(
    readonly name: 'swarm-1' | 'swarm-3' | 'swarm-scale' | 'swarm-failover',
    private readonly replicas: number,
    private readonly options: ResolvedOptions,
  ) {}

  /** scale, kill, service ps and inspect on this service, for the event phases (swarm-scale, swarm-failover). */
  get events(): SwarmEventActions {
    return swarmEventActions(this.options.name);
  }

  private get network(): string {
    return `${this.options.name}-net`;
  }

  private get front(): string {
    return frontServiceName(this.options.name);
  }

  preflight(_ctx: RunContext): Promise<string | undefined> {
    return containerPreflight(this.options.image);
  }

  async up(ctx: RunContext): Promise<Target> {
    const why = await this.preflight(ctx);
    if (why) throw new Error(`${this.name}: ${why}`);
    // Across simulated nodes the host port is already held by the manager node, which forwards it.
    if (this.options.nodes === 1) await ensurePortFree(this.options.port);
    await pullImage(this.options.image, (m) => ctx.log(`swarm: ${m}`)).catch((err: unknown) => {
      throw new Error(`${this.name}: ${errorText(err)}`);
    });
    this.stopRequested = false;
    this.csvDir = join(ctx.runDir, 'service');
    mkdirSync(this.csvDir, { recursive: true });
    chmodSync(this.csvDir, 0o777); // the replicas run as uid 1000 and create their files here
    try {
      await joinSwarm(ctx.log);
      this.created.push({ what: 'swarm', remove: (c) => leaveSwarmIfOurs(c.log) });
      await this.removeStale(ctx);
      await docker(['network', 'create', '-d', 'overlay', '--attachable', '--label', `${OWNER_LABEL}=swarm`, this.network]);
      this.created.push({ what: 'network', remove: () => this.removeNetwork() });
      const onMesh = this.routing(ctx) === 'mesh' ? await this.upOnMesh(ctx) : undefined;
      return onMesh ?? (await this.upBehindFront(ctx));
    } catch (err) {
      const made = this.created.some((c) => c.what === 'app');
      const logs = made ? await docker(['service', 'logs', '--tail', '3', '--no-task-ids', this.options.name]).catch(() => '') : '';
      await this.down(ctx).catch((e: unknown) => ctx.log(`${this.name}: teardown after failure: ${errorText(e)}`));
      const tail = oneLineTail(logs, 3);
      throw new Error(`${this.name}: ${errorText(err)}${tail ? ` — service log: ${tail}` : ''}`);
    }
  }

  /** The routing asked for; `auto` is the mesh when the kernel has IPVS. */
  private routing(ctx: RunContext): Routing {
    const asked = this.options.swarmRouting;
    if (asked !== 'auto') return asked;
    if (kernelHasIpvs()) return 'mesh';
    ctx.log('swarm: the kernel has no IPVS (/proc/net/ip_vs missing), so the routing mesh cannot answer: using dnsrr + the HAProxy front');
    return 'proxy';
  }

  /** The app on the routing mesh; undefined (the app removed again) when the mesh does not answer and `auto` allows the front. */
  private async upOnMesh(ctx: RunContext): Promise<Target | undefined> {
    const { port } = this.options;
    await this.createApp(ctx, 'mesh');
    if (await this.meshAnswers()) {
      ctx.log(`swarm: routing mesh answers on 127.0.0.1:${port}`);
      return { host: '127.0.0.1', port, userlandProxy: false, path: `swarm routing mesh (IPVS), ${this.replicas} replica(s)` };
    }
    if (this.options.swarmRouting === 'mesh') throw new Error(`the routing mesh does not answer on 127.0.0.1:${port} (kernel without IPVS?)`);
    ctx.log(`swarm: the routing mesh does not answer on 127.0.0.1:${port}; recreating with dnsrr + the HAProxy front`);
    await this.created.at(-1)!.remove(ctx);
    this.created.pop();
    return undefined;
  }

  /** The app with endpoint-mode dnsrr behind llm-inference-front, published in host mode. */
  private async upBehindFront(ctx: RunContext): Promise<Target> {
    const { port, name, nodes } = this.options;
    // Across nodes the experiment built the front here and loaded it into the manager before the runs.
    if (nodes === 1) ctx.log(`swarm: ${await ensureFrontImage(ctx.root)}`);
    this.assertNotStopping();
    await this.createApp(ctx, 'proxy');
    ctx.log(`swarm: docker service create ${this.front} (host-mode port ${port} -> tasks.${name}:5000)`);
    this.assertNotStopping();
    await docker(frontCreateArgs(this.options, this.network));
    this.created.push({ what: 'front', remove: (c) => this.removeService(c, this.front) });
    await waitForHealth(port, { timeoutMs: 60_000, gone: () => this.failure([name, this.front]), log: ctx.log });
    await this.waitAllReplicasBehindFront(ctx);
    this.assertNotStopping();
    const userlandProxy = userlandProxyCarries(port) ?? false;
    const frontNode = nodes > 1 ? (await docker(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Node}}', this.front])).split('\n')[0] || undefined : undefined;
    return {
      host: '127.0.0.1',
      port,
      userlandProxy,
      path: `HAProxy front (${FRONT_IMAGE}, per-request round robin) over dnsrr tasks.${name}, ${this.replicas} replica(s)${nodes > 1 ? ` spread over ${nodes} nodes (front on the manager, overlay between nodes)` : ''}, host-mode port${userlandProxy ? ' via docker-proxy' : ''}${nodes > 1 ? ' published by the manager node' : ''}`,
      front: { image: FRONT_IMAGE, backend: `tasks.${name}:5000` },
      ...(frontNode ? { frontNode } : {}),
    };
  }

  collectorArgs(): string[] {
    return ['--deployment', 'swarm', '--service', this.options.name];
  }

  async collectCsv(_ctx: RunContext): Promise<string[]> {
    const dir = this.csvDir;
    if (!dir || !existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^replica-\d+\.csv$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  }

  down(ctx: RunContext): Promise<void> {
    this.stopRequested = true;
    const previous = this.tearingDown?.catch(() => undefined) ?? Promise.resolve();
    this.tearingDown = previous.then(() => this.removeCreated(ctx));
    return this.tearingDown;
  }

  /** Newest first; a step that fails stays listed, so the next down() tries it again. */
  private async removeCreated(ctx: RunContext): Promise<void> {
    for (let last = this.created.at(-1); last !== undefined; last = this.created.at(-1)) {
      await last.remove(ctx);
      this.created.pop();
    }
  }

  private assertNotStopping(): void {
    if (this.stopRequested) throw new Error('down() was called while starting');
  }

  private async createApp(ctx: RunContext, routing: Routing): Promise<void> {
    this.assertNotStopping();
    ctx.log(`swarm: docker service create ${this.options.name} --replicas ${this.replicas} (${routing === 'mesh' ? 'routing mesh' : 'endpoint-mode dnsrr'})`);
    await docker(serviceCreateArgs(this.options, this.replicas, routing, this.network, this.csvDir!));
    this.created.push({ what: 'app', remove: (c) => this.removeService(c, this.options.name) });
    await this.waitReplicasHealthy(ctx);
  }

  /** Waits until every replica's container healthcheck passes; fails fast when a task fails. */
  private async waitReplicasHealthy(ctx: RunContext): Promise<void> {
    const { name, healthTimeoutMs } = this.options;
    let health: string[] = [];
    const progress = everyTenSeconds(() => ctx.log(`swarm: waiting for replicas (${health.join(', ') || 'none running yet'})`));
    const healthy = await pollUntil(
      async (note) => {
        const failed = await this.failure([name]);
        if (failed) throw new Error(`service stopped before it was ready: ${failed}`);
        // Across nodes the manager's `docker ps` sees only its own replicas: ask the swarm instead.
        health = this.options.nodes > 1 ? await swarmReplicaHealth(name) : await replicaHealth(name);
        const count = health.filter((h) => h === 'healthy').length;
        note(`${count}/${this.replicas} healthy`);
        progress();
        return count >= this.replicas ? count : undefined;
      },
      { timeoutMs: healthTimeoutMs, intervalMs: 1000, what: `the ${this.replicas} replica(s) of ${name} to pass their health check` },
    );
    ctx.log(`swarm: ${healthy}/${this.replicas} replica(s) healthy`);
  }

  private async failure(services: string[]): Promise<string | undefined> {
    if (this.stopRequested) return 'down() was called while starting';
    for (const service of services) {
      const failed = taskFailure(await serviceTasks(service).catch(() => []));
      if (failed) return failed;
    }
    return undefined;
  }

  private async meshAnswers(): Promise<boolean> {
    try {
      return await pollUntil(
        async () => {
          this.assertNotStopping();
          return typeof (await probeHealth(this.options.port)) !== 'string' ? true : undefined;
        },
        { timeoutMs: MESH_PROBE_MS, intervalMs: 500, what: 'the routing mesh' },
      );
    } catch (err) {
      if (err instanceof PollTimeoutError) return false;
      throw err;
    }
  }

  /** The front re-resolves DNS every second: wait until /health answers from every replica through it. */
  private async waitAllReplicasBehindFront(ctx: RunContext): Promise<void> {
    const seen = new Set<string>();
    await pollUntil(
      async (note) => {
        this.assertNotStopping();
        const health = await probeHealth(this.options.port);
        if (typeof health !== 'string' && health.replica) seen.add(health.replica);
        note(`reached ${seen.size}: ${[...seen].join(', ')}`);
        return seen.size >= this.replicas ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `the HAProxy front to reach all ${this.replicas} replicas` },
    );
    ctx.log(`swarm: the front reaches all ${seen.size} replica(s): ${[...seen].join(', ')}`);
  }

  /** Removes a service and waits for its containers to stop (so CSVs are flushed and the network frees). */
  private async removeService(ctx: RunContext, service: string): Promise<void> {
    if (!(await dockerSucceeds(['service', 'inspect', '-f', '{{.ID}}', service]))) return;
    await docker(['service', 'rm', service]);
    // Empty for a whole second: a task the agent was still starting when the service went can create its
    // container just after an empty listing.
    let emptyPolls = 0;
    await pollUntil(
      async (note) => {
        const left = (await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${service}`])).split('\n').filter(Boolean).length;
        note(`${left} left`);
        emptyPolls = left === 0 ? emptyPolls + 1 : 0;
        return emptyPolls >= 4 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `the containers of ${service} to go after docker service rm` },
    );
    ctx.log(`${this.name}: removed service ${service}`);
  }

  private async removeNetwork(): Promise<void> {
    const listed = async (): Promise<boolean> =>
      (await docker(['network', 'ls', '--filter', `name=${this.network}`, '--format', '{{.Name}}'])).split('\n').includes(this.network);
    // Endpoints of removed tasks linger a moment (rm refuses), and after the swarm has removed the
    // network this node still lists it for a few seconds (rm says "not found"): wait until it is gone.
    await pollUntil(
      async () => {
        if (!(await listed())) return true;
        await docker(['network', 'rm', this.network]).catch(() => undefined);
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: `network ${this.network} to be removed` },
    );
  }

  /**
   * Existing services with our names stop `up` (another run in progress, or a crash: the message says how
   * to remove them); a network of ours without services is a leftover and is removed.
   */
  private async removeStale(ctx: RunContext): Promise<void> {
    const existing: string[] = [];
    for (const service of [this.options.name, this.front]) {
      if (await dockerSucceeds(['service', 'inspect', '-f', '{{.ID}}', service])) existing.push(service);
    }
    if (existing.length > 0) {
      throw new Error(`swarm service ${existing.join(' and ')} already exist(s) (another run? if not: docker service rm ${existing.join(' ')})`);
    }
    const owner = await docker(['network', 'inspect', '-f', `{{index .Labels "${OWNER_LABEL}"}}`, this.network]).catch(() => undefined);
    if (owner === undefined) return;
    if (owner !== 'swarm') throw new Error(`a network named ${this.network} already exists and is not ours; remove it or choose another name`);
    ctx.log(`swarm: removing network ${this.network} left over from an earlier run`);
    await this.removeNetwork();
  }
}
