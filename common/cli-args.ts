// The one wrapper around node:util parseArgs for every CLI, and the value parsers they share. Pure: each
// problem is a UsageError with one line naming the flag and the bad value; the CLIs print it and exit 2
// before anything starts. Durations and labels have their grammar in contracts/.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../contracts/usage-error.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Strict parseArgs (unknown flags are errors); positionals only when asked for. */
export function parseStrict<O extends OptionSpecs>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (err) {
    // node's messages run on ("Unknown option '--x'. To specify a positional …"): keep the first sentence.
    throw new UsageError((err as Error).message.split(/\. |\n/)[0]!);
  }
}

/** Whether the user asked for usage (`-h` or `--help` anywhere): answered before any other check. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

/** A whole number from `min` to `max`, or a UsageError naming the option, the range and the value. */
export function parseIntInRange(option: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${option}: expected a whole number from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

export function parsePositiveInt(option: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  return parseIntInRange(option, value, 1, max);
}

export function parseNonNegativeInt(option: string, value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${option}: expected a whole number ≥ 0, got '${value}'`);
  return n;
}

export function parsePositiveNumber(option: string, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n > 0)) throw new UsageError(`--${option}: expected a positive number, got '${value}'`);
  return n;
}

export function parsePort(option: string, value: string): number {
  return parsePositiveInt(option, value, 65535);
}

/** "512m", "2g", "300000k", "1048576" (bytes) → bytes. */
export function parseBytes(option: string, value: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  const unit = m ? ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const)[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'] : NaN;
  const bytes = m ? Number(m[1]) * unit : NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new UsageError(`--${option}: expected a size such as 512m or 2g, got '${value}'`);
  return bytes;
}

/** One of a fixed list of words. */
export function parseChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${option}: expected one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}
