// Number formatting for the report's tables and sentences. "–" marks a value that could not be
// computed (missing data), never a zero.
export const DASH = '–';

export function fixed(v: number | undefined | null, digits = 2): string {
  return v === undefined || v === null || !Number.isFinite(v) ? DASH : v.toFixed(digits);
}

/** Decimal units (kB, MB, GB) as docker stats shows network and block I/O. */
export function bytes(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return DASH;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? x.toFixed(0) : x.toFixed(2)} ${units[i]}`;
}

export function mib(v: number | undefined | null): string {
  return v === undefined || v === null ? DASH : (v / 2 ** 20).toFixed(1);
}

export function signedMs(v: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
}

export function pct(v: number | undefined | null, digits = 1): string {
  return v === undefined || v === null || !Number.isFinite(v) ? DASH : `${v.toFixed(digits)} %`;
}

export { utc } from '../common/text-table.js';
