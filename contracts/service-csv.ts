// The CSV row of one answered request: pure formatting, RFC 4180 quoting, and the neutralising of
// cells a spreadsheet would run as a formula. The same row goes to the log file and to the client.

/** The log's columns, in order. The first four are the classic tool's; never reorder them. */
export const CSV_COLUMNS = [
  'Inference Latency (ms)',
  'Prediction',
  'Input Text',
  'Timestamp',
  'Score',
  'Replica',
  'Request ID',
  'Batch Size',
] as const;

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** One answered request, as the API returns it in JSON. */
export interface InferenceRecord {
  /** Model time of the request's batch, in ms, 2 decimals. */
  readonly latencyMs: number;
  readonly prediction: string;
  readonly text: string;
  /** `new Date().toISOString()` when the answer was made. */
  readonly timestamp: string;
  /** Probability of the predicted label, 4 decimals. */
  readonly score: number;
  readonly replica: string;
  readonly requestId: string;
  /** How many requests shared the model call. */
  readonly batchSize: number;
}

// OWASP's list of characters that make a spreadsheet treat a cell as a formula (tab and CR included),
// plus the apostrophe itself so that the rule can be undone exactly (see unneutraliseCell).
const NEUTRALISE_FIRST = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

/**
 * Spreadsheets run a cell starting with = + - @ (or tab/CR) as a formula. Prefixing an apostrophe makes
 * them show it as text. A cell that already starts with an apostrophe is prefixed too, so readers can
 * always undo the rule by dropping one leading apostrophe.
 */
export function neutraliseCell(value: string): string {
  return value.length > 0 && NEUTRALISE_FIRST.has(value[0]!) ? `'${value}` : value;
}

/** The inverse of neutraliseCell, for readers of the log (reporter, tests). */
export function unneutraliseCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value;
}

/** RFC 4180: quote a field holding a comma, a quote, CR or LF (or edge spaces); double inner quotes. */
export function quoteField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The CSV line (with CRLF, as RFC 4180 says) for one record, in CSV_COLUMNS order. */
export function formatCsvRow(r: InferenceRecord): string {
  const cells = [
    r.latencyMs.toFixed(2),
    neutraliseCell(r.prediction),
    neutraliseCell(r.text),
    r.timestamp,
    r.score.toFixed(4),
    neutraliseCell(r.replica),
    neutraliseCell(r.requestId),
    String(r.batchSize),
  ];
  return `${cells.map(quoteField).join(',')}\r\n`;
}
