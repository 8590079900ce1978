// The package root, found from this module's own location (dist/deploy/load/ or deploy/load/), so
// defaults such as data/reviews.csv work whatever the current directory is.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

export const defaultCorpusPath = (): string => join(packageRoot(), 'data', 'reviews.csv');
