// A lean keep-alive HTTP/1.1 client for the service benchmark: one TCP connection, one request in
// flight, requests pre-serialised, responses read by Content-Length. Like autocannon and wrk it skips
// node:http's client machinery, because on a 2-core box the load client's own CPU competes with
// the service it measures (node:http cost ~0.18 ms of CPU per request here). It speaks only what the
// service answers: a status line, headers with Content-Length, a body. Anything else is an error.
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/** The bytes of one POST /infer with a JSON body, ready to write. */
export function inferRequest(port: number, json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const head =
    `POST /infer HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Where a complete response ends in `buf` and its status, or undefined while more bytes are needed. */
export function parseResponse(buf: Buffer): { status: number; end: number } | undefined {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!status || !length) throw new Error(`unexpected response head: ${head.slice(0, 200)}`);
  const end = headerEnd + HEADER_END.length + Number(length[1]);
  return buf.length >= end ? { status: Number(status[1]), end } : undefined;
}

export class KeepAliveConnection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve(status: number): void; reject(err: Error): void } | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  static open(port: number): Promise<KeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new KeepAliveConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request and resolves with the response status once the whole response is in. */
  send(request: Buffer): Promise<number> {
    if (this.#waiting !== undefined) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let parsed: ReturnType<typeof parseResponse>;
    try {
      parsed = parseResponse(this.#buffer);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    if (parsed === undefined) return;
    this.#buffer = this.#buffer.subarray(parsed.end);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(parsed.status);
  }

  #fail(err: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(err);
  }
}
