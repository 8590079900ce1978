// Progress for long phases: one line at most every 2 s (on stderr), so logs stay readable.
import type { ClientRequest } from '../contracts/client-csv.js';

export function progressPrinter(name: string, write: (line: string) => void, everyMs = 2000) {
  let done = 0;
  let failed = 0;
  let last = Date.now();
  return {
    row(row: ClientRequest): void {
      done++;
      if (row.error !== '') failed++;
      const now = Date.now();
      if (now - last >= everyMs) {
        last = now;
        write(`  ${name}: ${done} done, ${failed} failed\n`);
      }
    },
    done(): void {
      write(`  ${name}: finished, ${done} done, ${failed} failed\n`);
    },
  };
}
