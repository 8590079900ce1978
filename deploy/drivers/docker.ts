// docker: the course's `docker run -d --name llm-inference-container -p 5000:5000 llm-inference-image`,
// plus --init (fast `docker stop`) and --user 1000:1000 (the Dockerfile instruction set has no USER).
// The service CSV stays inside the container; collectCsv copies it out with `docker cp`.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Target } from '../../contracts/run-record.js';
import type { Deployment, FrontBackend, RunContext } from '../deployment.js';
import { errorText } from '../../common/error-text.js';
import { containerLogTail, containerNetworkAddress, containerState, docker, OWNER_LABEL, publishedPath, removeStaleContainer } from './engine.js';
import { waitForHealth } from './health.js';
import { containerPreflight, pullImage } from './image.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const IMAGE_WORKDIR = '/app';
const DEFAULT_CSV = 'docker_system_inference_metrics.csv';

/** `docker run` arguments for the service container (pure, unit-tested). */
export function dockerRunArgs(o: ResolvedOptions, cidFile?: string): string[] {
  const args = ['run', '-d', '--name', o.name, '--init', '--user', '1000:1000', '--label', `${OWNER_LABEL}=docker`];
  // The id file is written as soon as the container exists, even when starting it fails afterwards.
  if (cidFile !== undefined) args.push('--cidfile', cidFile);
  // `-p PORT:5000` on all interfaces, like the course command; the load only targets 127.0.0.1.
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
  /** The container this instance created: down() removes it and nothing else. */
  private containerId: string | undefined;
  private collected: string[] | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  preflight(_ctx: RunContext): Promise<string | undefined> {
    return containerPreflight(this.options.image);
  }

  async up(ctx: RunContext): Promise<Target> {
    const { name, port } = this.options;
    const why = await this.preflight(ctx);
    if (why) throw new Error(`docker: ${why}`);
    await removeStaleContainer(name, 'docker', 'docker', ctx.log);
    await ensurePortFree(port);
    await pullImage(this.options.image, (m) => ctx.log(`docker: ${m}`)).catch((err: unknown) => {
      throw new Error(`docker: ${errorText(err)}`);
    });
    this.collected = undefined;
    mkdirSync(ctx.runDir, { recursive: true });
    const cidFile = join(ctx.runDir, 'docker.cid');
    rmSync(cidFile, { force: true });
    try {
      ctx.log(`docker: docker run ${name} on port ${port} (image ${this.options.image})`);
      await docker(dockerRunArgs(this.options, cidFile)).finally(() => {
        if (existsSync(cidFile)) this.containerId = readFileSync(cidFile, 'utf8').trim() || undefined;
      });
      const health = await waitForHealth(port, { timeoutMs: this.options.healthTimeoutMs, gone: () => this.gone(), log: ctx.log });
      ctx.log(`docker: ready (replica ${health.replica ?? '?'})`);
    } catch (err) {
      const logs = this.containerId ? await containerLogTail(this.containerId) : '';
      await this.down(ctx);
      throw new Error(`docker: ${errorText(err)}${logs ? ` — container log: ${logs}` : ''}`);
    }
    const { userlandProxy, via } = publishedPath(port);
    return { host: '127.0.0.1', port, userlandProxy, path: `published port ${port}:5000 ${via}` };
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
      await docker(['cp', `${this.containerId ?? this.options.name}:${inside}`, file]);
    } catch (err) {
      // The service creates its CSV with the first request: none served means no file, not an error.
      if (/Could not find the file/.test(errorText(err))) return (this.collected = []);
      throw err;
    }
    this.collected = [file];
    return this.collected;
  }

  /** The container on Docker's default bridge, as `docker run` put it: its address there. */
  frontBackend(): Promise<FrontBackend> {
    if (this.containerId === undefined) throw new Error('docker: frontBackend() before up()');
    return containerNetworkAddress(this.containerId, 5000);
  }

  async down(ctx: RunContext): Promise<void> {
    const id = this.containerId;
    if (id === undefined) return;
    if ((await containerState(id)) !== undefined) {
      // Nothing recorded is lost: copy the CSV out before removal if nobody did yet.
      if (this.collected === undefined) {
        await docker(['stop', '-t', '5', id]).catch(() => undefined);
        await this.collectCsv(ctx).then(
          (files) => files.length > 0 && ctx.log(`docker: saved ${files.join(', ')} before removal`),
          () => undefined,
        );
      }
      await docker(['rm', '-f', id]);
      ctx.log(`docker: removed container ${this.options.name}`);
    }
    this.containerId = undefined;
  }

  private async gone(): Promise<string | undefined> {
    const id = this.containerId;
    const state = id === undefined ? undefined : await containerState(id);
    if (id === undefined || state === undefined) return 'container vanished';
    if (state === 'exited' || state === 'dead') {
      const code = await docker(['inspect', '-f', '{{.State.ExitCode}}', id]).catch(() => '?');
      return `container ${state} (exit code ${code})`;
    }
    return undefined;
  }
}
