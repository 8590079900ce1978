// One client CSV row per request the load generator sent. Times are ms since the Unix epoch (UTC) with
// decimals; latency is measured from the INTENDED send time, so a stalled generator or server shows up
// as latency instead of silently sending less (no coordinated omission).
import { stringify } from 'csv-stringify/sync';

export const CLIENT_CSV_HEADER = [
  'label', 'phase', 'seq', 'request_id', 'intended_ms', 'sent_ms', 'done_ms', 'latency_ms',
  'status', 'error', 'server_latency_ms', 'replica', 'prediction',
] as const;

export interface ClientRow {
  readonly label: string;
  readonly phase: string;
  readonly seq: number;
  readonly requestId: string;
  readonly intendedMs: number;
  readonly sentMs: number;
  readonly doneMs: number;
  /** doneMs − intendedMs. */
  readonly latencyMs: number;
  /** HTTP status, 0 when no response arrived. */
  readonly status: number;
  /** '' on success; a short code otherwise: timeout, ECONNREFUSED, ECONNRESET, http_503 … */
  readonly error: string;
  readonly serverLatencyMs: number | null;
  readonly replica: string | null;
  readonly prediction: string | null;
}

const ms = (v: number): string => v.toFixed(3);

/** The CSV line (with its newline) for one row. */
export function formatClientRow(r: ClientRow): string {
  return stringify([[
    r.label, r.phase, r.seq, r.requestId, ms(r.intendedMs), ms(r.sentMs), ms(r.doneMs), ms(r.latencyMs),
    r.status, r.error, r.serverLatencyMs === null ? '' : r.serverLatencyMs, r.replica ?? '', r.prediction ?? '',
  ]], { record_delimiter: 'unix' });
}

export const CLIENT_CSV_HEADER_LINE = `${CLIENT_CSV_HEADER.join(',')}\n`;

/**
 * Short error code for a failed request: Node's errno code when there is one (ECONNREFUSED,
 * ECONNRESET, EPIPE…), 'timeout' for our own deadline, 'aborted' when the run was stopped.
 */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown; message?: unknown };
    if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT_LOADGEN') return 'timeout';
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
