// native: `node dist/service/main.js` as a child process on the host, listening on 127.0.0.1 only.
// The service writes its CSV straight into <runDir>/service/, so nothing needs copying afterwards.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnd, lastLine, startProcess, type ProcessEnd, type RunningProcess } from '../../common/start-process.js';
import { errorText } from '../../common/error-text.js';
import type { Target } from '../../contracts/run-record.js';
import type { Deployment, RunContext } from '../deployment.js';
import { waitForHealth } from './health.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const STOP_GRACE_MS = 5000;
const ENTRY = 'dist/service/main.js';

export class NativeDeployment implements Deployment {
  readonly name = 'native' as const;
  readonly kind = 'native' as const;
  private service: RunningProcess | undefined;
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

  /** Starts the service process, its output appended to <runDir>/native-service.log. */
  private start(ctx: RunContext): RunningProcess {
    const { port } = this.options;
    const serviceDir = join(ctx.runDir, 'service');
    mkdirSync(serviceDir, { recursive: true });
    this.csvFile = join(serviceDir, 'native.csv');
    const logFile = join(ctx.runDir, 'native-service.log');
    ctx.log(`native: starting node ${ENTRY} on 127.0.0.1:${port} (log: ${logFile})`);
    this.service = startProcess(process.execPath, [join(ctx.root, ENTRY)], {
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

  async down(ctx: RunContext): Promise<void> {
    const service = this.service;
    if (!service) return;
    this.service = undefined;
    if (service.end) return;
    const end = await service.stop();
    ctx.log(end.forceKilled ? `native: pid ${service.pid} ignored SIGTERM for ${STOP_GRACE_MS / 1000} s and was killed` : 'native: stopped');
  }
}

/** "exit 1: <the last line it printed>". */
function whyEnded(end: ProcessEnd, output: string): string {
  const line = lastLine(output);
  return `${describeEnd(end)}${line ? `: ${line}` : ''}`;
}
