// native: `node dist/service/main.js` as a child process on the host, listening on 127.0.0.1 only.
// The service writes its CSV straight into <runDir>/service/, so nothing needs copying afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, RunContext, Target } from '../deployment.js';
import { waitForHealth } from './health.js';
import type { ResolvedOptions } from './options.js';
import { ensurePortFree } from './ports.js';

const STOP_GRACE_MS = 5000;

export class NativeDeployment implements Deployment {
  readonly name = 'native' as const;
  readonly kind = 'native' as const;
  private child: ChildProcess | undefined;
  private exited: string | undefined;
  private csvFile: string | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  async preflight(ctx: RunContext): Promise<string | undefined> {
    const entry = join(ctx.root, 'dist/service/main.js');
    return existsSync(entry) ? undefined : `${entry} is missing (run "npm run build")`;
  }

  async up(ctx: RunContext): Promise<Target> {
    if (this.child) throw new Error('native: already up');
    const why = await this.preflight(ctx);
    if (why) throw new Error(`native: ${why}`);
    const { port } = this.options;
    await ensurePortFree(port);
    const serviceDir = join(ctx.runDir, 'service');
    mkdirSync(serviceDir, { recursive: true });
    this.csvFile = join(serviceDir, 'native.csv');
    const logFile = join(ctx.runDir, 'native-service.log');
    ctx.log(`native: starting node dist/service/main.js on 127.0.0.1:${port} (log: ${logFile})`);
    const log = createWriteStream(logFile, { flags: 'a' });
    let tail = '';
    const child = spawn(process.execPath, [join(ctx.root, 'dist/service/main.js')], {
      cwd: ctx.root,
      env: { ...process.env, ...this.options.env, PORT: String(port), HOST: '127.0.0.1', METRICS_LOG_FILE: this.csvFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = undefined;
    const keep = (chunk: Buffer): void => {
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      const lastLine = tail.trim().split('\n').pop() ?? '';
      this.exited = `exit ${signal ?? code}${lastLine ? `: ${lastLine}` : ''}`;
      log.end();
    });
    child.once('error', (err) => (this.exited = err.message));
    try {
      const health = await waitForHealth(port, {
        timeoutMs: this.options.healthTimeoutMs,
        gone: () => this.exited,
        log: ctx.log,
      });
      ctx.log(`native: ready (pid ${child.pid}, model ${health.modelId ?? '?'} ${health.dtype ?? ''})`);
    } catch (err) {
      await this.down(ctx);
      throw new Error(`native: ${(err as Error).message}`);
    }
    return { host: '127.0.0.1', port, userlandProxy: null, path: 'loopback, no container' };
  }

  collectorArgs(): string[] {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('native: collectorArgs() before up()');
    return ['--deployment', 'native', '--pid', String(pid)];
  }

  async collectCsv(_ctx: RunContext): Promise<string[]> {
    return this.csvFile && existsSync(this.csvFile) ? [this.csvFile] : [];
  }

  async down(ctx: RunContext): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      ctx.log(`native: pid ${child.pid} ignored SIGTERM for ${STOP_GRACE_MS / 1000} s, killing it`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    ctx.log('native: stopped');
  }
}
