// Appends client rows to a CSV as they complete, with a synchronous write each, so a crash or Ctrl-C
// keeps every row already received. Writes the header when the file is new or empty.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLIENT_CSV_HEADER_LINE, type ClientRequest } from '../contracts/client-csv.js';
import { formatClientRow } from './rows.js';

export class ClientCsvWriter {
  private fd: number | undefined;
  rowsWritten = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path) && statSync(path).size > 0) {
      // Appending to some other CSV would corrupt it: only ever append under our own header.
      const head = readFileSync(path, 'utf8').slice(0, CLIENT_CSV_HEADER_LINE.length);
      if (head !== CLIENT_CSV_HEADER_LINE) throw new Error(`${path} exists and is not a client CSV (its first line differs); pick another file`);
    }
    this.fd = openSync(path, 'a');
    if (fstatSync(this.fd).size === 0) writeSync(this.fd, CLIENT_CSV_HEADER_LINE);
  }

  write(row: ClientRequest): void {
    if (this.fd === undefined) throw new Error(`${this.path} is already closed`);
    writeSync(this.fd, formatClientRow(row));
    this.rowsWritten++;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
