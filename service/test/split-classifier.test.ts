import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelLoadError, modelOptionsFrom } from '../model.js';
import { loadSplitClassifier } from '../split-classifier.js';
import { testConfig } from '../testing/harness.js';

const options = (env: Record<string, string> = {}) => modelOptionsFrom(testConfig('/tmp', env));
const dyingThread = new URL('../testing/dying-worker.js', import.meta.url);

describe('the model split between the main thread and its own thread', () => {
  describe('with the bundled model', () => {
    it('classifies a lone text and a batch alike', async () => {
      const clf = await loadSplitClassifier(options());
      try {
        assert.match(clf.source, /minibert-sst2, on a worker thread \(lone texts on the main thread\)$/);
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
      const clf = await loadSplitClassifier(options(), { workerUrl: dyingThread, onLost: (err) => lost.push(err) });
      try {
        assert.equal((await clf.classify(['This movie was fantastic!'])).predictions[0]?.label, 'POSITIVE');
        await assert.rejects(clf.classify(['one', 'two']), /model thread exited \(code 3\)/);
        assert.equal(lost.length, 1);
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('with a model that cannot be loaded', () => {
    it('rejects with the ModelLoadError naming the model', async () => {
      await assert.rejects(
        loadSplitClassifier(options({ MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: '0' })),
        (err: unknown) => err instanceof ModelLoadError && /cannot load model "no-such-model"/.test(err.message),
      );
    });
  });

  describe('when the model thread dies while loading', () => {
    it('fails the load', async () => {
      await assert.rejects(
        loadSplitClassifier(options({ MODEL_ID: 'die-while-loading' }), { workerUrl: dyingThread }),
        /model thread exited \(code 4\)|cannot load model "die-while-loading"/,
      );
    });
  });
});
