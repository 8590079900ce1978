// Parsing of command-line values shared by the load and experiment CLIs. Pure; every error is one line
// naming the option and the bad value, and the CLIs exit 2 on it.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** "10s", "500ms", "2m", "1.5s"; a bare number is seconds. */
export function parseDuration(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : NaN;
  if (!m || !(ms > 0)) throw new UsageError(`--${option}: expected a duration such as 10s, 500ms or 2m, got '${value}'`);
  return ms;
}

export function parsePositiveInt(option: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${option}: expected a whole number from 1 to ${max}, got '${value}'`);
  }
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

/** A label becomes a folder name and a CSV field: keep it to a safe set. */
export function parseLabel(option: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new UsageError(`--${option}: expected letters, digits, '.', '_' or '-' (max 64), got '${value}'`);
  }
  return value;
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict and without positionals; its errors become one-line UsageErrors. */
export function parseStrict<O extends OptionSpecs>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // node's messages run on ("Unknown option '--x'. To specify a positional …"): keep the first sentence.
    throw new UsageError((err as Error).message.split(/\. |\n/)[0]!);
  }
}

/** "512m", "2g", "300000k", "1048576" (bytes) → bytes. */
export function parseBytes(option: string, value: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  const unit = m ? ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const)[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'] : NaN;
  const bytes = m ? Number(m[1]) * unit : NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new UsageError(`--${option}: expected a size such as 512m or 2g, got '${value}'`);
  return bytes;
}
