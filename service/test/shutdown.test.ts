import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { postInfer, readCsvFile, suiteTempDir } from '../testing/harness.js';
import { spawnService, waitForPort, waitForReady, type ServiceProcess } from '../testing/process.js';

/** Polls /metrics until `n` requests besides the poll itself are being handled. */
async function waitForInFlight(port: number, n: number): Promise<void> {
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = Number(/^http_requests_in_flight (\S+)$/m.exec(text)?.[1] ?? 0);
    if (gauge >= n + 1) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful shutdown of the service process', () => {
  const tempDir = suiteTempDir('service-shutdown-');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    describe(`on ${signal} with requests in flight`, () => {
      let p: ServiceProcess;
      let port: number;
      let answers: { status: number; requestId: string | null }[];
      let exitCode: number | string;

      before(async () => {
        // A batch wait far longer than the test keeps the requests queued inside the service until the
        // signal lands; shutdown must serve them at once rather than sit out the wait.
        p = spawnService(
          {
            PORT: '0',
            HOST: '127.0.0.1',
            METRICS_LOG_FILE: `${signal}.csv`,
            BATCH_MAX_WAIT_MS: '10000',
            BATCH_MAX_SIZE: '64',
          },
          tempDir(),
        );
        port = await waitForPort(p);
        await waitForReady(port);
        const inFlight = Array.from({ length: 12 }, (_, i) =>
          postInfer(`http://127.0.0.1:${port}`, { text: `request ${i}: a good film` }, {
            headers: { 'X-Request-Id': `${signal}-${i}` },
          }).then(async (res) => {
            await res.text();
            return { status: res.status, requestId: res.headers.get('x-request-id') };
          }),
        );
        await waitForInFlight(port, 12);
        p.child.kill(signal);
        answers = await Promise.all(inFlight);
        exitCode = await p.exited;
      });

      it('answers every in-flight request', () => {
        assert.deepEqual(
          answers.map((a) => a.status),
          Array(12).fill(200),
        );
      });
      it('has a CSV row for every answered request: none lost', async () => {
        const rows = await readCsvFile(path.join(tempDir(), `${signal}.csv`));
        assert.deepEqual(rows.map((r) => r['Request ID']).sort(), answers.map((a) => a.requestId).sort());
      });
      it('exits 0 and says it stopped cleanly', () => {
        assert.equal(exitCode, 0);
        assert.match(p.stdout(), /stopped cleanly, CSV flushed/);
      });
      it('no longer accepts connections', async () => {
        await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
      });
    });
  }

  describe('with an idle keep-alive connection open', () => {
    it('still exits 0 promptly instead of waiting for the client', async () => {
      const p = spawnService({ PORT: '0', HOST: '127.0.0.1', METRICS_LOG_FILE: 'idle.csv' }, tempDir());
      const port = await waitForPort(p);
      await waitForReady(port); // fetch keeps this connection alive in its pool
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    });
  });
});
