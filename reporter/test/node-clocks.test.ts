// The per-node section's clock check: a table of each node's offsets and a warning for an offset beyond
// the sampling interval (pure: run.json's nodeClocks in, report blocks out).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeClock } from '../../contracts/run-record.js';
import { clockBlocks, clockWarnings, type ClockedRun } from '../node-clocks.js';

const clock = (node: string, at: NodeClock['at'], offsetMs: number, uncertaintyMs = 1.5): NodeClock => ({ node, at, offsetMs, uncertaintyMs, measuredAtMs: 0 });

describe('node clocks in the report', () => {
  const shared: ClockedRun = { label: 'swarm-3@r1', intervalMs: 1000, clocks: [clock('n-1', 'start', 0.2), clock('n-2', 'start', -0.4), clock('n-1', 'end', 0.1), clock('n-2', 'end', 0.3)] };

  it('shows each node\'s offset at the start and the end, and says when all are within the interval', () => {
    const blocks = clockBlocks([shared]);
    const table = blocks.find((b) => b.kind === 'table');
    assert.deepEqual(table?.kind === 'table' && table.rows, [['swarm-3@r1', 'n-1', '+0.20 ± 1.50', '+0.10 ± 1.50'], ['swarm-3@r1', 'n-2', '−0.40 ± 1.50', '+0.30 ± 1.50']]);
    assert.ok(blocks.some((b) => b.kind === 'paragraph' && b.text === 'Every offset is within the sampling interval.'));
    assert.deepEqual(clockWarnings([shared]), []);
  });

  it('warns for an offset larger than the sampling interval, naming the node, and for a reading too coarse to tell', () => {
    const drifted: ClockedRun = { label: 'swarm-3@r2', intervalMs: 1000, clocks: [clock('n-1', 'start', 3), clock('n-3', 'end', -1250), clock('n-2', 'end', 40, 1400)] };
    const warnings = clockWarnings([shared, drifted]);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /^\*\*Warning\*\* swarm-3@r2, n-3 at the end: clock −1250.00 ms \(± 1.50\) from the host's, more than the sampling interval \(1000 ms\)/);
    assert.match(warnings[1]!, /swarm-3@r2, n-2 at the end: .*too long to tell/);
    const blocks = clockBlocks([drifted]);
    assert.ok(blocks.some((b) => b.kind === 'list' && b.items.length === 2));
    assert.ok(!blocks.some((b) => b.kind === 'paragraph' && b.text.startsWith('Every offset')));
  });

  it('says so when a run spanning nodes recorded no readings', () => {
    const blocks = clockBlocks([{ label: 'swarm-3', intervalMs: 1000, clocks: [] }]);
    assert.ok(!blocks.some((b) => b.kind === 'table'));
    assert.ok(blocks.some((b) => b.kind === 'paragraph' && /No clock readings for swarm-3 \(run.json nodeClocks empty\)/.test(b.text)));
  });
});
