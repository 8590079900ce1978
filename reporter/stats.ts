// Pure statistics used by the summaries. Percentiles use the nearest-rank definition (the value at
// rank ceil(p/100 · n) of the sorted values) because it is exact, never invents a value that was not
// measured, and can be checked with plain SQL (ORDER BY … LIMIT 1 OFFSET rank-1).

/** Nearest-rank percentile of ascending-sorted values; undefined for an empty input. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

export function mean(values: ArrayLike<number>): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

export interface Distribution {
  readonly count: number;
  readonly p50?: number | undefined;
  readonly p90?: number | undefined;
  readonly p95?: number | undefined;
  readonly p99?: number | undefined;
  readonly mean?: number | undefined;
  readonly max?: number | undefined;
}

export function describe(values: ArrayLike<number>): Distribution {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    mean: mean(sorted),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : undefined,
  };
}

/**
 * Total growth of a cumulative counter (network, block I/O, CPU time) over consecutive readings.
 * A reading lower than the previous one means the counter restarted (a restarted process or a new
 * network namespace), so the new value itself is growth since the restart. Null readings are skipped.
 */
export function counterGrowth(readings: ReadonlyArray<number | null>): number | undefined {
  let prev: number | undefined;
  let total = 0;
  let seen = 0;
  for (const r of readings) {
    if (r === null || !Number.isFinite(r)) continue;
    seen++;
    if (prev !== undefined) total += r >= prev ? r - prev : r;
    prev = r;
  }
  return seen >= 2 ? total : undefined;
}

/** mulberry32: a small seeded PRNG so that bootstrap intervals are the same on every build. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k-th smallest (0-based) of arr, in place (Hoare quickselect). */
function select(arr: Float64Array, k: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo < hi) {
    const pivot = arr[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (arr[i]! < pivot) i++;
      while (arr[j]! > pivot) j--;
      if (i <= j) {
        const t = arr[i]!;
        arr[i] = arr[j]!;
        arr[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return arr[k]!;
  }
  return arr[k]!;
}

function resampledPercentile(src: Float64Array, buf: Float64Array, p: number, rnd: () => number): number {
  const n = src.length;
  for (let i = 0; i < n; i++) buf[i] = src[Math.floor(rnd() * n)]!;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return select(buf, rank - 1);
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  readonly resamples: number;
  /** Larger samples are thinned (seeded, without replacement) to this size: it bounds the cost and
   *  can only widen the interval, never narrow it. */
  readonly maxSample: number;
  readonly seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 1000, maxSample: 10_000, seed: 20261123 };

function thin(values: ArrayLike<number>, max: number, rnd: () => number): Float64Array {
  const arr = Float64Array.from(values);
  if (arr.length <= max) return arr;
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rnd() * (arr.length - i));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr.slice(0, max);
}

/**
 * Percentile bootstrap 95 % interval of percentile(b) − percentile(a), resampling both groups
 * independently. The estimate is the difference on the full samples.
 */
export function bootstrapPercentileDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  p: number,
  opts: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const estimate = percentileSorted(sortedCopy(b), p)! - percentileSorted(sortedCopy(a), p)!;
  const rnd = seededRandom(opts.seed);
  const sa = thin(a, opts.maxSample, rnd);
  const sb = thin(b, opts.maxSample, rnd);
  const bufA = new Float64Array(sa.length);
  const bufB = new Float64Array(sb.length);
  const diffs = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) {
    diffs[r] = resampledPercentile(sb, bufB, p, rnd) - resampledPercentile(sa, bufA, p, rnd);
  }
  diffs.sort();
  return { estimate, low: percentileSorted(diffs, 2.5)!, high: percentileSorted(diffs, 97.5)! };
}
