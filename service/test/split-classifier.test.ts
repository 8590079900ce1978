import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelLoadError, modelOptionsFrom, type Classifier } from '../model.js';
import { loadSplitClassifier, split } from '../split-classifier.js';
import { testConfig } from '../testing/harness.js';

const options = (env: Record<string, string> = {}) => modelOptionsFrom(testConfig('/tmp', env));
const fast = { loneTextMaxMs: 60_000 }; // every model counts as fast: lone texts on the main thread
const dyingThread = new URL('../testing/dying-worker.js', import.meta.url);

describe('the model split between the main thread and its own thread', () => {
  describe('with the bundled model', () => {
    it('classifies a lone text and a batch alike', async () => {
      const clf = await loadSplitClassifier(options(), fast);
      try {
        assert.match(clf.source, /minibert-sst2, on a worker thread \(lone texts on the main thread: [\d.]+ ms per call\)$/);
        const lone = await clf.classify(['This movie was fantastic!']);
        const batch = await clf.classify(['This movie was fantastic!', 'A dull, lifeless and boring mess.']);
        assert.deepEqual(lone.predictions.map((p) => p.label), ['POSITIVE']);
        assert.deepEqual(batch.predictions.map((p) => p.label), ['POSITIVE', 'NEGATIVE']);
        assert.ok(lone.modelMs > 0 && batch.modelMs > 0);
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('when the model thread dies', () => {
    it('still answers a lone text on the main thread, fails batches, and reports the loss', async () => {
      const lost: Error[] = [];
      const clf = await loadSplitClassifier(options(), { ...fast, workerUrl: dyingThread, onLost: (err) => lost.push(err) });
      try {
        assert.equal((await clf.classify(['This movie was fantastic!'])).predictions[0]?.label, 'POSITIVE');
        await assert.rejects(clf.classify(['one', 'two']), /model thread exited \(code 3\)/);
        assert.equal(lost.length, 1);
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('when a lone call takes longer than LONE_TEXT_MAX_MS', () => {
    it('releases the main-thread session and sends lone texts to the model thread too', async () => {
      // The dying thread shows where a call went: on the main thread a lone text would still be answered.
      const clf = await loadSplitClassifier(options(), { loneTextMaxMs: 0.001, workerUrl: dyingThread });
      try {
        assert.match(clf.source, /\(every call: a lone call takes [\d.]+ ms > LONE_TEXT_MAX_MS=0\.001\)$/);
        await assert.rejects(clf.classify(['This movie was fantastic!']), /model thread exited \(code 3\)/);
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('with LONE_TEXT_MAX_MS=0', () => {
    it('loads the model on its thread only and sends it every call', async () => {
      const clf = await loadSplitClassifier(options(), { loneTextMaxMs: 0 });
      try {
        assert.match(clf.source, /on a worker thread \(every call; LONE_TEXT_MAX_MS=0\)$/);
        assert.equal((await clf.classify(['This movie was fantastic!'])).predictions[0]?.label, 'POSITIVE');
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('when a batch arrives while a lone text computes on the main thread', () => {
    it('starts the batch on the model thread only after the lone call has ended, and queues lone texts there meanwhile', async () => {
      // Stand-ins that record when each call starts; the main-thread one holds its call until released.
      const started: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const stub = (name: string, hold?: Promise<void>): Classifier => ({
        modelId: 'stub',
        dtype: 'q8',
        source: name,
        classify: async (texts) => {
          started.push(`${name}:${texts.join('+')}`);
          await hold;
          return { predictions: texts.map(() => ({ label: 'POSITIVE', score: 1 })), modelMs: 0 };
        },
        dispose: async () => {},
      });
      const clf = split(stub('main', held), stub('thread'), '');
      const lone = clf.classify(['a']);
      const batch = clf.classify(['b', 'c']);
      const second = clf.classify(['d']); // the thread has work now: this one queues there
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.deepEqual(started, ['main:a']);
      release();
      await Promise.all([lone, batch, second]);
      assert.deepEqual(started, ['main:a', 'thread:b+c', 'thread:d']);
      assert.equal((await clf.classify(['e'])).predictions.length, 1);
      assert.equal(started.at(-1), 'main:e', 'idle again: a lone text runs on the main thread');
    });
  });

  describe('with a model that cannot be loaded', () => {
    it('rejects with the ModelLoadError naming the model', async () => {
      await assert.rejects(
        loadSplitClassifier(options({ MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: '0' }), fast),
        (err: unknown) => err instanceof ModelLoadError && /cannot load model "no-such-model"/.test(err.message),
      );
    });
  });

  describe('when the model thread dies while loading', () => {
    it('fails the load', async () => {
      await assert.rejects(
        loadSplitClassifier(options({ MODEL_ID: 'die-while-loading' }), { ...fast, workerUrl: dyingThread }),
        /model thread exited \(code 4\)|cannot load model "die-while-loading"/,
      );
    });
  });
});
