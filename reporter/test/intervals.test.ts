// The pure pieces behind the verdicts: the t-interval over rounds, the verdict rule, and the paired
// per-round overheads on phase summaries made by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PhaseSummary } from '../../contracts/summary.js';
import { acrossRounds, verdictOf } from '../rounds.js';
import { meanInterval, tQuantile975 } from '../stats.js';

const close = (a: number | undefined, b: number, what: string): void => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

describe('t-interval over rounds', () => {
  it('is mean ± t(n−1) · s/√n', () => {
    const ci = meanInterval([1, 2, 3])!;
    close(ci.estimate, 2, 'mean');
    close(ci.high! - ci.estimate, 4.303 * 1 / Math.sqrt(3), 'half width (s = 1, t(2) = 4.303)');
    close(ci.estimate - ci.low!, ci.high! - ci.estimate, 'symmetric');
  });
  it('gives one value no interval, never a zero-width one', () => {
    assert.deepEqual(meanInterval([0.3]), { estimate: 0.3 });
    assert.equal(meanInterval([]), undefined);
  });
  it('uses Student\'s quantiles: wide with few rounds, near 1.96 with many', () => {
    assert.equal(tQuantile975(1), 12.706);
    assert.equal(tQuantile975(4), 2.776);
    assert.ok(Math.abs(tQuantile975(120) - 1.98) < 0.001);
    assert.throws(() => tQuantile975(0), RangeError);
  });
});

describe('the verdict rule', () => {
  it('decides nothing from one round', () => {
    assert.equal(verdictOf({ estimate: 5 }, null, 1).verdict, 'not decided');
  });
  it('calls an interval containing 0 noise, one excluding 0 a real difference', () => {
    assert.equal(verdictOf({ estimate: 0.1, low: -0.1, high: 0.3 }, null, 3).verdict, 'noise');
    assert.equal(verdictOf({ estimate: -0.4, low: -0.6, high: -0.2 }, null, 3).verdict, 'real difference');
  });
  it('also requires the interval to lie outside the A/A interval', () => {
    const aa = { estimate: 0, low: -0.3, high: 0.3 };
    assert.equal(verdictOf({ estimate: 0.4, low: 0.2, high: 0.6 }, aa, 3).verdict, 'noise');
    assert.equal(verdictOf({ estimate: 0.6, low: 0.4, high: 0.8 }, aa, 3).verdict, 'real difference');
  });
});

/** A phase summary with just the figures rounds.ts reads. */
function phase(label: string, p50: number): PhaseSummary {
  return {
    label, deployment: 'docker', phase: 'sequential', startMs: 0, endMs: 1, concurrency: 1, rateRps: null, requests: 10, ok: 10, errors: 0,
    reqPerSec: 10, client: { count: 10, p50 }, server: { count: 0 }, replicaShares: {}, samples: 0, missedSamples: 0, cpu: {}, memBytes: {}, memPercent: {},
  };
}

describe('overheads paired by round', () => {
  const runs = ['native', 'slow', 'same'].flatMap((group) => [1, 2, 3].map((round) => ({ label: `${group}@r${round}`, group, round, deployment: group === 'native' ? 'native' : 'docker' })));
  /** Round r is slower overall by r ms (a drift shared by every deployment of that round). */
  const p50 = (group: string, round: number, position: number): number => 2 + round + (group === 'slow' ? 1 : 0) + position * 0.5;

  it('takes each round\'s difference, so a drift shared within a round cancels', () => {
    const phases = runs.map((r) => phase(r.label, p50(r.group, r.round, 0)));
    const across = acrossRounds(runs, phases);
    const slow = across.comparisons.find((c) => c.label === 'slow' && c.metric === 'p50')!;
    assert.deepEqual(slow.perRound.map((v) => v.value), [1, 1, 1]);
    assert.deepEqual([slow.diff.low, slow.diff.high], [1, 1]);
    assert.equal(slow.verdict, 'real difference');
    const figure = across.figures.find((f) => f.label === 'slow' && f.metric === 'p50')!;
    assert.deepEqual(figure.perRound.map((v) => v.value), [4, 5, 6]);
  });

  it('with a fixed order, a position effect alone reads as a real difference; rotating the order makes it noise', () => {
    const groups = ['native', 'slow', 'same'];
    const verdictOfSame = (position: (index: number, round: number) => number): string => {
      const phases = runs.map((r) => phase(r.label, p50(r.group, r.round, position(groups.indexOf(r.group), r.round))));
      return acrossRounds(runs, phases).comparisons.find((c) => c.label === 'same' && c.metric === 'p50')!.verdict;
    };
    assert.equal(verdictOfSame((index) => index), 'real difference');
    assert.equal(verdictOfSame((index, round) => (index + round) % 3), 'noise');
  });
});
