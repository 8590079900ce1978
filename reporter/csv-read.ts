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

/** What reading one file gave, beside the rows handed over one by one. */
export interface CsvRead {
  readonly file: string;
  readonly skipped: number;
  readonly warnings: Warning[];
}

export interface CsvFile<T> extends CsvRead {
  /** Rows with the line each starts on. */
  readonly rows: Array<{ line: number; row: T }>;
}

/** Each row with the line it starts on, as the file is parsed. */
export type OnRow<T> = (line: number, row: T) => void;

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

/**
 * Each record is handled as csv-parse finishes it (on_record, which then drops it) rather than kept in
 * one array of every record of the file: a bench-sized run's files held as records took ~100 MB of
 * heap at once (measured). Warnings come out in the order the whole-file read gave them: the parser's
 * own (unreadable records) first, then the header's, then the rows'.
 */
function readCsv<T>(
  file: string,
  pickParser: (header: string[]) => { width: number; parse: (cells: string[]) => Parsed<T> } | undefined,
  onRow: OnRow<T>,
): CsvRead {
  const parseWarnings: Warning[] = [];
  const rowWarnings: Warning[] = [];
  let skipped = 0;
  let header: string[] | undefined;
  let parser: ReturnType<typeof pickParser>;
  // info.lines is the line a record ENDS on, as csv-parse counts: it counts a CRLF inside a quoted cell
  // as two lines (a CRLF between records as one), so those extras are taken off to give editor lines.
  let extra = 0;
  const onRecord = ({ info, record }: Info): null => {
    if (header === undefined) {
      header = record;
      parser = pickParser(record);
      return null;
    }
    if (!parser) {
      skipped++;
      return null;
    }
    const { breaks, crlf } = lineBreaksIn(record);
    extra += crlf;
    const line = info.lines - extra - breaks;
    if (record.length !== parser.width) {
      skipped++;
      rowWarnings.push({ file, line, reason: `${record.length} columns, expected ${parser.width}` });
      return null;
    }
    const parsed = parser.parse(record);
    if (parsed.ok) onRow(line, parsed.row);
    else {
      skipped++;
      rowWarnings.push({ file, line, reason: parsed.reason });
    }
    return null;
  };
  parse(readFileSync(file), {
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
      parseWarnings.push({ file, line, reason: `unreadable CSV (${err?.message.split(':')[0] ?? 'parse error'})` });
      return undefined;
    },
    on_record: onRecord as unknown as (record: string[]) => null,
  });
  const headerWarning: Warning[] = header !== undefined && !parser
    ? [{ file, line: 1, reason: `unknown header "${header.join(',').slice(0, 80)}", file skipped` }]
    : [];
  return { file, skipped, warnings: [...parseWarnings, ...headerWarning, ...rowWarnings] };
}

/** Every row of a file in one array (small files, tests); the import takes them one by one (eachServiceRow, eachClientRow). */
function collected<T>(read: (onRow: OnRow<T>) => CsvRead): CsvFile<T> {
  const rows: Array<{ line: number; row: T }> = [];
  return { ...read((line, row) => rows.push({ line, row })), rows };
}

/** A service CSV, full or short form, row by row; a timestamp without a zone is read in `zone`. */
export function eachServiceRow(file: string, zone: TimeZone, onRow: OnRow<ServiceRow>): CsvRead {
  const parse = (cells: string[]): Parsed<ServiceRow> => parseServiceRow(cells, zone);
  return readCsv(file, (header) => {
    if (sameHeader(header, SERVICE_COLUMNS)) return { width: SERVICE_COLUMNS.length, parse };
    if (sameHeader(header, SHORT_SERVICE_COLUMNS)) return { width: SHORT_SERVICE_COLUMNS.length, parse };
    return undefined;
  }, onRow);
}

/** A client CSV with the byte columns, or one written before them (its byte counts are null), row by row. */
export function eachClientRow(file: string, onRow: OnRow<ClientCsvRow>): CsvRead {
  return readCsv(file, (header) => {
    for (const columns of [CLIENT_COLUMNS, CLIENT_COLUMNS_WITHOUT_BYTES]) {
      if (sameHeader(header, columns)) return { width: columns.length, parse: parseClientRow };
    }
    return undefined;
  }, onRow);
}

export const readServiceCsv = (file: string, zone: TimeZone): CsvFile<ServiceRow> => collected((onRow) => eachServiceRow(file, zone, onRow));
export const readClientCsv = (file: string): CsvFile<ClientCsvRow> => collected((onRow) => eachClientRow(file, onRow));
