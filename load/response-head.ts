// Reading an HTTP/1.1 response off a keep-alive connection: where its head ends, the status, the few
// headers a row needs, and how long its body is. Pure: bytes in, fields out. It reads what the service,
// HAProxy and Node's http server send (a Content-Length body, or a body up to the connection's close);
// a chunked body is read by its chunk sizes.

export interface ResponseHead {
  readonly status: number;
  /** Bytes of the head, CRLFCRLF included. */
  readonly headLength: number;
  /** Body length from Content-Length; null for chunked or close-delimited bodies. */
  readonly contentLength: number | null;
  readonly chunked: boolean;
  /** The server said Connection: close (or spoke HTTP/1.0 without keep-alive). */
  readonly close: boolean;
  readonly json: boolean;
  readonly replica: string | null;
  readonly serverLatency: string | null;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class ProtocolError extends Error {
  readonly code = 'EPROTO';
}

/** The response head at the start of `buf`, or undefined while it is incomplete. */
export function parseResponseHead(buf: Buffer): ResponseHead | undefined {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > 64 * 1024) throw new ProtocolError('response head over 64 KiB');
    return undefined;
  }
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
  if (!statusLine) throw new ProtocolError(`not an HTTP/1.x response: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  let contentLength: number | null = null;
  let chunked = false;
  let close = statusLine[1] === '0';
  let json = false;
  let replica: string | null = null;
  let serverLatency: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') contentLength = Number(value);
    else if (name === 'transfer-encoding') chunked = /chunked/i.test(value);
    else if (name === 'connection') close = /close/i.test(value) || (close && !/keep-alive/i.test(value));
    else if (name === 'content-type') json = value.includes('json');
    else if (name === 'x-replica') replica = value === '' ? null : value;
    else if (name === 'x-inference-latency-ms') serverLatency = value;
  }
  if (contentLength !== null && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) throw new ProtocolError('bad Content-Length');
  return { status: Number(statusLine[2]), headLength: end + 4, contentLength: chunked ? null : contentLength, chunked, close, json, replica, serverLatency };
}

/**
 * A chunked body starting at `from`: its decoded text and where it ends, or undefined while incomplete.
 * Trailers are not expected (the last chunk is followed by CRLF alone).
 */
export function readChunkedBody(buf: Buffer, from: number): { body: string; end: number } | undefined {
  let at = from;
  let body = '';
  for (;;) {
    const eol = buf.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (!Number.isFinite(size)) throw new ProtocolError('bad chunk size');
    const dataStart = eol + 2;
    if (buf.length < dataStart + size + 2) return undefined;
    if (size === 0) return { body, end: dataStart + 2 };
    body += buf.toString('utf8', dataStart, dataStart + size);
    at = dataStart + size + 2;
  }
}

/** The prediction in a JSON body ({"prediction": "POSITIVE", …}); null when there is none. */
export function predictionOf(json: boolean, body: string): string | null {
  if (!json) return null;
  try {
    const parsed = JSON.parse(body) as { prediction?: unknown };
    return typeof parsed.prediction === 'string' ? parsed.prediction : null;
  } catch {
    return null;
  }
}
