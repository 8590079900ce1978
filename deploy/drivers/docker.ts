// docker: the classic `docker run -d --name llm-inference-container -p 5000:5000 llm-inference-image`,
// plus --init (fast `docker stop`) and --user 1000:1000 (the Dockerfile instruction set has no USER).
// The service CSV stays inside the container; collectCsv copies it out with `docker cp`.
import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Deployment, RunContext, Target } from '../deployment.js';
import { containerLogTail, containerPreflight, docker, OWNER_LABEL, userlandProxyCarries } from './engine.js';
import { waitForHealth } from './health.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const IMAGE_WORKDIR = '/app';
const DEFAULT_CSV = 'docker_system_inference_metrics.csv';

/** `docker run` arguments for the service container (pure, unit-tested). */
export function dockerRunArgs(o: ResolvedOptions): string[] {
  const args = ['run', '-d', '--name', o.name, '--init', '--user', '1000:1000', '--label', `${OWNER_LABEL}=docker`];
  // Classic `-p PORT:5000` (all interfaces, like the course command); the load only targets 127.0.0.1.
  args.push('-p', `${o.port}:5000`);
  if (o.cpus !== undefined) args.push('--cpus', String(o.cpus));
  if (o.memoryBytes !== undefined) args.push('--memory', `${o.memoryBytes}b`);
  for (const [key, value] of Object.entries(o.env)) args.push('--env', `${key}=${value}`);
  args.push(o.image);
  return args;
}

export class DockerDeployment implements Deployment {
  readonly name = 'docker' as const;
  readonly kind = 'docker' as const;
  private started = false;
  private collected: string[] | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  preflight(_ctx: RunContext): Promise<string | undefined> {
    return containerPreflight(this.options.image);
  }

  async up(ctx: RunContext): Promise<Target> {
    const { name, port } = this.options;
    const why = await this.preflight(ctx);
    if (why) throw new Error(`docker: ${why}`);
    await this.removeStale(ctx);
    await ensurePortFree(port);
    this.started = true;
    this.collected = undefined;
    try {
      ctx.log(`docker: docker run ${name} on port ${port} (image ${this.options.image})`);
      await docker(dockerRunArgs(this.options));
      const health = await waitForHealth(port, { timeoutMs: this.options.healthTimeoutMs, gone: () => this.gone(), log: ctx.log });
      ctx.log(`docker: ready (replica ${health.replica ?? '?'})`);
    } catch (err) {
      const logs = await containerLogTail(name);
      await this.down(ctx);
      throw new Error(`docker: ${(err as Error).message}${logs ? ` — container log: ${logs}` : ''}`);
    }
    const userlandProxy = userlandProxyCarries(port) ?? false;
    return { host: '127.0.0.1', port, userlandProxy, path: `published port ${port}:5000${userlandProxy ? ' via docker-proxy' : ' via iptables NAT'}` };
  }

  collectorArgs(): string[] {
    return ['--deployment', 'docker', '--container', this.options.name];
  }

  async collectCsv(ctx: RunContext): Promise<string[]> {
    const dir = join(ctx.runDir, 'service');
    mkdirSync(dir, { recursive: true });
    const inside = posix.resolve(IMAGE_WORKDIR, this.options.env.METRICS_LOG_FILE ?? DEFAULT_CSV);
    const file = join(dir, 'docker.csv');
    try {
      await docker(['cp', `${this.options.name}:${inside}`, file]);
    } catch (err) {
      // The service creates its CSV with the first request: none served means no file, not an error.
      if (/Could not find the file/.test((err as Error).message)) return (this.collected = []);
      throw err;
    }
    this.collected = [file];
    return this.collected;
  }

  async down(ctx: RunContext): Promise<void> {
    if (!this.started) return;
    const { name } = this.options;
    if ((await this.state()) !== undefined) {
      // Nothing recorded is lost: copy the CSV out before removal if nobody did yet.
      if (this.collected === undefined) {
        await docker(['stop', '-t', '5', name]).catch(() => undefined);
        await this.collectCsv(ctx).then(
          (files) => ctx.log(`docker: saved ${files.join(', ')} before removal`),
          () => undefined,
        );
      }
      await docker(['rm', '-f', name]);
      ctx.log(`docker: removed container ${name}`);
    }
    this.started = false;
  }

  /** The container's state, or undefined when it does not exist. */
  private async state(): Promise<string | undefined> {
    try {
      return await docker(['inspect', '-f', '{{.State.Status}}', this.options.name], { timeoutMs: 15_000 });
    } catch {
      return undefined;
    }
  }

  private async gone(): Promise<string | undefined> {
    const state = await this.state();
    if (state === undefined) return 'container vanished';
    if (state === 'exited' || state === 'dead') {
      const code = await docker(['inspect', '-f', '{{.State.ExitCode}}', this.options.name]).catch(() => '?');
      return `container ${state} (exit code ${code})`;
    }
    return undefined;
  }

  /** A container of ours left by a crashed run is removed; someone else's container stops us. */
  private async removeStale(ctx: RunContext): Promise<void> {
    const { name } = this.options;
    if ((await this.state()) === undefined) return;
    const owner = await docker(['inspect', '-f', `{{index .Config.Labels "${OWNER_LABEL}"}}`, name]).catch(() => '');
    if (owner !== 'docker') throw new Error(`docker: a container named ${name} already exists and is not ours; remove it or choose another name`);
    ctx.log(`docker: removing ${name} left over from an earlier run`);
    await docker(['rm', '-f', name]);
  }
}
