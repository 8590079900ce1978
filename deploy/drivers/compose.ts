// compose: the project root's docker-compose.yml, with `docker compose` (v2) or `docker-compose` (v1),
// whichever exists. The service CSV is a bind-mounted host file placed directly in <runDir>/service/.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../../contracts/run-record.js';
import type { Deployment, FrontBackend, RunContext } from '../deployment.js';
import { errorText } from '../../common/error-text.js';
import { runChecked, runCommand } from '../../common/run-command.js';
import { containerNetworkAddress, docker, oneLineTail, OWNER_LABEL, publishedPath } from './engine.js';
import { waitForHealth } from './health.js';
import { containerPreflight, pullImage } from './image.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const SERVICE = 'inference';

let detected: Promise<string[] | undefined> | undefined;

/** ['docker','compose'] when the v2 plugin works, else ['docker-compose'] (v1), else undefined. */
export function composeCommand(): Promise<string[] | undefined> {
  detected ??= (async () => {
    for (const command of [['docker', 'compose'], ['docker-compose']]) {
      const [bin, ...rest] = command as [string, ...string[]];
      if ((await runCommand(bin, [...rest, 'version'], { timeoutMs: 20_000 })).code === 0) return command;
    }
    return undefined;
  })();
  return detected;
}

/**
 * The driver's override file (JSON is YAML): extra environment, limits and our owner label. Kept out of
 * docker-compose.yml so the file users run by hand stays as the course wrote it.
 */
export function composeOverride(o: ResolvedOptions): object {
  const service: Record<string, unknown> = { labels: { [OWNER_LABEL]: 'compose' } };
  if (Object.keys(o.env).length > 0) service.environment = { ...o.env };
  const limits: Record<string, string> = {};
  if (o.cpus !== undefined) limits.cpus = String(o.cpus);
  if (o.memoryBytes !== undefined) limits.memory = `${o.memoryBytes}b`;
  if (Object.keys(limits).length > 0) service.deploy = { resources: { limits } };
  return { services: { [SERVICE]: service } };
}

export class ComposeDeployment implements Deployment {
  readonly name = 'compose' as const;
  readonly kind = 'compose' as const;
  private files: string[] | undefined;
  private csvFile: string | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  async preflight(ctx: RunContext): Promise<string | undefined> {
    if (!existsSync(join(ctx.root, 'docker-compose.yml'))) return `${join(ctx.root, 'docker-compose.yml')} is missing`;
    if ((await composeCommand()) === undefined) {
      return 'neither "docker compose" (v2) nor "docker-compose" (v1) is installed (Debian: apt-get install docker-compose)';
    }
    return containerPreflight(this.options.image);
  }

  async up(ctx: RunContext): Promise<Target> {
    const why = await this.preflight(ctx);
    if (why) throw new Error(`compose: ${why}`);
    const { port, name } = this.options;
    await ensurePortFree(port);
    // Compose would pull a missing image itself; pulling first fails before anything exists, and always
    // takes what the registry serves now rather than an older local copy of the same tag.
    await pullImage(this.options.image, (m) => ctx.log(`compose: ${m}`)).catch((err: unknown) => {
      throw new Error(`compose: ${errorText(err)}`);
    });
    const serviceDir = join(ctx.runDir, 'service');
    mkdirSync(serviceDir, { recursive: true });
    // Created first, or Docker would create a directory in its place; uid 1000 in the container appends to it.
    this.csvFile = join(serviceDir, 'compose.csv');
    if (!existsSync(this.csvFile)) writeFileSync(this.csvFile, '');
    chmodSync(this.csvFile, 0o666);
    const override = join(ctx.runDir, 'compose.override.json');
    writeFileSync(override, `${JSON.stringify(composeOverride(this.options), null, 2)}\n`);
    this.files = [join(ctx.root, 'docker-compose.yml'), override];
    try {
      ctx.log(`compose: ${(await composeCommand())!.join(' ')} -p ${name} up -d (port ${port})`);
      await this.compose(ctx, ['up', '-d']);
      const health = await waitForHealth(port, { timeoutMs: this.options.healthTimeoutMs, gone: () => this.gone(ctx), log: ctx.log });
      ctx.log(`compose: ready (replica ${health.replica ?? '?'})`);
    } catch (err) {
      const logs = await this.compose(ctx, ['logs', '--no-color', '--tail', '5']).catch(() => '');
      await this.down(ctx);
      // v2 decorates log lines with terminal escapes even with --no-color
      const tail = oneLineTail(logs.replace(/\x1B\[[0-9;]*[A-Za-z]/g, ''), 10);
      throw new Error(`compose: ${errorText(err)}${tail ? ` — service log: ${tail}` : ''}`);
    }
    const { userlandProxy, via } = publishedPath(port);
    return { host: '127.0.0.1', port, userlandProxy, path: `compose published port ${port}:5000 ${via}` };
  }

  collectorArgs(): string[] {
    return ['--deployment', 'compose', '--project', this.options.name];
  }

  async collectCsv(_ctx: RunContext): Promise<string[]> {
    // The bind mount already put the rows there.
    return this.csvFile && existsSync(this.csvFile) && statSync(this.csvFile).size > 0 ? [this.csvFile] : [];
  }

  /** The service's container on the project's network (`<project>_default`): its address there. */
  async frontBackend(ctx: RunContext): Promise<FrontBackend> {
    const id = (await this.compose(ctx, ['ps', '-q', SERVICE])).split('\n')[0]?.trim();
    if (!id) throw new Error(`compose: no container of service ${SERVICE} to put the front before`);
    return containerNetworkAddress(id, 5000);
  }

  async down(ctx: RunContext): Promise<void> {
    if (!this.files) return;
    await this.compose(ctx, ['down', '--remove-orphans', '-t', '5']);
    this.files = undefined;
    ctx.log(`compose: project ${this.options.name} removed`);
  }

  private async compose(ctx: RunContext, args: string[]): Promise<string> {
    const command = await composeCommand();
    if (!command || !this.files) throw new Error('compose: not set up');
    const [bin, ...rest] = command as [string, ...string[]];
    const env = {
      LLM_IMAGE: this.options.image,
      LLM_PORT: String(this.options.port),
      LLM_COMPOSE_CSV: this.csvFile,
    };
    const fileArgs = this.files.flatMap((f) => ['-f', f]);
    return runChecked(bin, [...rest, '-p', this.options.name, ...fileArgs, ...args], { env, cwd: ctx.root, timeoutMs: 180_000 });
  }

  /** Why the service container is not running any more, if so. */
  private async gone(ctx: RunContext): Promise<string | undefined> {
    // -a: v2 lists only running containers otherwise (v1 lists all)
    const ids = await this.compose(ctx, ['ps', '-a', '-q']).catch(() => '');
    const id = ids.split('\n')[0]?.trim();
    if (!id) return 'no container';
    const state = await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id]).catch(() => 'gone');
    return state.startsWith('running') ? undefined : `container ${state}`;
  }
}
