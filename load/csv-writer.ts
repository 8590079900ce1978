// Appends client rows to a CSV in batches: a row is a string pushed onto a list, and the list goes to the
// file in one write every BATCH_ROWS rows, on flush() (the phase's progress tick) and on close(). So the
// generator pays one system call per batch instead of one per request, and a crash loses at most the
// rows since the last flush. Writes the header when the file is new or empty.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLIENT_CSV_COLUMNS_WITHOUT_BYTES, CLIENT_CSV_HEADER_LINE, type ClientRequest } from '../contracts/client-csv.js';
import { formatClientRow } from './rows.js';

const BATCH_ROWS = 512;

export class ClientCsvWriter {
  private fd: number | undefined;
  private batch: string[] = [];
  rowsWritten = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path) && statSync(path).size > 0) {
      // Appending to some other CSV would corrupt it: only ever append under our own header.
      const firstLine = readFileSync(path, 'utf8').split('\n', 1)[0]!.replace(/\r$/, '');
      if (firstLine === CLIENT_CSV_COLUMNS_WITHOUT_BYTES.join(',')) {
        throw new Error(`${path} is a client CSV written before the byte columns; rows with them would not fit its header: pick another file`);
      }
      if (`${firstLine}\n` !== CLIENT_CSV_HEADER_LINE) throw new Error(`${path} exists and is not a client CSV (its first line differs); pick another file`);
    }
    this.fd = openSync(path, 'a');
    if (fstatSync(this.fd).size === 0) writeSync(this.fd, CLIENT_CSV_HEADER_LINE);
  }

  write(row: ClientRequest): void {
    if (this.fd === undefined) throw new Error(`${this.path} is already closed`);
    this.batch.push(formatClientRow(row));
    this.rowsWritten++;
    if (this.batch.length >= BATCH_ROWS) this.flush();
  }

  /** Writes the rows held so far. */
  flush(): void {
    if (this.fd === undefined || this.batch.length === 0) return;
    writeSync(this.fd, this.batch.join(''));
    this.batch = [];
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
