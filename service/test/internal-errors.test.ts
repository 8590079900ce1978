import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postInfer, startTestService, type TestService } from '../testing/harness.js';
import { loadClassifierInWorker } from '../worker-classifier.js';

async function rejectedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^inference_rejected_requests_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('internal failures while answering /infer', () => {
  describe('when the CSV log cannot be written', () => {
    let t: TestService;
    before(async () => {
      // A regular file where the log's folder should be: every append fails, with EEXIST from making the
      // folder (ENOTDIR where the file is opened or stat'ed without that step).
      t = await startTestService({ METRICS_LOG_FILE: 'blocker/metrics.csv' });
      writeFileSync(path.join(t.dir, 'blocker'), 'not a folder');
    });
    after(async () => {
      await t.stop();
    });

    it('answers 500 with the one-line cause, counts it, and keeps serving health', async () => {
      const res = await postInfer(t.url, { text: 'A fine film.' });
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, /^cannot append to the CSV log .*blocker\/metrics\.csv: (EEXIST|ENOTDIR)/);
      assert.doesNotMatch(body.error, /\n/);
      assert.equal(await rejectedCount(t.url, 'log_write_failed'), 1);
      assert.equal((await fetch(`${t.url}/health`)).status, 200);
    });
  });

  describe('when the model call fails', () => {
    let t: TestService;
    before(async () => {
      t = await startTestService(
        {},
        {
          loadModel: (o) =>
            loadClassifierInWorker(o, { workerUrl: new URL('../testing/dying-worker.js', import.meta.url) }),
        },
      );
      await t.svc.modelReady;
    });
    after(async () => {
      await t.stop();
    });

    it('answers 500 naming the model failure and writes no CSV row', async () => {
      const res = await postInfer(t.url, { text: 'A fine film.' });
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'model call failed: model thread exited (code 3)');
      assert.equal(await rejectedCount(t.url, 'model_failed'), 1);
      assert.equal(existsSync(t.csvFile), false);
    });
  });
});
