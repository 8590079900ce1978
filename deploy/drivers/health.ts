// Waiting for the service's GET /health to say ready. Polls over real HTTP on 127.0.0.1 only.
import http from 'node:http';
import { pollUntil, PollTimeoutError } from '../../common/poll.js';

export interface HealthReport {
  readonly ready: boolean;
  readonly replica?: string;
  readonly modelId?: string;
  readonly dtype?: string;
}

/** One GET /health: the parsed body when the answer is 200 with ready:true, else why not. */
export function probeHealth(port: number, timeoutMs = 2000): Promise<HealthReport | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(`HTTP ${res.statusCode}`);
        try {
          const parsed = JSON.parse(body) as Partial<HealthReport>;
          resolve(parsed.ready === true ? (parsed as HealthReport) : 'ready:false');
        } catch {
          resolve('body is not JSON');
        }
      });
      res.on('error', (err) => resolve(err.message));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Checked between polls: a reason string stops the wait early (process exited, container died). */
  readonly gone?: () => Promise<string | undefined> | string | undefined;
  readonly intervalMs?: number;
  readonly log?: (message: string) => void;
}

/** Resolves with the health report once ready; rejects with the last reason when time runs out. */
export async function waitForHealth(port: number, options: WaitOptions): Promise<HealthReport> {
  const url = `127.0.0.1:${port}/health`;
  let last = 'no answer yet';
  const progress = everyTenSeconds(() => options.log?.(`waiting for ${url} (${last})`));
  try {
    return await pollUntil(
      async () => {
        const result = await probeHealth(port);
        if (typeof result !== 'string') return result;
        last = result;
        const gone = await options.gone?.();
        if (gone) throw new Error(`service stopped before it was ready: ${gone}`);
        progress();
        return undefined;
      },
      { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 250, what: url },
    );
  } catch (err) {
    if (!(err instanceof PollTimeoutError)) throw err;
    throw new Error(`health check failed: ${url} not ready after ${Math.round(options.timeoutMs / 1000)} s (last: ${last})`);
  }
}

/** A progress line for a long wait: `say` runs at most once every 10 s, the first time after 10 s. */
export function everyTenSeconds(say: () => void): () => void {
  let next = Date.now() + 10_000;
  return () => {
    if (Date.now() < next) return;
    say();
    next = Date.now() + 10_000;
  };
}
