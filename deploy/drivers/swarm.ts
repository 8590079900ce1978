// swarm-1 / swarm-3: service llm-inference-service on a single-node swarm, published on 8080.
// With IPVS the routing mesh publishes the port; without it (this machine) the service runs with
// --endpoint-mode dnsrr behind llm-inference-front, our proxy over tasks.<service>, published in host mode.
// Every replica appends to its own CSV (replica-<slot>.csv) in <runDir>/service/, bind-mounted.
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, RunContext, Target } from '../deployment.js';
import { ensureFrontImage, FRONT_IMAGE } from '../swarm/build-front.js';
import { containerPreflight, docker, HEALTH_PROBE_JS, OWNER_LABEL, userlandProxyCarries } from './engine.js';
import { probeHealth, waitForHealth } from './health.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';
import { joinSwarm, kernelHasIpvs, leaveSwarmIfOurs, replicaHealth, serviceTasks, taskFailure } from './swarm-node.js';

const CSV_DIR_IN_CONTAINER = '/app/csv';
const MESH_PROBE_MS = 15_000;

export type Routing = 'mesh' | 'proxy';

/** `docker service create` arguments for the app service (pure, unit-tested). */
export function serviceCreateArgs(o: ResolvedOptions, replicas: number, routing: Routing, network: string, csvDir: string): string[] {
  const args = ['service', 'create', '--detach', '--name', o.name, '--replicas', String(replicas), '--network', network];
  args.push('--init', '--user', '1000:1000', '--label', `${OWNER_LABEL}=swarm`, '--container-label', `${OWNER_LABEL}=swarm`);
  args.push('--health-cmd', `node -e "${HEALTH_PROBE_JS}"`, '--health-interval', '2s', '--health-timeout', '3s');
  args.push('--health-retries', '3', '--health-start-period', '60s', '--stop-grace-period', '5s');
  if (o.cpus !== undefined) args.push('--limit-cpu', String(o.cpus));
  if (o.memoryBytes !== undefined) args.push('--limit-memory', `${o.memoryBytes}b`);
  for (const [key, value] of Object.entries(o.env)) if (key !== 'METRICS_LOG_FILE') args.push('--env', `${key}=${value}`);
  // One CSV per task slot (a swarm template), so replicas never write to the same file.
  args.push('--env', `METRICS_LOG_FILE=${CSV_DIR_IN_CONTAINER}/replica-{{.Task.Slot}}.csv`);
  args.push('--mount', `type=bind,src=${csvDir},dst=${CSV_DIR_IN_CONTAINER}`);
  if (routing === 'mesh') args.push('--publish', `published=${o.port},target=5000`);
  else args.push('--endpoint-mode', 'dnsrr');
  args.push(o.image);
  return args;
}

/** `docker service create` arguments for the front proxy (pure, unit-tested). */
export function frontCreateArgs(o: ResolvedOptions, network: string): string[] {
  return [
    'service', 'create', '--detach', '--name', `${o.name}-front`, '--network', network,
    '--init', '--user', '1000:1000', '--label', `${OWNER_LABEL}=swarm`, '--container-label', `${OWNER_LABEL}=swarm-front`,
    '--publish', `mode=host,published=${o.port},target=8080`,
    '--env', `BACKEND=tasks.${o.name}`, '--env', 'BACKEND_PORT=5000', '--stop-grace-period', '2s', FRONT_IMAGE,
  ];
}

export class SwarmDeployment implements Deployment {
  readonly kind = 'swarm' as const;
  private joined = false;
  /** Set by down(): an up() still waiting gives up at its next check instead of waiting out its timeout. */
  private stopRequested = false;
  /** What this instance created: down() removes exactly that, never someone else's objects. */
  private created = { app: false, front: false, network: false };
  private csvDir: string | undefined;

  constructor(
    readonly name: 'swarm-1' | 'swarm-3',
    private readonly replicas: number,
    private readonly options: ResolvedOptions,
  ) {}

  private get network(): string {
    return `${this.options.name}-net`;
  }

  private get front(): string {
    return `${this.options.name}-front`;
  }

  preflight(_ctx: RunContext): Promise<string | undefined> {
    return containerPreflight(this.options.image);
  }

  async up(ctx: RunContext): Promise<Target> {
    const why = await this.preflight(ctx);
    if (why) throw new Error(`${this.name}: ${why}`);
    const { port, name, swarmRouting } = this.options;
    await ensurePortFree(port);
    this.stopRequested = false;
    this.csvDir = join(ctx.runDir, 'service');
    mkdirSync(this.csvDir, { recursive: true });
    chmodSync(this.csvDir, 0o777); // the replicas run as uid 1000 and create their files here
    try {
      await joinSwarm(ctx.log);
      this.joined = true;
      await this.removeStale(ctx);
      await docker(['network', 'create', '-d', 'overlay', '--attachable', '--label', `${OWNER_LABEL}=swarm`, this.network]);
      this.created.network = true;
      let routing: Routing = swarmRouting === 'auto' ? (kernelHasIpvs() ? 'mesh' : 'proxy') : swarmRouting;
      if (swarmRouting === 'auto' && routing === 'proxy') {
        ctx.log('swarm: the kernel has no IPVS (/proc/net/ip_vs missing), so the routing mesh cannot answer: using dnsrr + front proxy');
      }
      if (routing === 'mesh') {
        await this.createApp(ctx, 'mesh');
        const answers = await this.meshAnswers();
        this.assertNotStopping();
        if (answers) {
          ctx.log(`swarm: routing mesh answers on 127.0.0.1:${port}`);
          return { host: '127.0.0.1', port, userlandProxy: false, path: `swarm routing mesh (IPVS), ${this.replicas} replica(s)` };
        }
        if (swarmRouting === 'mesh') throw new Error(`the routing mesh does not answer on 127.0.0.1:${port} (kernel without IPVS?)`);
        ctx.log(`swarm: the routing mesh does not answer on 127.0.0.1:${port}; recreating with dnsrr + front proxy`);
        await this.removeServices([name]);
        this.created.app = false;
        routing = 'proxy';
      }
      const front = await ensureFrontImage(ctx.root, { log: (m) => ctx.log(`swarm: ${m}`) });
      this.assertNotStopping();
      if (!front.built) ctx.log(`swarm: ${FRONT_IMAGE} is up to date`);
      await this.createApp(ctx, 'proxy');
      ctx.log(`swarm: docker service create ${this.front} (host-mode port ${port} -> tasks.${name}:5000)`);
      this.assertNotStopping();
      await docker(frontCreateArgs(this.options, this.network));
      this.created.front = true;
      await waitForHealth(port, { timeoutMs: 60_000, gone: () => this.failure([name, this.front]), log: ctx.log });
      await this.waitAllReplicasBehindFront(ctx);
      this.assertNotStopping();
      const userlandProxy = userlandProxyCarries(port) ?? false;
      return {
        host: '127.0.0.1',
        port,
        userlandProxy,
        path: `front proxy (${FRONT_IMAGE}, per-request round robin) over dnsrr tasks.${name}, ${this.replicas} replica(s), host-mode port${userlandProxy ? ' via docker-proxy' : ''}`,
      };
    } catch (err) {
      const logs = this.created.app ? await docker(['service', 'logs', '--tail', '3', '--no-task-ids', name]).catch(() => '') : '';
      await this.down(ctx).catch((e: unknown) => ctx.log(`${this.name}: teardown after failure: ${(e as Error).message}`));
      const tail = logs.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ');
      throw new Error(`${this.name}: ${(err as Error).message}${tail ? ` — service log: ${tail}` : ''}`);
    }
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

  async down(ctx: RunContext): Promise<void> {
    this.stopRequested = true;
    const services = [...(this.created.front ? [this.front] : []), ...(this.created.app ? [this.options.name] : [])];
    if (services.length > 0) {
      await this.removeServices(services);
      ctx.log(`${this.name}: removed service(s) ${services.join(', ')}`);
    }
    this.created.front = this.created.app = false;
    if (this.created.network) {
      await this.removeNetwork();
      this.created.network = false;
    }
    if (this.joined) await leaveSwarmIfOurs(ctx.log);
    this.joined = false;
  }

  private assertNotStopping(): void {
    if (this.stopRequested) throw new Error('down() was called while starting');
  }

  private async createApp(ctx: RunContext, routing: Routing): Promise<void> {
    this.assertNotStopping();
    ctx.log(`swarm: docker service create ${this.options.name} --replicas ${this.replicas} (${routing === 'mesh' ? 'routing mesh' : 'endpoint-mode dnsrr'})`);
    await docker(serviceCreateArgs(this.options, this.replicas, routing, this.network, this.csvDir!));
    this.created.app = true;
    await this.waitReplicasHealthy(ctx);
  }

  /** Waits until every replica's container healthcheck passes; fails fast when a task fails. */
  private async waitReplicasHealthy(ctx: RunContext): Promise<void> {
    const deadline = Date.now() + this.options.healthTimeoutMs;
    let note = Date.now() + 10_000;
    for (;;) {
      const failed = await this.failure([this.options.name]);
      if (failed) throw new Error(`service stopped before it was ready: ${failed}`);
      const health = await replicaHealth(this.options.name);
      const healthy = health.filter((h) => h === 'healthy').length;
      if (healthy >= this.replicas) return ctx.log(`swarm: ${healthy}/${this.replicas} replica(s) healthy`);
      if (Date.now() > deadline) {
        throw new Error(`health check failed: ${healthy}/${this.replicas} replicas healthy after ${Math.round(this.options.healthTimeoutMs / 1000)} s`);
      }
      if (Date.now() > note) {
        ctx.log(`swarm: waiting for replicas (${health.join(', ') || 'none running yet'})`);
        note = Date.now() + 10_000;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
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
    const deadline = Date.now() + MESH_PROBE_MS;
    while (Date.now() < deadline && !this.stopRequested) {
      if (typeof (await probeHealth(this.options.port)) !== 'string') return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  /** The proxy re-resolves DNS every second: wait until /health answers from every replica through it. */
  private async waitAllReplicasBehindFront(ctx: RunContext): Promise<void> {
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !this.stopRequested) {
      const health = await probeHealth(this.options.port);
      if (typeof health !== 'string' && health.replica) seen.add(health.replica);
      if (seen.size >= this.replicas) return ctx.log(`swarm: the front reaches all ${seen.size} replica(s): ${[...seen].join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the front proxy reached only ${seen.size} of ${this.replicas} replicas in 30 s (${[...seen].join(', ')})`);
  }

  /** Removes services and waits for their containers to stop (so CSVs are flushed and the network frees). */
  private async removeServices(services: string[]): Promise<void> {
    const existing: string[] = [];
    for (const service of services) {
      if (await docker(['service', 'inspect', '-f', '{{.ID}}', service]).then(() => true, () => false)) existing.push(service);
    }
    if (existing.length === 0) return;
    await docker(['service', 'rm', ...existing]);
    const deadline = Date.now() + 30_000;
    const left = async (): Promise<number> => {
      let count = 0;
      // One query per service: repeated label filters are ANDed by docker ps.
      for (const s of existing) count += (await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${s}`])).split('\n').filter(Boolean).length;
      return count;
    };
    // Empty for a whole second: a task the agent was still starting when the service went can create its
    // container just after an empty listing.
    let emptyPolls = 0;
    while (Date.now() < deadline) {
      emptyPolls = (await left()) === 0 ? emptyPolls + 1 : 0;
      if (emptyPolls >= 4) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`containers of ${existing.join(', ')} still present 30 s after docker service rm`);
  }

  private async removeNetwork(): Promise<void> {
    const listed = async (): Promise<boolean> =>
      (await docker(['network', 'ls', '--filter', `name=${this.network}`, '--format', '{{.Name}}'])).split('\n').includes(this.network);
    for (let attempt = 0; attempt < 40; attempt++) {
      if (!(await listed())) return;
      // Endpoints of removed tasks linger a moment (rm refuses), and after the swarm has removed the
      // network this node still lists it for a few seconds (rm says "not found"): wait until it is gone.
      await docker(['network', 'rm', this.network]).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`could not remove network ${this.network} within 20 s`);
  }

  /**
   * Existing services with our names stop `up` (another run in progress, or a crash: the message says how
   * to remove them); a network of ours without services is a leftover and is removed.
   */
  private async removeStale(ctx: RunContext): Promise<void> {
    const existing: string[] = [];
    for (const service of [this.options.name, this.front]) {
      if (await docker(['service', 'inspect', '-f', '{{.ID}}', service]).then(() => true, () => false)) existing.push(service);
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
