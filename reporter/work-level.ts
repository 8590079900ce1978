// A run's work level: which corpus its requests came from and which model dtype served them (run.json's
// corpus and dtype, else the recording's model dtype). The experiment gives runs the same labels at every
// work level, so a report holding two levels (two experiments' databases and run folders built together)
// names each run `<label>~<level>` (before any `#k`, so `native~long-reviews-fp32#2` is still that
// level's A/A twin) and compares each level's runs only with its own baseline.
import type { RecordedRun } from './selection.js';
import type { RunManifest } from './run-folders.js';

export interface WorkLevel {
  /** A bundled corpus's name or a corpus file's path. */
  readonly corpus: string;
  readonly dtype: string;
  /** `<corpus>-<dtype>`, with a path reduced to its file name: what labels carry. */
  readonly key: string;
}

/** Runs recorded before the work axis sent data/reviews.csv. */
export const LEGACY_CORPUS = 'reviews';

/** A run whose run.json and recording say nothing of its dtype. */
export const UNKNOWN_DTYPE = 'unknown';

export function workLevelOf(manifest: RunManifest | null, recorded: RecordedRun | null): WorkLevel {
  const corpus = manifest?.corpus ?? LEGACY_CORPUS;
  const dtype = manifest?.dtype ?? recorded?.modelDtype ?? UNKNOWN_DTYPE;
  const name = (corpus.split(/[\\/]/).pop() ?? corpus).replace(/\.csv$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return { corpus, dtype, key: `${name}-${dtype}` };
}

/** `native#2` at level k → `native~k#2`. */
export function levelLabel(label: string, key: string): string {
  const hash = label.indexOf('#');
  return hash < 0 ? `${label}~${key}` : `${label.slice(0, hash)}~${key}${label.slice(hash)}`;
}

/** The label without its level (`native~k#2` → `native#2`) and the level key (undefined when it has none). */
export function splitLevel(label: string): { label: string; key: string | undefined } {
  const m = /^([^~#]*)~([^#]*)(#.*)?$/.exec(label);
  return m ? { label: `${m[1]}${m[3] ?? ''}`, key: m[2] } : { label, key: undefined };
}

/** Runs grouped by level key, in first-seen order. */
export function byLevel<T extends { readonly level: WorkLevel }>(runs: readonly T[]): Array<{ level: WorkLevel; runs: T[] }> {
  const out = new Map<string, { level: WorkLevel; runs: T[] }>();
  for (const run of runs) {
    const entry = out.get(run.level.key) ?? { level: run.level, runs: [] };
    entry.runs.push(run);
    out.set(run.level.key, entry);
  }
  return [...out.values()];
}
