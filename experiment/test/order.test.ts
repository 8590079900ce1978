import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentOfLabel, repeatLabel } from '../../contracts/deployments.js';
import { parseRunRecord } from '../../contracts/run-record.js';
import { seededRandom as randomSource } from '../../common/random.js';
import { roundOrders, shuffled } from '../order.js';

/** How often each label sits at each position over the rounds: label → counts by position. */
function positions(orders: string[][]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const order of orders) order.forEach((label, p) => {
    const counts = out.get(label) ?? new Array<number>(order.length).fill(0);
    counts[p]!++;
    out.set(label, counts);
  });
  return out;
}

describe('round orders', () => {
  const labels = ['native', 'docker', 'compose'];

  it('puts every label at every position once over as many rounds as labels, each round a different order', () => {
    const orders = roundOrders(labels, 3, 7);
    assert.equal(new Set(orders.map((o) => o.join())).size, 3);
    for (const counts of positions(orders).values()) assert.deepEqual(counts, [1, 1, 1]);
    const six = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3', 'native#2'];
    for (const counts of positions(roundOrders(six, 6, 1)).values()) assert.deepEqual(counts, [1, 1, 1, 1, 1, 1]);
    for (const counts of positions(roundOrders(labels, 6, 3)).values()) assert.deepEqual(counts, [2, 2, 2], 'balanced over whole cycles');
  });

  it('with fewer rounds than labels, spreads each label over the sequence (one early, one middle, one late)', () => {
    const six = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3', 'native#2'];
    for (const [label, counts] of positions(roundOrders(six, 4, 5))) {
      const at = counts.flatMap((n, p) => (n > 0 ? [p] : []));
      assert.equal(at.length, 4, `${label} at four different positions`);
      assert.deepEqual([...new Set(at.map((p) => Math.floor(p / 2)))].sort(), [0, 1, 2], `${label}: ${at}`);
    }
    for (const [label, counts] of positions(roundOrders(six, 3, 11))) {
      const at = counts.flatMap((n, p) => (n > 0 ? [p] : []));
      assert.equal(at.length, 3, `${label} at three different positions`);
      assert.deepEqual(at.map((p) => Math.floor(p / 2)).sort(), [0, 1, 2], `${label}: ${at}`);
    }
  });

  it('is the same for the same seed and differs between seeds', () => {
    assert.deepEqual(roundOrders(labels, 3, 12345), roundOrders(labels, 3, 12345));
    const firsts = new Set(Array.from({ length: 20 }, (_, seed) => roundOrders(labels, 1, seed)[0]!.join()));
    assert.ok(firsts.size >= 4, `20 seeds gave ${firsts.size} different first orders`);
  });

  it('draws uniform numbers in [0, 1) and shuffles without losing anything', () => {
    const random = randomSource(99);
    const draws = Array.from({ length: 10_000 }, random);
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
    assert.deepEqual(shuffled([1, 2, 3, 4, 5], randomSource(1)).sort(), [1, 2, 3, 4, 5]);
  });
});

describe('labels of repeated deployments', () => {
  it('names the k-th repeat <name>#k and maps a label back to its deployment', () => {
    assert.deepEqual([repeatLabel('native', 1), repeatLabel('native', 2), repeatLabel('docker', 3)], ['native', 'native#2', 'docker#3']);
    assert.deepEqual([deploymentOfLabel('native#2'), deploymentOfLabel('swarm-3'), deploymentOfLabel('other')], ['native', 'swarm-3', undefined]);
  });
});

describe('run.json round fields', () => {
  it('reads a file without them as round 1 of 1', () => {
    const r = parseRunRecord('{"label":"native"}', 'run.json');
    assert.deepEqual([r.round, r.rounds, r.position, r.order, r.seed], [1, 1, null, [], null]);
  });
  it('keeps them when written', () => {
    const r = parseRunRecord(JSON.stringify({ label: 'docker', round: 2, rounds: 3, position: 0, order: ['docker', 'native'], seed: 9 }), 'run.json');
    assert.deepEqual([r.round, r.rounds, r.position, r.order, r.seed], [2, 3, 0, ['docker', 'native'], 9]);
    assert.throws(() => parseRunRecord('{"label":"x","round":0}', 'run.json'), /round/);
  });
});
