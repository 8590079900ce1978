import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadClassifier, modelOptionsFrom, type Classifier } from '../model.js';
import { postInfer, startTestService, testConfig, type TestService } from '../testing/harness.js';

describe('while the model is loading', () => {
  let t: TestService;
  let finishLoading: (c: Classifier) => void;
  before(async () => {
    // A loader that finishes only when the test says so, so the service stays in its loading state.
    t = await startTestService({}, { loadModel: () => new Promise<Classifier>((resolve) => (finishLoading = resolve)) });
  });
  after(async () => {
    await t.stop();
  });

  describe('GET /health', () => {
    it('answers 503 with ready false, the model id and dtype', async () => {
      const res = await fetch(`${t.url}/health`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body['ready'], false);
      assert.equal(body['status'], 'loading');
      assert.equal(body['modelId'], 'minibert-sst2');
      assert.equal(body['dtype'], 'q8');
      assert.equal(body['replica'], 'test-replica');
    });
  });

  describe('POST /infer', () => {
    it('answers 503 with a JSON error and Retry-After, and logs nothing', async () => {
      const res = await postInfer(t.url, { text: 'too early' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      const body = (await res.json()) as { error: string };
      assert.match(body.error, /not ready \(loading\)/);
      assert.equal(existsSync(t.csvFile), false);
    });
  });

  describe('GET /metrics', () => {
    it('reports the model as not ready', async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(text, /^inference_model_ready 0$/m);
    });
  });

  describe('once the model has loaded', () => {
    it('answers /health 200 with status ok and /infer 200', async () => {
      finishLoading(await loadClassifier(modelOptionsFrom(testConfig(t.dir, { ALLOW_REMOTE_MODELS: '0' }))));
      await t.svc.modelReady;
      const health = await fetch(`${t.url}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as Record<string, unknown>;
      assert.equal(body['status'], 'ok');
      assert.equal(body['ready'], true);
      assert.equal(body['pid'], process.pid);
      assert.ok(typeof body['uptimeSeconds'] === 'number');
      const res = await postInfer(t.url, { text: 'now' });
      assert.equal(res.status, 200);
      await res.text();
    });
  });
});
