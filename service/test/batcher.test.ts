import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher, pickBatch } from '../batcher.js';

type Run = (xs: string[]) => Promise<{ outputs: string[]; latencyMs: number }>;

/** A runner that records the batches it saw and answers each input with its upper-case form. */
function recorder(delayMs = 0): { batches: string[][]; run: Run } {
  const batches: string[][] = [];
  return {
    batches,
    run: async (xs) => {
      batches.push(xs);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return { outputs: xs.map((x) => x.toUpperCase()), latencyMs: 1.5 * xs.length };
    },
  };
}

/** A runner that answers each input with itself. */
const echo: Run = async (xs) => ({ outputs: xs, latencyMs: 0 });

/**
 * A runner whose first call holds "the model" until the test calls release(), so the test can queue
 * items behind a running call. firstStarted resolves when that first call has begun.
 */
function gatedRunner(): { batches: string[][]; run: Run; firstStarted: Promise<void>; release: () => void } {
  const batches: string[][] = [];
  let started!: () => void;
  const firstStarted = new Promise<void>((r) => (started = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const run: Run = async (xs) => {
    batches.push(xs);
    started();
    if (batches.length === 1) await gate;
    return { outputs: xs, latencyMs: 0 };
  };
  return { batches, run, firstStarted, release };
}

describe('micro-batcher', () => {
  describe('when several items arrive in the same event-loop turn', () => {
    it('serves them in one call, each with its own output, in order', async () => {
      const r = recorder();
      const b = new MicroBatcher(r.run, { maxBatchSize: 8, maxWaitMs: 0 });
      const results = await Promise.all(['a', 'b', 'c'].map((x) => b.submit(x)));
      assert.deepEqual(r.batches, [['a', 'b', 'c']]);
      assert.deepEqual(results.map((x) => x.output), ['A', 'B', 'C']);
      assert.ok(results.every((x) => x.batchSize === 3 && x.batchLatencyMs === 4.5), 'the runner-measured time');
    });
  });

  describe('when more items arrive than the max batch size', () => {
    it('splits them into batches of at most that size', async () => {
      const r = recorder();
      const b = new MicroBatcher(r.run, { maxBatchSize: 2, maxWaitMs: 0 });
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => b.submit(x)));
      assert.deepEqual(r.batches, [['a', 'b'], ['c', 'd'], ['e']]);
    });
  });

  describe('when items arrive while a call is running', () => {
    it('runs one call at a time and batches the items that queued meanwhile', async () => {
      const { batches, run, firstStarted, release } = gatedRunner();
      const b = new MicroBatcher(run, { maxBatchSize: 8, maxWaitMs: 0 });
      const first = b.submit('a');
      await firstStarted;
      const later = ['b', 'c', 'd'].map((x) => b.submit(x));
      // Several loop turns with items waiting: still no second call while the first one runs.
      for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
      assert.deepEqual(batches, [['a']]);
      release();
      await Promise.all([first, ...later]);
      assert.deepEqual(batches, [['a'], ['b', 'c', 'd']]);
    });
  });

  describe('with a max wait', () => {
    it('holds a lone item until company arrives within the wait', async () => {
      const r = recorder();
      const b = new MicroBatcher(r.run, { maxBatchSize: 8, maxWaitMs: 500 });
      const first = b.submit('a');
      // Two loop turns: without a wait, 'a' would already have gone to the model alone.
      await new Promise((res) => setImmediate(res));
      await new Promise((res) => setImmediate(res));
      const second = b.submit('b');
      await Promise.all([first, second]);
      assert.deepEqual(r.batches, [['a', 'b']]);
    });
    it('does not wait once the batch is full', async () => {
      const r = recorder();
      const b = new MicroBatcher(r.run, { maxBatchSize: 2, maxWaitMs: 60_000 });
      const results = await Promise.all([b.submit('a'), b.submit('b')]);
      assert.deepEqual(r.batches, [['a', 'b']]);
      assert.equal(results.length, 2);
    });
  });

  describe('choosing a batch by size (pickBatch)', () => {
    it('takes everything, in order, when it fits', () => {
      assert.deepEqual(pickBatch([50, 3, 900], 3), [0, 1, 2]);
    });
    it('takes the oldest plus those closest to it in size when it does not', () => {
      assert.deepEqual(pickBatch([10, 500, 12, 480, 9, 11], 3), [0, 4, 5]);
    });
    it('breaks ties by age', () => {
      assert.deepEqual(pickBatch([10, 20, 0, 20], 2), [0, 1]);
    });
  });

  describe('with sizes, when more items wait than fit', () => {
    it('batches the oldest with its nearest sizes and serves the rest next, none starving', async () => {
      const { batches, run, firstStarted, release } = gatedRunner();
      const b = new MicroBatcher(run, { maxBatchSize: 2, maxWaitMs: 0, sizeOf: (x) => x.length });
      const first = b.submit('busy');
      await firstStarted;
      const later = ['aaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddd', 'e'].map((x) => b.submit(x));
      release();
      const results = await Promise.all([first, ...later]);
      assert.deepEqual(batches, [['busy'], ['aaaa', 'dddd'], ['bbbbbbbbbbbb', 'cccccccccccc'], ['e']]);
      assert.deepEqual(results.map((r) => r.output), ['busy', 'aaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddd', 'e']);
    });
  });

  describe('hurry (at shutdown)', () => {
    it('dispatches a waiting item at once and stops waiting for later ones', async () => {
      const r = recorder();
      const b = new MicroBatcher(r.run, { maxBatchSize: 8, maxWaitMs: 60_000 });
      const first = b.submit('a');
      b.hurry();
      await first;
      await b.submit('b');
      assert.deepEqual(r.batches, [['a'], ['b']]);
    });
  });

  describe('when the model call fails', () => {
    it('rejects every item of that batch and keeps serving later ones', async () => {
      let fail = true;
      const b = new MicroBatcher(
        async (xs: string[]) => {
          if (fail) throw new Error('boom');
          return echo(xs);
        },
        { maxBatchSize: 8, maxWaitMs: 0 },
      );
      const failed = await Promise.allSettled([b.submit('a'), b.submit('b')]);
      assert.deepEqual(failed.map((x) => x.status), ['rejected', 'rejected']);
      fail = false;
      assert.equal((await b.submit('c')).output, 'c');
    });
    it('rejects when the call returns the wrong number of outputs', async () => {
      const b = new MicroBatcher(async () => ({ outputs: ['only one'], latencyMs: 0 }), { maxBatchSize: 8, maxWaitMs: 0 });
      const settled = await Promise.allSettled([b.submit('a'), b.submit('b')]);
      assert.ok(settled.every((x) => x.status === 'rejected'));
    });
  });

  describe('with maxInFlight 2 (a model that runs its calls in turn)', () => {
    it('hands over a full batch while a call runs, but keeps a partial one until a call ends', async () => {
      const { batches, run, firstStarted, release } = gatedRunner();
      const b = new MicroBatcher(run, { maxBatchSize: 2, maxWaitMs: 0, maxInFlight: 2 });
      const first = b.submit('a');
      await firstStarted;
      const full = [b.submit('b'), b.submit('c')];
      const partial = b.submit('d');
      for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
      assert.deepEqual(batches, [['a'], ['b', 'c']], 'the full batch went, the lone item waits');
      release();
      await Promise.all([first, ...full, partial]);
      assert.deepEqual(batches, [['a'], ['b', 'c'], ['d']]);
    });
    it('never has more than two calls in flight', async () => {
      // Every call holds until the test releases the calls started so far.
      const batches: string[][] = [];
      const gates: (() => void)[] = [];
      const run: Run = async (xs) => {
        batches.push(xs);
        await new Promise<void>((r) => gates.push(r));
        return { outputs: xs, latencyMs: 0 };
      };
      const turns = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
      };
      const b = new MicroBatcher(run, { maxBatchSize: 1, maxWaitMs: 0, maxInFlight: 2 });
      const all = Promise.all(['a', 'b', 'c', 'd'].map((x) => b.submit(x)));
      await turns();
      assert.deepEqual(batches, [['a'], ['b']]);
      gates.shift()!(); // 'a' ends: 'c' may go
      await turns();
      assert.deepEqual(batches, [['a'], ['b'], ['c']]);
      while (batches.length < 4 || gates.length > 0) {
        gates.shift()?.();
        await turns();
      }
      await all;
      assert.deepEqual(batches, [['a'], ['b'], ['c'], ['d']]);
    });
  });

  describe('drain', () => {
    it('resolves only after every submitted item is answered', async () => {
      const r = recorder(10);
      const b = new MicroBatcher(r.run, { maxBatchSize: 1, maxWaitMs: 0 });
      let answered = 0;
      for (const x of ['a', 'b', 'c']) void b.submit(x).then(() => answered++);
      await b.drain();
      await new Promise((res) => setImmediate(res)); // let the .then callbacks run
      assert.equal(answered, 3);
    });
  });

  describe('options', () => {
    it('refuses a max batch size below 1', () => {
      assert.throws(() => new MicroBatcher(echo, { maxBatchSize: 0, maxWaitMs: 0 }), RangeError);
    });
    it('refuses maxInFlight below 1', () => {
      assert.throws(() => new MicroBatcher(echo, { maxBatchSize: 1, maxWaitMs: 0, maxInFlight: 0 }), RangeError);
    });
  });
});
