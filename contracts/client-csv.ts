// client.csv: one row per request the load generator sent, read back by the reporter. Times are ms since
// the Unix epoch (UTC) with decimals; latency runs from the INTENDED send time, so a stalled generator or
// server shows up as latency instead of as fewer requests (no coordinated omission).
//
// bytes_sent / bytes_received are the request's and its response's bytes on the generator's TCP socket:
// HTTP head + body as the application wrote and read them (chunk framing included), counted by the
// socket itself. They leave out what the kernel adds below (TCP/IP headers, handshakes, ACKs,
// retransmits), which a container's interface counters include; so they are the same quantity for every
// deployment, native included, and a little smaller than the interface counters for the same traffic.

/** The columns up to the byte counts: what client CSVs written before them hold; still read. */
export const CLIENT_CSV_COLUMNS_WITHOUT_BYTES = [
  'label', 'phase', 'seq', 'request_id', 'intended_ms', 'sent_ms', 'done_ms', 'latency_ms',
  'status', 'error', 'server_latency_ms', 'replica', 'prediction',
] as const;

/** Appended at the end, so a reader of the older columns still finds every one where it was. */
export const CLIENT_CSV_COLUMNS = [...CLIENT_CSV_COLUMNS_WITHOUT_BYTES, 'bytes_sent', 'bytes_received'] as const;

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
  /** Bytes of this request the socket sent (HTTP head + body); 0 when the connection never opened. */
  readonly bytesSent: number;
  /** Bytes of the response the socket received (HTTP head + body, chunk framing included); what had
   * arrived when the request failed. */
  readonly bytesReceived: number;
}
