// Pure statistics used by the summaries: distributions with the project's one percentile (nearest rank,
// common/percentile.ts), restart-aware counter growth, and the bootstrap behind the overhead intervals.
import { mean, percentileSorted, sortedCopy } from '../common/percentile.js';
import type { Distribution } from '../contracts/summary.js';
import { seededRandom } from '../common/random.js';

export type { Distribution };

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
 * Growth of a cumulative counter (network, block I/O, CPU time) over consecutive readings, fed one
 * reading at a time. A reading lower than the previous one means the counter restarted (a restarted
 * process or a new network namespace), so the new value itself is growth since the restart. Null
 * readings are skipped; fewer than two readings give no growth (undefined).
 */
export class CounterGrowth {
  private prev: number | undefined;
  private total = 0;
  private seen = 0;

  add(reading: number | null | undefined): void {
    if (reading === null || reading === undefined || !Number.isFinite(reading)) return;
    this.seen++;
    if (this.prev !== undefined) this.total += reading >= this.prev ? reading - this.prev : reading;
    this.prev = reading;
  }

  get value(): number | undefined {
    return this.seen >= 2 ? this.total : undefined;
  }
}


/** Standard normal variate (Box–Muller). */
function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Gamma(shape ≥ 1, scale 1) variate: Marsaglia & Tsang (2000). */
function gamma(shape: number, rnd: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rnd);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rnd();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * The p-th percentile of one bootstrap resample of `sorted`, drawn in O(1) instead of O(n).
 * A resample is F⁻¹(U₁…Uₙ) with Uᵢ uniform and F⁻¹ the sample's quantile function, which is monotone,
 * so its k-th smallest value is F⁻¹(U₍ₖ₎), and the k-th smallest of n uniforms is Beta(k, n−k+1).
 * Exact, not an approximation, and it makes 1000 resamples of 100k requests cost nothing.
 */
export function resampledPercentile(sorted: ArrayLike<number>, p: number, rnd: () => number): number {
  const n = sorted.length;
  const k = Math.max(1, Math.ceil((p / 100) * n));
  const a = gamma(k, rnd);
  const u = a / (a + gamma(n - k + 1, rnd));
  return sorted[Math.min(n, Math.max(1, Math.ceil(u * n))) - 1]!;
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 1000, seed: 20261123 };

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
  const sa = sortedCopy(a);
  const sb = sortedCopy(b);
  const estimate = percentileSorted(sb, p)! - percentileSorted(sa, p)!;
  const rnd = seededRandom(opts.seed);
  const diffs = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) diffs[r] = resampledPercentile(sb, p, rnd) - resampledPercentile(sa, p, rnd);
  diffs.sort();
  return { estimate, low: percentileSorted(diffs, 2.5)!, high: percentileSorted(diffs, 97.5)! };
}

/** A mean over rounds with its 95 % interval; low/high are absent when there was one round. */
export interface RoundEstimate {
  readonly estimate: number;
  readonly low?: number;
  readonly high?: number;
}

/** Two-sided 95 % quantile of Student's t with df degrees of freedom (t₀.₉₇₅). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= T975.length) return T975[df - 1]!;
  // Beyond the table: the normal quantile with the first Cornish–Fisher term (within 0.001 of t for df > 30).
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df);
}

/**
 * 95 % t-interval of the mean of a few values (per-round figures, or per-round differences paired by
 * round): mean ± t₀.₉₇₅(n−1) · s/√n. One value has no spread to estimate: its estimate comes without
 * low/high (undefined interval bounds), never a zero-width interval.
 */
export function meanInterval(values: readonly number[]): RoundEstimate | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const m = values.reduce((a, v) => a + v, 0) / n;
  if (n === 1) return { estimate: m };
  const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  return { estimate: m, low: m - half, high: m + half };
}
