// native: `node dist/service/main.js` as a child process on the host, listening on 127.0.0.1 only.
// The service writes its CSV straight into <runDir>/service/, so nothing needs copying afterwards. It
// runs in a cgroup of its own (native-cgroup.ts) so the collector reads the same cgroup files for it as
// for a container; where none can be made it runs in this process's group and is read from /proc.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnd, lastLine, startProcess, type ProcessEnd, type RunningProcess } from '../../common/start-process.js';
import { errorText } from '../../common/error-text.js';
import type { Target } from '../../contracts/run-record.js';
import type { Deployment, FrontBackend, RunContext } from '../deployment.js';
import { waitForHealth } from './health.js';
import { makeServiceCgroup, type ServiceCgroup } from './native-cgroup.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const STOP_GRACE_MS = 5000;
const ENTRY = 'dist/service/main.js';

export class NativeDeployment implements Deployment {
  readonly name = 'native' as const;
  readonly kind = 'native' as const;
  private service: RunningProcess | undefined;
  private cgroup: ServiceCgroup | undefined;
  private csvFile: string | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  async preflight(ctx: RunContext): Promise<string | undefined> {
    const entry = join(ctx.root, ENTRY);
    return existsSync(entry) ? undefined : `${entry} is missing (run "npm run build")`;
  }

  async up(ctx: RunContext): Promise<Target> {
    if (this.service) throw new Error('native: already up');
    const why = await this.preflight(ctx);
    if (why) throw new Error(`native: ${why}`);
    const { port } = this.options;
    await ensurePortFree(port);
    await this.makeCgroup(ctx);
    const service = this.start(ctx);
    try {
      const health = await waitForHealth(port, {
        timeoutMs: this.options.healthTimeoutMs,
        gone: () => service.end && whyEnded(service.end, service.output()),
        log: ctx.log,
      });
      ctx.log(`native: ready (pid ${service.pid}, model ${health.modelId ?? '?'} ${health.dtype ?? ''})`);
    } catch (err) {
      await this.down(ctx);
      throw new Error(`native: ${errorText(err)}`);
    }
    return { host: '127.0.0.1', port, userlandProxy: null, path: 'loopback, no container' };
  }

  /** One group per name and port, so tests and parallel users on other ports do not collide. */
  private async makeCgroup(ctx: RunContext): Promise<void> {
    const made = await makeServiceCgroup(`${this.options.name}-${this.options.port}`);
    if ('why' in made) {
      ctx.log(`native: no cgroup of its own (${made.why}); the collector reads /proc: memory is RSS, not comparable with the containers'`);
      return;
    }
    this.cgroup = made.cgroup;
    ctx.log(`native: in ${made.cgroup.description}`);
  }

  /** Starts the service process, its output appended to <runDir>/native-service.log. */
  private start(ctx: RunContext): RunningProcess {
    const { port } = this.options;
    const serviceDir = join(ctx.runDir, 'service');
    mkdirSync(serviceDir, { recursive: true });
    this.csvFile = join(serviceDir, 'native.csv');
    const logFile = join(ctx.runDir, 'native-service.log');
    ctx.log(`native: starting node ${ENTRY} on 127.0.0.1:${port} (log: ${logFile})`);
    const plain = { file: process.execPath, args: [join(ctx.root, ENTRY)] };
    const { file, args } = this.cgroup ? this.cgroup.command(plain.file, plain.args) : plain;
    this.service = startProcess(file, args, {
      cwd: ctx.root,
      env: { ...this.options.env, PORT: String(port), HOST: '127.0.0.1', METRICS_LOG_FILE: this.csvFile },
      logFile,
      stopGraceMs: STOP_GRACE_MS,
      tailChars: 2000,
    });
    return this.service;
  }

  collectorArgs(): string[] {
    const pid = this.service?.pid;
    if (pid === undefined) throw new Error('native: collectorArgs() before up()');
    return ['--deployment', 'native', '--pid', String(pid)];
  }

  async collectCsv(_ctx: RunContext): Promise<string[]> {
    return this.csvFile && existsSync(this.csvFile) ? [this.csvFile] : [];
  }

  /** The front shares the host's network namespace: the service listens on 127.0.0.1 only. */
  async frontBackend(): Promise<FrontBackend> {
    if (this.service === undefined) throw new Error('native: frontBackend() before up()');
    return { network: 'host', address: `127.0.0.1:${this.options.port}` };
  }

  /** Stops the service, then removes its cgroup (after a failed start and on Ctrl-C too: the experiment calls this). */
  async down(ctx: RunContext): Promise<void> {
    const { service, cgroup } = this;
    this.service = undefined;
    this.cgroup = undefined;
    if (service && !service.end) {
      const end = await service.stop();
      ctx.log(end.forceKilled ? `native: pid ${service.pid} ignored SIGTERM for ${STOP_GRACE_MS / 1000} s and was killed` : 'native: stopped');
    }
    if (cgroup) {
      await cgroup.remove();
      ctx.log(`native: removed ${cgroup.description}`);
    }
  }
}

/** "exit 1: <the last line it printed>". */
function whyEnded(end: ProcessEnd, output: string): string {
  const line = lastLine(output);
  return `${describeEnd(end)}${line ? `: ${line}` : ''}`;
}
