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

type Outcome = Omit<InferResult, 'sentMs' | 'doneMs'>;

/** A failed request's outcome: the error's short code, and the status if a response had begun. */
const failure = (err: unknown, status = 0): Outcome => ({ status, error: errorCode(err), serverLatencyMs: null, replica: null, prediction: null });

/** Reads a response to its end and reports its outcome once (a response cut short is a failure). */
function readResponse(res: http.IncomingMessage, finish: (outcome: Outcome) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('error', (err) => finish(failure(err, res.statusCode ?? 0)));
  res.on('aborted', () => finish(failure(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }), res.statusCode ?? 0)));
  res.on('end', () => {
    const status = res.statusCode ?? 0;
    const replica = res.headers['x-replica'];
    finish({
      status,
      error: statusError(status),
      serverLatencyMs: headerNumber(res.headers['x-inference-latency-ms']),
      replica: typeof replica === 'string' && replica !== '' ? replica : null,
      prediction: predictionOf(res.headers['content-type'], Buffer.concat(chunks).toString('utf8')),
    });
  });
}

/** An error named like the ones errorCode() maps ('timeout', 'aborted'). */
const namedError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

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
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ sentMs, doneMs: nowMs(), ...outcome });
    };
    const giveUp = (err: Error): void => {
      finish(failure(err));
      req.destroy(err);
    };
    const req = http.request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length, Accept: 'application/json', 'X-Request-Id': requestId },
    });
    const timer = setTimeout(() => giveUp(namedError('TimeoutError', `no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => giveUp(namedError('AbortError', 'run stopped'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(failure(err)));
    req.on('response', (res) => readResponse(res, finish));
    sentMs = nowMs();
    req.end(payload);
  });
}
