// The one seeded random source of the project (round orders, bootstrap draws, generated fixtures):
// mulberry32, a small 32-bit generator, uniform in [0, 1). Seeded so that an order or an interval is the
// same on every run with the same seed; plenty for shuffling a handful of labels or drawing resamples.

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
