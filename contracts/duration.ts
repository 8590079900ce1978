// The one duration grammar of every CLI (collector, load generator, experiment, bench): a number and a
// unit, "250ms", "1s", "1.5s", "2m", "1h". A unit is required: a bare "1" means seconds to one tool and
// milliseconds to another, so it is refused everywhere rather than guessed.
import { UsageError } from './usage-error.js';

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
export const DURATION_FORMS = 'a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m)';

export interface DurationBounds {
  readonly minMs?: number;
  readonly maxMs?: number;
}

/** Milliseconds for "250ms", "1s", "1.5s", "2m", "1h"; undefined when the text is not a duration > 0. */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNITS[match[2] as keyof typeof UNITS]);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Parses the value of `--<option>`; a UsageError names the flag, the value and the accepted forms. */
export function parseDuration(option: string, value: string, bounds: DurationBounds = {}): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new UsageError(`--${option}: expected ${DURATION_FORMS}, got '${value}'`);
  const { minMs, maxMs } = bounds;
  if ((minMs !== undefined && ms < minMs) || (maxMs !== undefined && ms > maxMs)) {
    const range = minMs !== undefined && maxMs !== undefined ? `from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`
      : minMs !== undefined ? `of at least ${formatDuration(minMs)}` : `of at most ${formatDuration(maxMs!)}`;
    throw new UsageError(`--${option}: expected a duration ${range}, got '${value}'`);
  }
  return ms;
}

/** 1000 → "1s", 250 → "250ms", 90000 → "90s": the shortest text the grammar reads back exactly. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The collector's sampling interval: below 50 ms the reads of one tick overlap the next. */
export const SAMPLE_INTERVAL_BOUNDS: DurationBounds = { minMs: 50, maxMs: 3_600_000 };
