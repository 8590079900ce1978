// A run's label names its folder (data/runs/<label>/), its rows in the recording and its CSV cells, so it
// is kept to characters that are safe in all three.
import { UsageError } from './usage-error.js';

export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._#-]{0,63}$/;
export const LABEL_RULE = "letters, digits, '.', '_', '-' or '#', starting with a letter or digit, at most 64";

export function isLabel(value: string): boolean {
  return LABEL_PATTERN.test(value);
}

export function parseLabel(option: string, value: string): string {
  if (!isLabel(value)) throw new UsageError(`--${option}: expected ${LABEL_RULE}, got '${value}'`);
  return value;
}
