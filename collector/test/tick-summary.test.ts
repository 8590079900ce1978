import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile, summarise } from '../recorder.js';

describe('tick summary', () => {
  it('takes nearest-rank percentiles', () => {
    const lags = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(lags, 50), 50);
    assert.equal(percentile(lags, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 99), 0);
  });
  it('reports ticks, missed ticks and lag', () => {
    assert.deepEqual(summarise([1, 2, 30.04], 2), { ticks: 3, missedTicks: 2, lagP50Ms: 2, lagP99Ms: 30, lagMaxMs: 30 });
  });
});
