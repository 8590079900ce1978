import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { pollUntil } from '../../common/poll.js';
import { requireDocker } from '../../test-support/docker.js';
import { createDeployment } from '../drivers/index.js';
import { docker, HEALTH_PROBE_SCRIPT } from '../drivers/engine.js';
import { BROKEN_MODEL_ENV, csvRows, freePort, infer, withDeployment, withPortTaken } from '../testing/flow.js';
import { ensureAppImage } from '../testing/image.js';

const PROJECT = `llm-test-compose-${process.pid}`;
const projectContainers = (): Promise<string> => docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`]);

describe('compose driver', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  it('docker: brings the project up as 1000:1000 with init and the bash healthcheck passing, serves /infer, and the bind-mounted CSV holds the rows', async () => {
    const port = await freePort();
    const deployment = createDeployment('compose', { port, name: PROJECT, env: { MODEL_DTYPE: 'fp32' } });
    await withDeployment('compose', deployment, async (run) => {
      const target = await deployment.up(run);
      assert.equal(target.port, port);
      assert.equal(typeof target.userlandProxy, 'boolean');
      assert.deepEqual(deployment.collectorArgs(), ['--deployment', 'compose', '--project', PROJECT]);
      const id = (await projectContainers()).split('\n')[0]!;
      assert.equal(await docker(['inspect', '-f', '{{.Config.User}} {{.HostConfig.Init}}', id]), '1000:1000 true');
      // The file's $$ reached the container as the shell's $, and the bash probe passes in the real image.
      assert.deepEqual(JSON.parse(await docker(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', id])), ['CMD', 'bash', '-c', HEALTH_PROBE_SCRIPT]);
      const health = await pollUntil(async () => {
        const status = await docker(['inspect', '-f', '{{.State.Health.Status}}', id]);
        return status === 'healthy' ? status : undefined;
      }, { timeoutMs: 20_000, intervalMs: 250, what: 'the compose container\'s health check' });
      assert.equal(health, 'healthy');
      for (const text of ['An instant classic.', 'Two hours I will never get back.', 'Charming.']) {
        assert.equal((await infer(port, text)).status, 200);
      }
      const files = await deployment.collectCsv(run);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /service\/compose\.csv$/);
      assert.equal(csvRows(files[0]!).length, 3);

      await deployment.down(run);
      assert.equal(await projectContainers(), '', 'no container of the project is left');
    });
  });

  describe('with bad input', () => {
    it('docker: refuses a port already taken before creating anything', async () => {
      await withPortTaken(async (port) => {
        const deployment = createDeployment('compose', { port, name: PROJECT });
        await withDeployment('compose-port', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`^Error: port ${port} is already taken`));
          assert.equal(await projectContainers(), '');
        });
      });
    });

    it('docker: names a missing image before creating anything', async () => {
      const deployment = createDeployment('compose', { port: await freePort(), name: PROJECT, image: 'llm-no-such-image' });
      await withDeployment('compose-image', deployment, async (run) => {
        await assert.rejects(deployment.up(run), /^Error: compose: image llm-no-such-image not found \(build it with "bash deploy\/build-image.sh"\)$/);
        assert.equal(await projectContainers(), '');
      });
    });

    it('docker: reports a failing health check with the service log and removes the project', async () => {
      const deployment = createDeployment('compose', { port: await freePort(), name: PROJECT, env: BROKEN_MODEL_ENV });
      await withDeployment('compose-health', deployment, async (run) => {
        await assert.rejects(deployment.up(run), /^Error: compose: service stopped before it was ready: container exited 1 — service log: .*no-such-model/);
        assert.equal(await projectContainers(), '');
      });
    });
  });
});
