// Writing one client.csv row, and the short error codes a row carries. The columns and the row type are
// the contract in contracts/client-csv.ts; this is the load generator's writer for them.
import type { ClientRequest } from '../contracts/client-csv.js';
import { quoteField } from '../contracts/service-csv.js';

const ms = (v: number): string => v.toFixed(3);

/**
 * The CSV line (with its newline) for one request, in CLIENT_CSV_COLUMNS order. Written per request on
 * the generator's hot path, so it is one template string; a text cell is quoted only when it holds a
 * CSV special (RFC 4180, the service CSV's rule).
 */
export function formatClientRow(r: ClientRequest): string {
  const server = r.serverLatencyMs === null ? '' : String(r.serverLatencyMs);
  const replica = r.replica === null ? '' : quoteField(r.replica);
  const prediction = r.prediction === null ? '' : quoteField(r.prediction);
  return `${quoteField(r.label)},${quoteField(r.phase)},${r.seq},${quoteField(r.requestId)},${ms(r.intendedMs)},${ms(r.sentMs)},${ms(r.doneMs)},${ms(r.latencyMs)},${r.status},${r.error},${server},${replica},${prediction},${r.bytesSent},${r.bytesReceived}\n`;
}

/**
 * Short error code for a failed request: Node's errno code when there is one (ECONNREFUSED,
 * ECONNRESET, EPIPE…), 'timeout' for our own deadline, 'aborted' when the run was stopped.
 */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown; message?: unknown };
    if (e.name === 'TimeoutError') return 'timeout';
    if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return 'aborted';
    if (typeof e.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(e.code)) return e.code;
    if (typeof e.message === 'string' && /hang up/i.test(e.message)) return 'ECONNRESET';
  }
  return 'error';
}

/** Error code for a response: '' for 2xx, http_<status> otherwise. */
export function statusError(status: number): string {
  return status >= 200 && status < 300 ? '' : `http_${status}`;
}

/** Parses a numeric response header (X-Inference-Latency-Ms); null when missing or not a number. */
export function headerNumber(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
