// MODEL_SESSIONS: several model threads, a call to the one with the fewest pending, lost once as a whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelOptionsFrom } from '../model.js';
import { postInfer, readCsvFile, startTestService, testConfig } from '../testing/harness.js';
import { loadClassifierPool } from '../worker-classifier.js';

const options = (env: Record<string, string> = {}) => modelOptionsFrom(testConfig('/tmp', env));
const ECHO = new URL('../testing/echo-worker.js', import.meta.url);
const DYING = new URL('../testing/dying-worker.js', import.meta.url);
const thread = async (p: Promise<{ predictions: { label: string }[] }>): Promise<string> => (await p).predictions[0]!.label;

describe('model sessions (MODEL_SESSIONS)', () => {
  it('sends calls in flight together to different threads, and the next to the one with the fewest pending', async () => {
    const pool = await loadClassifierPool(options(), 2, { workerUrl: ECHO });
    try {
      assert.match(pool.source, /×2 sessions$/);
      const slow = pool.classify(['300']);
      const fast = pool.classify(['20']);
      const [a, b] = [await thread(fast), await thread(slow)];
      assert.notEqual(a, b);
      // `slow` (300 ms) is still pending on its thread: a new call goes to the other one.
      const again = pool.classify(['400']);
      const third = pool.classify(['10']);
      assert.notEqual(await thread(third), await thread(again));
    } finally {
      await pool.dispose();
    }
  });

  it('reports a lost model once when its threads die, and fails the calls', async () => {
    const lost: Error[] = [];
    const pool = await loadClassifierPool(options(), 2, { workerUrl: DYING, onLost: (err) => lost.push(err) });
    // Both calls are awaited at once: the second thread may die before the first call is looked at.
    await Promise.all([pool.classify(['a']), pool.classify(['b'])].map((call) => assert.rejects(call, /model thread exited \(code 3\)/)));
    assert.equal(lost.length, 1);
  });

  it('fails the load as a whole when one thread cannot load, and reports no lost model', async () => {
    const lost: Error[] = [];
    await assert.rejects(
      loadClassifierPool(options({ MODEL_ID: 'die-while-loading' }), 3, { workerUrl: DYING, onLost: (err) => lost.push(err) }),
      /model thread exited \(code 4\)/,
    );
    assert.deepEqual(lost, []);
  });

  it('serves the real model with two sessions: 40 concurrent requests answered and logged 1:1', async () => {
    const info: string[] = [];
    const t = await startTestService({ MODEL_SESSIONS: '2' }, { info: (line) => info.push(line) });
    try {
      assert.match(info.join('\n'), /ready in .* ×2 sessions/);
      const texts = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `A wonderful film, number ${i}.` : `A dull and boring mess, number ${i}.`));
      const answers = await Promise.all(texts.map(async (text) => {
        const res = await postInfer(t.url, { text }, { headers: { Accept: 'application/json' } });
        assert.equal(res.status, 200);
        return (await res.json()) as { prediction: string; text: string };
      }));
      assert.deepEqual(answers.map((a) => a.prediction), texts.map((_, i) => (i % 2 === 0 ? 'POSITIVE' : 'NEGATIVE')));
      const rows = await readCsvFile(t.csvFile);
      assert.deepEqual(rows.map((r) => r['Input Text']).sort(), [...texts].sort());
    } finally {
      await t.stop();
    }
  });
});
