// Reads one latency CSV file into typed rows. Bad rows are skipped, counted and reported with their
// file and line; a file whose header is not one we know is skipped whole (one warning).
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import {
  CLIENT_COLUMNS,
  CLIENT_COLUMNS_WITHOUT_BYTES,
  type ClientCsvRow,
  parseClientRow,
  parseServiceRow,
  SHORT_SERVICE_COLUMNS,
  SERVICE_COLUMNS,
  type Parsed,
  type ServiceRow,
} from './rows.js';
import type { TimeZone } from './time-zone.js';

export interface Warning {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface CsvFile<T> {
  readonly file: string;
  /** Rows with the line each starts on. */
  readonly rows: Array<{ line: number; row: T }>;
  readonly skipped: number;
  readonly warnings: Warning[];
}

interface Info {
  info: { lines: number };
  record: string[];
}

/** Line breaks inside the cells (CRLF, LF or CR: one each), and how many of them are CRLF. */
function lineBreaksIn(cells: readonly string[]): { breaks: number; crlf: number } {
  let lf = 0;
  let cr = 0;
  let crlf = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 10) lf++;
      else if (c === 13) {
        cr++;
        if (cell.charCodeAt(i + 1) === 10) crlf++;
      }
    }
  }
  return { breaks: lf + cr - crlf, crlf };
}

function sameHeader(cells: readonly string[], expected: readonly string[]): boolean {
  return cells.length === expected.length && expected.every((name, i) => cells[i]?.trim() === name);
}

function readCsv<T>(
  file: string,
  pickParser: (header: string[]) => { width: number; parse: (cells: string[]) => Parsed<T> } | undefined,
): CsvFile<T> {
  const warnings: Warning[] = [];
  const rows: Array<{ line: number; row: T }> = [];
  let skipped = 0;
  const records = parse(readFileSync(file), {
    info: true,
    bom: true,
    relax_column_count: true,
    // A stray quote inside a cell (hand-edited files) is kept as a character instead of derailing the
    // parser: without this one bad quote can swallow the rows after it.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      skipped++;
      const line = (err as { lines?: number } | undefined)?.lines ?? 0;
      warnings.push({ file, line, reason: `unreadable CSV (${err?.message.split(':')[0] ?? 'parse error'})` });
      return undefined;
    },
  }) as unknown as Info[];
  const [head, ...body] = records;
  if (!head) return { file, rows, skipped, warnings };
  const parser = pickParser(head.record);
  if (!parser) {
    warnings.push({ file, line: 1, reason: `unknown header "${head.record.join(',').slice(0, 80)}", file skipped` });
    return { file, rows, skipped: skipped + body.length, warnings };
  }
  // info.lines is the line a record ENDS on, as csv-parse counts: it counts a CRLF inside a quoted cell
  // as two lines (a CRLF between records as one), so those extras are taken off to give editor lines.
  let extra = 0;
  for (const { info, record } of body) {
    const { breaks, crlf } = lineBreaksIn(record);
    extra += crlf;
    const line = info.lines - extra - breaks;
    if (record.length !== parser.width) {
      skipped++;
      warnings.push({ file, line, reason: `${record.length} columns, expected ${parser.width}` });
      continue;
    }
    const parsed = parser.parse(record);
    if (parsed.ok) rows.push({ line, row: parsed.row });
    else {
      skipped++;
      warnings.push({ file, line, reason: parsed.reason });
    }
  }
  return { file, rows, skipped, warnings };
}

/** A service CSV, full or short form; a timestamp without a zone is read in `zone`. */
export function readServiceCsv(file: string, zone: TimeZone): CsvFile<ServiceRow> {
  const parse = (cells: string[]): Parsed<ServiceRow> => parseServiceRow(cells, zone);
  return readCsv(file, (header) => {
    if (sameHeader(header, SERVICE_COLUMNS)) return { width: SERVICE_COLUMNS.length, parse };
    if (sameHeader(header, SHORT_SERVICE_COLUMNS)) return { width: SHORT_SERVICE_COLUMNS.length, parse };
    return undefined;
  });
}

/** A client CSV with the byte columns, or one written before them (its byte counts are null). */
export function readClientCsv(file: string): CsvFile<ClientCsvRow> {
  return readCsv(file, (header) => {
    for (const columns of [CLIENT_COLUMNS, CLIENT_COLUMNS_WITHOUT_BYTES]) {
      if (sameHeader(header, columns)) return { width: columns.length, parse: parseClientRow };
    }
    return undefined;
  });
}
