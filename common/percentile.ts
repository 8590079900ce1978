// The one definition of a percentile in this project: nearest rank, the value at rank ceil(p/100 · n) of
// the sorted values. It is exact, never invents a value that was not measured, and plain SQL checks it
// (ORDER BY … LIMIT 1 OFFSET rank-1). The median is the 50th percentile by the same rule, so a p50 and a
// median of the same values are always the same number. (HDR histograms serve only live progress lines.)

/** Nearest-rank percentile of ascending-sorted values; undefined for an empty input. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

/** An ascending copy (a Float64Array sorts numerically, unlike Array#sort's default). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  return percentileSorted(sortedCopy(values), p);
}

export function median(values: ArrayLike<number>): number | undefined {
  return percentile(values, 50);
}

export function mean(values: ArrayLike<number>): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}
