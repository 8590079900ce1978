// The per-request CSV log. Rows are appended with synchronous writes on an O_APPEND descriptor before
// the requests are answered:
// - rows from concurrent requests cannot interleave (one thread, whole rows per write);
// - an answered request always has its row in the file (handed to the OS before the response);
// - it is cheaper than async file I/O here: a ~200-byte write to the page cache takes microseconds,
//   whereas each async fs call is a thread-pool round trip, and the model sits idle while a batch's
//   responses wait for them (measured: see README "Why synchronous appends").
// `append` gathers the rows handed to it in one run of the microtask queue (the answers of one model
// call: they are resolved together) and writes them with one check of the file and one write; each
// caller's promise settles after that write. Under load the per-row stat and write cost as much CPU
// as the rest of the route (README "Where a request's time goes").
// A deleted, renamed or truncated file is noticed at the next write (path stat vs open inode) and
// recreated with its header.
import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

interface Waiting {
  resolve(): void;
  reject(err: unknown): void;
}

export class CsvLog {
  readonly file: string;
  readonly #header: string;
  #fd: number | undefined;
  #ino: number | undefined;
  /** Rows handed to `append` since the last write, and who waits for them. */
  #rows: string[] = [];
  #waiting: Waiting[] = [];

  constructor(file: string, header: string) {
    this.file = file;
    this.#header = header;
  }

  /**
   * Appends whole lines together with every other line appended in the same run of the microtask
   * queue; resolves once they are written (handed to the OS), rejects with the OS error otherwise.
   */
  append(lines: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#rows.length === 0) queueMicrotask(() => this.#flush());
      this.#rows.push(lines);
      this.#waiting.push({ resolve, reject });
    });
  }

  /** Appends one or more whole lines at once; throws the OS error when the file cannot be written. */
  appendSync(lines: string): void {
    const empty = this.#check();
    writeAll(this.#fd!, empty ? this.#header + lines : lines);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#ino = undefined;
  }

  #flush(): void {
    const rows = this.#rows;
    const waiting = this.#waiting;
    this.#rows = [];
    this.#waiting = [];
    try {
      this.appendSync(rows.length === 1 ? rows[0]! : rows.join(''));
    } catch (err) {
      for (const w of waiting) w.reject(err);
      return;
    }
    for (const w of waiting) w.resolve();
  }

  /** Reopens the file if the path no longer leads to it; says whether it is empty. */
  #check(): boolean {
    const onDisk = statSync(this.file, { throwIfNoEntry: false });
    if (this.#fd === undefined || onDisk === undefined || onDisk.ino !== this.#ino) this.#reopen();
    const size = onDisk !== undefined && onDisk.ino === this.#ino ? onDisk.size : fstatSync(this.#fd!).size;
    return size === 0;
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
