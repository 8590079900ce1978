import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise } from '../recorder.js';

describe('tick summary', () => {
  it('takes nearest-rank percentiles of the tick lags', () => {
    const lags = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(summarise(lags, 0).lagP50Ms, 50);
    assert.equal(summarise(lags, 0).lagP99Ms, 99);
    assert.equal(summarise([7], 0).lagP99Ms, 7);
    assert.equal(summarise([], 0).lagP99Ms, 0);
  });
  it('reports ticks, missed ticks and lag', () => {
    assert.deepEqual(summarise([1, 2, 30.04], 2), { ticks: 3, missedTicks: 2, lagP50Ms: 2, lagP99Ms: 30, lagMaxMs: 30 });
  });
  it('has zeros, not gaps, when no tick ran', () => {
    assert.deepEqual(summarise([], 0), { ticks: 0, missedTicks: 0, lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0 });
  });
});
