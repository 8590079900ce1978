// The per-request CSV log. Each row is appended with one synchronous write on an O_APPEND descriptor
// before the request is answered:
// - rows from concurrent requests cannot interleave (one thread, one write per row);
// - an answered request always has its row in the file (handed to the OS before the response);
// - it is cheaper than async file I/O here: a ~200-byte write to the page cache takes microseconds,
//   whereas each async fs call is a thread-pool round trip, and the model sits idle while a batch's
//   responses wait for them (measured: see README "Why synchronous appends").
// A deleted, renamed or truncated file is noticed on the next append (path stat vs open inode) and
// recreated with its header. Rows appended in the same turn of the event loop (the answers of one
// model call) share one check: under load the stat cost as much CPU as the writes.
import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export class CsvLog {
  readonly file: string;
  readonly #header: string;
  #fd: number | undefined;
  #ino: number | undefined;
  /** Checked against the path in this turn of the event loop; cleared on the next turn. */
  #checked = false;
  /** The open file is empty: the next write starts with the header. */
  #empty = false;

  constructor(file: string, header: string) {
    this.file = file;
    this.#header = header;
  }

  /** Appends one or more whole lines; throws the OS error when the file cannot be written. */
  appendSync(lines: string): void {
    if (!this.#checked || this.#fd === undefined) this.#check();
    writeAll(this.#fd!, this.#empty ? this.#header + lines : lines);
    this.#empty = false;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#ino = undefined;
    this.#checked = false;
  }

  /** Reopens the file if the path no longer leads to it, and notes whether it is empty. */
  #check(): void {
    const onDisk = statSync(this.file, { throwIfNoEntry: false });
    if (this.#fd === undefined || onDisk === undefined || onDisk.ino !== this.#ino) this.#reopen();
    const size = onDisk !== undefined && onDisk.ino === this.#ino ? onDisk.size : fstatSync(this.#fd!).size;
    this.#empty = size === 0;
    this.#checked = true;
    setImmediate(() => {
      this.#checked = false;
    });
  }

  #reopen(): void {
    this.close();
    mkdirSync(path.dirname(this.file), { recursive: true });
    this.#fd = openSync(this.file, 'a');
    this.#ino = fstatSync(this.#fd).ino;
  }
}

/** writeSync may write less than asked (disk full, signals); loop until all bytes are out or it throws. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}
