// The per-request CSV log. Appends are serialised through one queue, so rows from concurrent requests
// never interleave; rows that arrive while a write is in progress go out together in the next write
// (one append syscall for many rows under load). A deleted file is recreated with its header.
import { mkdir, stat, appendFile } from 'node:fs/promises';
import path from 'node:path';

export class CsvLog {
  readonly file: string;
  readonly #header: string;
  #pending: { line: string; done: (err?: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;

  constructor(file: string, header: string) {
    this.file = file;
    this.#header = header;
  }

  /** Resolves once the line is in the file (handed to the OS); rejects when the write failed. */
  append(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ line, done: (err) => (err === undefined ? resolve() : reject(err)) });
      this.#writing ??= this.#writeLoop();
    });
  }

  /** Resolves when everything appended so far is written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending;
        this.#pending = [];
        const text = group.map((p) => p.line).join('');
        try {
          await this.#write(text);
          for (const p of group) p.done();
        } catch (err) {
          for (const p of group) p.done(err);
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(text: string): Promise<void> {
    // Header goes in the same append as the rows so a reader never sees rows before it.
    const fresh = await stat(this.file).then(
      (s) => s.size === 0,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return true;
        throw err;
      },
    );
    if (fresh) await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, fresh ? this.#header + text : text, 'utf8');
  }
}
