// The order the deployments run in, round by round. Pure: the same labels, rounds and seed give the same
// orders on every machine, so a run can be repeated exactly (the seed is recorded in run.json).
//
// Whatever runs at a given place in the sequence meets the machine in a given state (what ran before,
// page cache, CPU frequency, a neighbour's load); when the order is fixed, that effect is charged to the
// deployment. So the labels are shuffled once by the seed, and each round starts further along the
// shuffled list (a cyclic Latin square): round r starts r places further, so over n rounds every label
// takes every position once; with fewer rounds than labels, round r starts ⌊r·n / rounds⌋ places
// further, which spreads each label's positions over the sequence (early, middle, late) instead of
// giving it neighbouring ones.
import { seededRandom } from '../common/random.js';


/** A Fisher–Yates shuffle drawn from `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Each round's order of `labels` (rounds ≥ 1). */
export function roundOrders(labels: readonly string[], rounds: number, seed: number): string[][] {
  const base = shuffled(labels, seededRandom(seed));
  const n = base.length;
  const offset = (r: number): number => (rounds < n ? Math.floor((r * n) / rounds) : r);
  return Array.from({ length: rounds }, (_, r) => base.map((_, p) => base[(p + offset(r)) % n]!));
}

/** A seed for when none was given: any 32-bit whole number. */
export function drawSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
