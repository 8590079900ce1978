import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeployment } from '../drivers/index.js';
import { BROKEN_MODEL_ENV, csvRows, freePort, infer, isAlive, withDeployment, withPortTaken } from '../testing/flow.js';

describe('native driver', () => {
  it('starts the service on 127.0.0.1, answers /infer, writes the CSV into <runDir>/service/ and stops it', async () => {
    const port = await freePort();
    const deployment = createDeployment('native', { port });
    await withDeployment('native', deployment, async (run) => {
      assert.equal(await deployment.preflight(run), undefined);
      const target = await deployment.up(run);
      assert.deepEqual(target, { host: '127.0.0.1', port, userlandProxy: null, path: 'loopback, no container' });
      const args = deployment.collectorArgs();
      assert.deepEqual(args.slice(0, 3), ['--deployment', 'native', '--pid']);
      const pid = Number(args[3]);
      assert.ok(isAlive(pid), 'the service process runs');

      const texts = ['A wonderful, moving film.', 'Dull and far too long.', 'I loved every minute'];
      for (const text of texts) {
        const answer = await infer(port, text);
        assert.equal(answer.status, 200, answer.body);
      }
      await deployment.down(run);
      assert.ok(!isAlive(pid), 'the service process is gone after down()');

      const files = await deployment.collectCsv(run);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /service\/native\.csv$/);
      assert.deepEqual(csvRows(files[0]!).map((r) => r['Input Text']), texts);
    });
  });

  describe('with bad input', () => {
    it('refuses a port already taken, naming it, and starts nothing', async () => {
      await withPortTaken(async (port) => {
        const deployment = createDeployment('native', { port });
        await withDeployment('native-port', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`port ${port} is already taken`));
          assert.throws(() => deployment.collectorArgs(), /before up/);
          await deployment.down(run); // idempotent after a failed up
        });
      });
    });

    it("stops with the service's own reason when it cannot become healthy, leaving no process", async () => {
      const port = await freePort();
      const deployment = createDeployment('native', { port, env: BROKEN_MODEL_ENV, healthTimeoutMs: 60_000 });
      await withDeployment('native-health', deployment, async (run) => {
        await assert.rejects(deployment.up(run), (err: Error) => {
          assert.match(err.message, /^native: service stopped before it was ready: exit 1/);
          assert.match(err.message, /no-such-model/);
          return true;
        });
        await assert.rejects(infer(port, 'anyone there?'), /ECONNREFUSED/);
      });
    });

    it('gives up after healthTimeoutMs when /health never says ready, and stops the process', async () => {
      const port = await freePort();
      const deployment = createDeployment('native', { port, healthTimeoutMs: 1 });
      await withDeployment('native-timeout', deployment, async (run) => {
        await assert.rejects(deployment.up(run), new RegExp(`^Error: native: health check failed: 127\\.0\\.0\\.1:${port}/health not ready after 0 s`));
        await assert.rejects(infer(port, 'still there?'), /ECONNREFUSED/);
      });
    });
  });
});
