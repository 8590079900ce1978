// client.csv: one row per request the load generator sent, read back by the reporter. Times are ms since
// the Unix epoch (UTC) with decimals; latency runs from the INTENDED send time, so a stalled generator or
// server shows up as latency instead of as fewer requests (no coordinated omission).

export const CLIENT_CSV_COLUMNS = [
  'label', 'phase', 'seq', 'request_id', 'intended_ms', 'sent_ms', 'done_ms', 'latency_ms',
  'status', 'error', 'server_latency_ms', 'replica', 'prediction',
] as const;

export const CLIENT_CSV_HEADER_LINE = `${CLIENT_CSV_COLUMNS.join(',')}\n`;

/** One request as the load generator measured it. */
export interface ClientRequest {
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
  /** The service's own model time (X-Inference-Latency-Ms), when it answered. */
  readonly serverLatencyMs: number | null;
  readonly replica: string | null;
  readonly prediction: string | null;
}
