import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelLoadError, modelOptionsFrom } from '../model.js';
import { testConfig } from '../testing/harness.js';
import { loadClassifierInWorker } from '../worker-classifier.js';

const options = (env: Record<string, string> = {}) => modelOptionsFrom(testConfig('/tmp', env));

describe('the model on its own thread', () => {
  describe('with the bundled model', () => {
    it('classifies a batch, one prediction per text in order, with the model time', async () => {
      const clf = await loadClassifierInWorker(options());
      try {
        assert.match(clf.source, /minibert-sst2, on a worker thread$/);
        const { predictions, modelMs } = await clf.classify([
          'This movie was fantastic!',
          'A dull, lifeless and boring mess.',
        ]);
        assert.deepEqual(predictions.map((p) => p.label), ['POSITIVE', 'NEGATIVE']);
        assert.ok(predictions.every((p) => p.score > 0.5 && p.score <= 1));
        assert.ok(modelMs > 0);
      } finally {
        await clf.dispose();
      }
    });
  });

  describe('with a model that cannot be loaded', () => {
    it('rejects with the same ModelLoadError text as an in-process load', async () => {
      await assert.rejects(
        loadClassifierInWorker(options({ MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: '0' })),
        (err: unknown) => err instanceof ModelLoadError && /cannot load model "no-such-model"/.test(err.message),
      );
    });
  });

  describe('when the thread dies after loading', () => {
    it('fails the pending call and every later one, and reports the loss once', async () => {
      const lost: Error[] = [];
      const clf = await loadClassifierInWorker(options(), {
        workerUrl: new URL('../testing/dying-worker.js', import.meta.url),
        onLost: (err) => lost.push(err),
      });
      await assert.rejects(clf.classify(['anything']), /model thread exited \(code 3\)/);
      await assert.rejects(clf.classify(['again']), /model thread exited/);
      assert.equal(lost.length, 1);
    });
  });

  describe('when the thread dies while loading', () => {
    it('fails the load and does not report a lost model', async () => {
      const lost: Error[] = [];
      await assert.rejects(
        loadClassifierInWorker(options({ MODEL_ID: 'die-while-loading' }), {
          workerUrl: new URL('../testing/dying-worker.js', import.meta.url),
          onLost: (err) => lost.push(err),
        }),
        /model thread exited \(code 4\)/,
      );
      assert.deepEqual(lost, []);
    });
  });

  describe('when disposed', () => {
    it('stops the thread without reporting a loss', async () => {
      const lost: Error[] = [];
      const clf = await loadClassifierInWorker(options(), { onLost: (err) => lost.push(err) });
      await clf.dispose();
      await assert.rejects(clf.classify(['after dispose']), /model thread exited/);
      assert.deepEqual(lost, []);
    });
  });
});
