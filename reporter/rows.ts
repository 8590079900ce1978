// Pure parsing of one CSV row (already split into cells) into a typed request row. Each parser returns
// either the row or a short reason, so the reader can skip the row and say why with file:line.
import { CLIENT_CSV_COLUMNS, CLIENT_CSV_COLUMNS_WITHOUT_BYTES } from '../contracts/client-csv.js';
import { CSV_COLUMNS, unneutraliseCell } from '../contracts/service-csv.js';
import type { TimeZone } from './time-zone.js';

export type Parsed<T> = { ok: true; row: T } | { ok: false; reason: string };

// The formats are the producers' own definitions: one source of truth for writer and reader.
export const SERVICE_COLUMNS = CSV_COLUMNS;
/** The short form: only the first four columns, as the 160-review latency test's service wrote them. */
export const SHORT_SERVICE_COLUMNS = SERVICE_COLUMNS.slice(0, 4);
export const CLIENT_COLUMNS = CLIENT_CSV_COLUMNS;
/** Client CSVs written before the byte columns: read too, their byte counts are null. */
export const CLIENT_COLUMNS_WITHOUT_BYTES = CLIENT_CSV_COLUMNS_WITHOUT_BYTES;

export interface ServiceRow {
  readonly latencyMs: number;
  readonly prediction: string;
  readonly inputText: string;
  readonly tsMs: number;
  /** The timestamp had no zone: it was read in the zone the build assumed. */
  readonly tsZoneless: boolean;
  readonly score: number | null;
  readonly replica: string | null;
  readonly requestId: string | null;
  readonly batchSize: number | null;
}

/** A client.csv row as read back (contracts/client-csv.ts ClientRequest), tolerant: an empty cell is null. */
export interface ClientCsvRow {
  readonly label: string;
  readonly phase: string;
  readonly seq: number;
  readonly requestId: string | null;
  readonly intendedMs: number;
  readonly sentMs: number | null;
  readonly doneMs: number | null;
  readonly latencyMs: number | null;
  readonly status: number;
  readonly error: string | null;
  readonly serverLatencyMs: number | null;
  readonly replica: string | null;
  readonly prediction: string | null;
  /** Null in a CSV written before the byte columns (or an empty cell). */
  readonly bytesSent: number | null;
  readonly bytesReceived: number | null;
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 to ms since the epoch (fractional ms kept), and whether it had no zone (then read in `zone`). */
export function parseTimestamp(text: string, zone: TimeZone): { ms: number; zoneless: boolean } | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const offset = m[4];
  const written = offset === undefined ? 'Z' : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
  const whole = Date.parse(`${m[1]}T${m[2]}${written}`);
  if (Number.isNaN(whole)) return undefined;
  const fraction = m[3] ? Number(`0.${m[3]}`) * 1000 : 0;
  // Without a zone, `whole` holds the wall-clock fields as if in UTC: the zone turns them into the instant.
  return offset === undefined ? { ms: zone.instant(whole) + fraction, zoneless: true } : { ms: whole + fraction, zoneless: false };
}

function num(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function optNum(text: string | undefined, name: string): { value: number | null } | { bad: string } {
  if (text === undefined || text.trim() === '') return { value: null };
  const v = num(text);
  return v === undefined ? { bad: `bad number in ${name}: "${text}"` } : { value: v };
}

const opt = (text: string | undefined): string | null => (text === undefined || text === '' ? null : text);

/**
 * Cells in SERVICE_COLUMNS order, short (4) or full (8) form; a timestamp without a zone is read in `zone`. The full form's text cells were
 * neutralised against formula injection by the service (one leading ' added); that is undone here. The
 * short form's writer did not do it, so its cells are kept as they are.
 */
export function parseServiceRow(cells: readonly string[], zone: TimeZone): Parsed<ServiceRow> {
  const neutralised = new Set(cells.length === SERVICE_COLUMNS.length ? [1, 2, 5, 6] : []);
  const c = cells.map((cell, i) => (neutralised.has(i) ? unneutraliseCell(cell) : cell));
  const latency = num(c[0] ?? '');
  if (latency === undefined || latency < 0) return { ok: false, reason: `bad latency "${c[0]}"` };
  const ts = parseTimestamp(c[3] ?? '', zone);
  if (ts === undefined) return { ok: false, reason: `bad timestamp "${c[3]}"` };
  const score = optNum(c[4], 'Score');
  if ('bad' in score) return { ok: false, reason: score.bad };
  const batch = optNum(c[7], 'Batch Size');
  if ('bad' in batch) return { ok: false, reason: batch.bad };
  return {
    ok: true,
    row: {
      latencyMs: latency,
      prediction: c[1] ?? '',
      inputText: c[2] ?? '',
      tsMs: ts.ms,
      tsZoneless: ts.zoneless,
      score: score.value,
      replica: opt(c[5]),
      requestId: opt(c[6]),
      batchSize: batch.value,
    },
  };
}

export function parseClientRow(cells: readonly string[]): Parsed<ClientCsvRow> {
  const c = cells;
  const seq = num(c[2] ?? '');
  if (seq === undefined || !Number.isInteger(seq)) return { ok: false, reason: `bad seq "${c[2]}"` };
  const intended = num(c[4] ?? '');
  if (intended === undefined) return { ok: false, reason: `bad intended_ms "${c[4]}"` };
  const status = num(c[8] ?? '');
  if (status === undefined || !Number.isInteger(status)) return { ok: false, reason: `bad status "${c[8]}"` };
  const nums: Record<string, number | null> = {};
  for (const [i, name] of [
    [5, 'sent_ms'],
    [6, 'done_ms'],
    [7, 'latency_ms'],
    [10, 'server_latency_ms'],
    [13, 'bytes_sent'],
    [14, 'bytes_received'],
  ] as const) {
    const v = optNum(c[i], name);
    if ('bad' in v) return { ok: false, reason: v.bad };
    nums[name] = v.value;
  }
  return {
    ok: true,
    row: {
      label: c[0] ?? '',
      phase: c[1] ?? '',
      seq,
      requestId: opt(c[3]),
      intendedMs: intended,
      sentMs: nums['sent_ms'] ?? null,
      doneMs: nums['done_ms'] ?? null,
      latencyMs: nums['latency_ms'] ?? null,
      status,
      error: opt(c[9]),
      serverLatencyMs: nums['server_latency_ms'] ?? null,
      replica: opt(c[11]),
      prediction: opt(c[12]),
      bytesSent: nums['bytes_sent'] ?? null,
      bytesReceived: nums['bytes_received'] ?? null,
    },
  };
}
