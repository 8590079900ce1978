// Sends POST /infer over keep-alive TCP connections, one request in flight on each. Like autocannon and
// wrk it skips node:http's client machinery, whose per-request cost (header objects, an agent, a socket
// parser per request) is CPU taken from the service on a 2-core machine: the request bytes of each text
// are built once, and only the X-Request-Id differs. Never rejects and never hangs: every outcome
// (response, connection error, our own deadline, the run being stopped) comes back as a value.
//
// Bytes on the wire: a connection carries one request at a time, so the socket's own counters
// (bytesWritten, bytesRead) taken when a request goes out and when it ends give that request's bytes
// exactly, with no apportioning: the HTTP head and body each way, as the application wrote and read them
// (chunk framing included). What the kernel adds (TCP/IP headers, handshakes, ACKs, retransmits) is not
// in them; a container's interface counters include it.
import net from 'node:net';
import type { ClientRequest } from '../contracts/client-csv.js';
import { parseResponseHead, predictionOf, readChunkedBody, type ResponseHead } from './response-head.js';
import { errorCode, headerNumber, statusError } from './rows.js';

export interface InferTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** What one request gave: the ClientRequest fields the response (or its absence) decides. */
export type InferResult = Pick<
  ClientRequest,
  'sentMs' | 'doneMs' | 'status' | 'error' | 'serverLatencyMs' | 'replica' | 'prediction' | 'bytesSent' | 'bytesReceived'
>;
type Outcome = Omit<InferResult, 'sentMs' | 'doneMs'>;
type Wire = Pick<InferResult, 'bytesSent' | 'bytesReceived'>;
const NO_BYTES: Wire = { bytesSent: 0, bytesReceived: 0 };

/** Wall-clock ms since the epoch with sub-ms resolution (monotonic within the process). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** One text's request, serialised once: the bytes before and after the X-Request-Id value. */
export interface RequestTemplate {
  readonly head: string;
  readonly tail: string;
}

export function requestTemplates(target: InferTarget, texts: readonly string[]): RequestTemplate[] {
  return texts.map((text) => {
    const body = JSON.stringify({ text });
    return {
      head:
        `POST ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: `,
      tail: `\r\n\r\n${body}`,
    };
  });
}

/** An error named like the ones errorCode() maps ('timeout', 'aborted', ECONNRESET …). */
export const namedError = (name: string, message: string, code?: string): Error => Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
const hungUp = (): Error => namedError('Error', 'socket hang up', 'ECONNRESET');

/** A failed request's outcome: the error's short code, the status if a response had begun, the bytes so far. */
const failure = (err: unknown, status: number, wire: Wire): Outcome => ({
  status, error: errorCode(err), serverLatencyMs: null, replica: null, prediction: null, ...wire,
});

function outcomeOf(head: ResponseHead, body: string, wire: Wire): Outcome {
  return {
    status: head.status,
    error: statusError(head.status),
    serverLatencyMs: headerNumber(head.serverLatency ?? undefined),
    replica: head.replica,
    prediction: predictionOf(head.json, body),
    ...wire,
  };
}

/** A keep-alive connection with at most one request in flight. */
class Connection {
  private readonly socket: net.Socket;
  private buffer: Buffer | null = null;
  private head: ResponseHead | undefined;
  private pending: ((outcome: Outcome) => void) | undefined;
  /** The socket's counters when the request in flight went out (see wire()). */
  private sentBase = 0;
  private readBase = 0;
  closed = false;

  constructor(target: InferTarget) {
    this.socket = net.connect({ host: target.host, port: target.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(hungUp()));
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  send(request: string, done: (outcome: Outcome) => void): void {
    this.pending = done;
    this.sentBase = this.dispatched();
    // Bytes already buffered (none while the server answers only what it is asked) count as this
    // request's, so that sent and received both run from the same point.
    this.readBase = this.socket.bytesRead - (this.buffer?.length ?? 0);
    // As bytes: the socket counts a queued string's length in characters, not bytes (see dispatched()).
    this.socket.write(Buffer.from(request));
  }

  /**
   * Bytes the socket handed to the kernel: bytesWritten also counts what is still queued in the socket
   * (e.g. while it connects), which a refused connection never sends.
   */
  private dispatched(): number {
    return this.socket.bytesWritten - this.socket.writableLength;
  }

  /** The request in flight's bytes so far; `leftover`: bytes read past its response (the next one's). */
  private wire(leftover = 0): Wire {
    return { bytesSent: this.dispatched() - this.sentBase, bytesReceived: this.socket.bytesRead - this.readBase - leftover };
  }

  /** Ends the request in flight with `err` and closes the connection (its answer could still come). */
  fail(err: Error): void {
    this.closed = true;
    const wire = this.pending ? this.wire() : NO_BYTES; // read before destroy() empties the write queue
    this.socket.destroy();
    const done = this.pending;
    this.pending = undefined;
    done?.(failure(err, this.head?.status ?? 0, wire));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer === null ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.pending === undefined) return this.fail(namedError('Error', 'data without a request', 'EPROTO'));
    try {
      this.head ??= parseResponseHead(this.buffer);
      if (this.head === undefined) return;
      const body = this.bodyIfComplete(this.head, this.buffer);
      if (body !== undefined) this.complete(this.head, body.text, body.end);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private bodyIfComplete(head: ResponseHead, buf: Buffer): { text: string; end: number } | undefined {
    if (head.chunked) {
      const read = readChunkedBody(buf, head.headLength);
      return read && { text: read.body, end: read.end };
    }
    if (head.contentLength === null) return undefined; // read up to the server's close
    const end = head.headLength + head.contentLength;
    return buf.length >= end ? { text: buf.toString('utf8', head.headLength, end), end } : undefined;
  }

  private onEnd(): void {
    const head = this.head;
    if (this.pending && head && !head.chunked && head.contentLength === null) {
      this.complete(head, this.buffer!.toString('utf8', head.headLength), this.buffer!.length);
    }
    this.fail(hungUp());
  }

  private complete(head: ResponseHead, body: string, end: number): void {
    const done = this.pending!;
    const wire = this.wire(this.buffer!.length - end);
    this.pending = undefined;
    this.head = undefined;
    this.buffer = end < this.buffer!.length ? this.buffer!.subarray(end) : null;
    if (head.close) {
      this.closed = true;
      this.socket.end();
    }
    done(outcomeOf(head, body, wire));
  }
}

/**
 * Connections to one target: an idle one is reused, a new one opened when all are busy (the closed loop
 * never has more than its clients in flight; the open loop as many as the rate needs). stop() ends
 * every request in flight as aborted, and every later one at once.
 */
export class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private stopped: Error | undefined;

  constructor(private readonly target: InferTarget) {}

  /** Sends one request; resolves with its outcome once it has one (never rejects). */
  send(request: string, timeoutMs: number): Promise<InferResult> {
    return new Promise((resolve) => {
      const sentMs = nowMs();
      if (this.stopped) return resolve({ sentMs, doneMs: sentMs, ...failure(this.stopped, 0, NO_BYTES) });
      const connection = this.acquire();
      const timer = setTimeout(() => connection.fail(namedError('TimeoutError', `no answer within ${timeoutMs} ms`)), timeoutMs);
      connection.send(request, (outcome) => {
        clearTimeout(timer);
        this.release(connection);
        resolve({ sentMs, doneMs: nowMs(), ...outcome });
      });
    });
  }

  stop(): void {
    this.stopped = namedError('AbortError', 'run stopped');
    for (const c of this.open) c.fail(this.stopped);
    this.open.clear();
    this.idle.length = 0;
  }

  private acquire(): Connection {
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) if (!c.closed) return c;
    const c = new Connection(this.target);
    this.open.add(c);
    return c;
  }

  private release(c: Connection): void {
    if (c.closed) this.open.delete(c);
    else if (!c.busy) this.idle.push(c);
  }
}
