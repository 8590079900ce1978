// The pure pieces: nearest-rank percentiles, counter growth across restarts, the seeded bootstrap,
// timestamp and row parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributor, phaseAt } from '../importer.js';
import { parseClientRow, parseServiceRow, parseTimestamp } from '../rows.js';
import { timeZone } from '../time-zone.js';
import { percentileSorted, sortedCopy } from '../../common/percentile.js';
import { bootstrapPercentileDiff, CounterGrowth, describe as distribution, resampledPercentile } from '../stats.js';
import { seededRandom } from '../../common/random.js';

const UTC = timeZone('UTC');

const counterGrowth = (readings: ReadonlyArray<number | null>): number | undefined => {
  const growth = new CounterGrowth();
  readings.forEach((r) => growth.add(r));
  return growth.value;
};

describe('percentiles', () => {
  it('use the nearest rank: the value at rank ceil(p/100 × n)', () => {
    const v = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(percentileSorted(v, 50), 5);
    assert.equal(percentileSorted(v, 90), 9);
    assert.equal(percentileSorted(v, 99), 10);
    assert.equal(percentileSorted(v, 0), 1);
    assert.equal(percentileSorted(new Float64Array(), 50), undefined);
  });
  it('describe() sorts a copy and reports count, mean and max', () => {
    const d = distribution([3, 1, 2]);
    assert.deepEqual([d.count, d.p50, d.mean, d.max], [3, 2, 2, 3]);
  });
});

describe('counter growth', () => {
  it('adds the deltas of a growing counter and skips missed reads', () => {
    assert.equal(counterGrowth([100, null, 150, 175]), 75);
  });
  it('counts the new value after a restart as growth since the restart', () => {
    assert.equal(counterGrowth([100, 150, 20, 50]), 50 + 20 + 30);
  });
  it('is unknown with fewer than two readings', () => {
    assert.equal(counterGrowth([null, 5]), undefined);
  });
});

describe('bootstrap interval of a percentile difference', () => {
  const base = Array.from({ length: 400 }, (_, i) => 5 + (i % 20) * 0.05);
  it('finds a clear shift: the interval excludes 0 and holds the estimate', () => {
    const shifted = base.map((v) => v + 1);
    const ci = bootstrapPercentileDiff(base, shifted, 50)!;
    assert.ok(Math.abs(ci.estimate - 1) < 1e-9);
    assert.ok(ci.low > 0 && ci.low <= ci.estimate && ci.estimate <= ci.high, JSON.stringify(ci));
  });
  it('calls no shift noise: the interval contains 0', () => {
    const ci = bootstrapPercentileDiff(base, [...base].reverse(), 50)!;
    assert.ok(ci.low <= 0 && ci.high >= 0, JSON.stringify(ci));
  });
  it('gives the same interval on every run (seeded)', () => {
    const other = base.map((v, i) => v + (i % 3) * 0.1);
    assert.deepEqual(bootstrapPercentileDiff(base, other, 99), bootstrapPercentileDiff(base, other, 99));
  });
  it('draws resampled percentiles distributed like resampling every request by hand', () => {
    const rnd = seededRandom(3);
    const data = sortedCopy(Array.from({ length: 300 }, () => Math.exp(1 + 0.5 * rnd())));
    const draws = 4000;
    for (const p of [50, 99]) {
      const naive = new Float64Array(draws);
      const fast = new Float64Array(draws);
      const buf = new Float64Array(data.length);
      for (let i = 0; i < draws; i++) {
        for (let j = 0; j < buf.length; j++) buf[j] = data[Math.floor(rnd() * data.length)]!;
        naive[i] = percentileSorted(sortedCopy(buf), p)!;
        fast[i] = resampledPercentile(data, p, rnd);
      }
      naive.sort();
      fast.sort();
      const width = percentileSorted(naive, 97.5)! - percentileSorted(naive, 2.5)!;
      for (const q of [2.5, 50, 97.5]) {
        const gap = Math.abs(percentileSorted(naive, q)! - percentileSorted(fast, q)!);
        assert.ok(gap <= 0.15 * width, `p${p} quantile ${q}: naive ${percentileSorted(naive, q)} vs ${percentileSorted(fast, q)}`);
      }
    }
  });
  it('is undefined when a side has no data', () => {
    assert.equal(bootstrapPercentileDiff([], base, 50), undefined);
  });
});

describe('timestamps', () => {
  it('read ISO 8601 with Z, with an offset, and without a zone in the zone given (here UTC)', () => {
    assert.equal(parseTimestamp('2026-11-23T04:31:16.866Z', UTC)?.ms, Date.UTC(2026, 10, 23, 4, 31, 16, 866));
    assert.equal(parseTimestamp('2026-11-23T05:31:16.866+01:00', UTC)?.ms, Date.UTC(2026, 10, 23, 4, 31, 16, 866));
    assert.ok(Math.abs(parseTimestamp('2025-03-01T00:31:16.866537', UTC)!.ms - (Date.UTC(2025, 2, 1, 0, 31, 16, 866) + 0.537)) < 1e-6);
  });
  it('reject anything else', () => {
    for (const bad of ['yesterday', '2026-13-45T00:00:00Z', '', '1795403159000']) assert.equal(parseTimestamp(bad, UTC), undefined, bad);
  });
});

describe('CSV rows', () => {
  it('undo the service\'s formula guard (one leading apostrophe) in the extended form only', () => {
    const row = (text: string, extended: boolean): string => {
      const cells = ['1', 'POSITIVE', text, '2026-11-23T04:31:16.866Z', '0.9', "'-host", 'id', '1'];
      const r = parseServiceRow(extended ? cells : cells.slice(0, 4), UTC);
      assert.ok(r.ok);
      return r.row.inputText;
    };
    assert.equal(row("'=SUM(A1)", true), '=SUM(A1)');
    assert.equal(row("''tis fine", true), "'tis fine");
    assert.equal(row("'tis the seed", false), "'tis the seed");
  });
  it('read the seed 4-column service row with no replica or request id', () => {
    const r = parseServiceRow(['12.5', 'POSITIVE', 'ok', '2025-03-01T00:31:16.866537'], UTC);
    assert.ok(r.ok);
    assert.deepEqual([r.row.latencyMs, r.row.replica, r.row.requestId, r.row.batchSize], [12.5, null, null, null]);
  });
  it('reject a service row with a bad score, naming the column', () => {
    const r = parseServiceRow(['1', 'POSITIVE', 'ok', '2026-11-23T04:31:16.866Z', 'high', 'h', 'id', '1'], UTC);
    assert.deepEqual(r, { ok: false, reason: 'bad number in Score: "high"' });
  });
  it('read a failed client request: status 0, error code, no server latency', () => {
    const r = parseClientRow(['x', 'open-rate50', '7', 'id7', '1000.5', '1000.6', '6000.5', '5000', '0', 'timeout', '', '', '']);
    assert.ok(r.ok);
    assert.deepEqual([r.row.status, r.row.error, r.row.serverLatencyMs, r.row.latencyMs], [0, 'timeout', null, 5000]);
  });
});

describe('attributing a request to a replica', () => {
  const replicas = [
    { id: 1, hostname: 'abc', first_seen_ms: 0, ended_at_ms: 1000 }, // the container before its restart
    { id: 2, hostname: 'abc', first_seen_ms: 1500, ended_at_ms: null }, // the same host name after it
    { id: 3, hostname: 'def', first_seen_ms: 0, ended_at_ms: null },
  ];
  it('picks the replica row alive at that time when a host name has several', () => {
    const who = new Attributor(replicas, 100);
    assert.deepEqual(who.service('abc', 'r1', 500), [1, 'hostname']);
    assert.deepEqual(who.service('abc', 'r2', 2000), [2, 'hostname']);
  });
  it('gives a client row its service row\'s replica through the request id', () => {
    const who = new Attributor(replicas, 100);
    who.service('def', 'r3', 700);
    assert.deepEqual(who.client('r3', null, 700), [3, 'request-id']);
    assert.deepEqual(who.client('r9', 'abc', 2000), [2, 'hostname']);
  });
  it('leaves a request with no known replica unattributed when there are several, else gives it the only one', () => {
    assert.deepEqual(new Attributor(replicas, 100).service(null, null, 5), [null, null]);
    assert.deepEqual(new Attributor([replicas[2]!], 100).service(null, null, 5), [3, 'only-replica']);
  });
});

describe('load phase of a time', () => {
  it('is the phase whose window holds it, or none', () => {
    const phases = [
      { name: 'warmup', startMs: 0, endMs: 10, concurrency: 1, rateRps: null, requests: 5 },
      { name: 'sequential', startMs: 12, endMs: 20, concurrency: 1, rateRps: null, requests: 5 },
    ];
    assert.equal(phaseAt(phases, 5), 'warmup');
    assert.equal(phaseAt(phases, 20), 'sequential');
    assert.equal(phaseAt(phases, 11), null);
  });
});
