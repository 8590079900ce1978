// Sends one POST /infer over a keep-alive agent. Never rejects and never hangs: every outcome (response,
// connection error, our own deadline, the run being stopped) comes back as a value.
import http from 'node:http';
import type { ClientRequest } from '../contracts/client-csv.js';
import { errorCode, headerNumber, statusError } from './rows.js';

export interface InferTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** What one request gave: the ClientRequest fields the response (or its absence) decides. */
export type InferResult = Pick<ClientRequest, 'sentMs' | 'doneMs' | 'status' | 'error' | 'serverLatencyMs' | 'replica' | 'prediction'>;

/** Wall-clock ms since the epoch with sub-ms resolution (monotonic within the process). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function createAgent(maxSockets: number): http.Agent {
  // keepAlive: every request would otherwise pay a TCP handshake, which is not what we measure.
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

function predictionOf(contentType: string | undefined, body: string): string | null {
  if (!contentType?.includes('json')) return null;
  try {
    const parsed = JSON.parse(body) as { prediction?: unknown };
    return typeof parsed.prediction === 'string' ? parsed.prediction : null;
  } catch {
    return null;
  }
}

export function sendInfer(
  agent: http.Agent,
  target: InferTarget,
  text: string,
  requestId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<InferResult> {
  const payload = Buffer.from(JSON.stringify({ text }));
  return new Promise((resolve) => {
    let settled = false;
    let sentMs = nowMs();
    const finish = (r: Omit<InferResult, 'sentMs' | 'doneMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ sentMs, doneMs: nowMs(), ...r });
    };
    const fail = (err: unknown, status = 0): void =>
      finish({ status, error: errorCode(err), serverLatencyMs: null, replica: null, prediction: null });

    const req = http.request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'POST',
      agent,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': payload.length,
        Accept: 'application/json',
        'X-Request-Id': requestId,
      },
    });
    const timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      err.name = 'TimeoutError';
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    const onAbort = (): void => {
      const err = new Error('run stopped');
      err.name = 'AbortError';
      fail(err);
      req.destroy(err);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (err) => fail(err));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => fail(err, res.statusCode ?? 0));
      res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }), res.statusCode ?? 0));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        const replica = res.headers['x-replica'];
        finish({
          status,
          error: statusError(status),
          serverLatencyMs: headerNumber(res.headers['x-inference-latency-ms']),
          replica: typeof replica === 'string' && replica !== '' ? replica : null,
          prediction: predictionOf(res.headers['content-type'], body),
        });
      });
    });
    sentMs = nowMs();
    req.end(payload);
  });
}
