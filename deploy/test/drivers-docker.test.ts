import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { createDeployment } from '../drivers/index.js';
import { docker } from '../drivers/engine.js';
import { BROKEN_MODEL_ENV, csvRows, freePort, infer, withDeployment, withPortTaken } from '../testing/flow.js';
import { ensureAppImage } from '../testing/image.js';

const NAME = `llm-test-docker-${process.pid}`;
const exists = (container: string): Promise<boolean> => docker(['inspect', container]).then(() => true, () => false);

describe('docker driver', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  it('docker: runs the image as 1000:1000 with --init, serves /infer on 127.0.0.1, docker-cps the CSV and removes the container', async () => {
    const port = await freePort();
    const deployment = createDeployment('docker', { port, name: NAME });
    await withDeployment('docker', deployment, async (run) => {
      // A stopped container of ours with the same name, as a crashed run leaves it, is replaced.
      await docker(['create', '--name', NAME, '--label', 'llm-deploy-bench.driver=docker', 'llm-inference-image']);
      const target = await deployment.up(run);
      assert.ok(run.lines.some((line) => line.includes(`removing the stopped ${NAME}`)));
      assert.equal(target.host, '127.0.0.1');
      assert.equal(target.port, port);
      assert.equal(typeof target.userlandProxy, 'boolean');
      assert.deepEqual(deployment.collectorArgs(), ['--deployment', 'docker', '--container', NAME]);
      assert.equal(await docker(['inspect', '-f', '{{.Config.User}} {{.HostConfig.Init}}', NAME]), '1000:1000 true');
      assert.deepEqual(await deployment.collectCsv(run), [], 'no request served yet: no CSV, no error');

      const replicas = new Set<string | undefined>();
      for (const text of ['Great acting and a clever plot.', 'A boring mess.']) {
        const answer = await infer(port, text);
        assert.equal(answer.status, 200, answer.body);
        replicas.add(answer.replica);
      }
      const files = await deployment.collectCsv(run);
      assert.equal(files.length, 1);
      const rows = csvRows(files[0]!);
      assert.equal(rows.length, 2);
      assert.deepEqual(new Set(rows.map((r) => r.Replica)), replicas, 'the CSV names the container host name');

      await deployment.down(run);
      assert.equal(await exists(NAME), false, 'container removed');
      await deployment.down(run); // idempotent
    });
  });

  describe('with bad input', () => {
    it('docker: refuses a port already taken before creating a container', async () => {
      await withPortTaken(async (port) => {
        const deployment = createDeployment('docker', { port, name: NAME });
        await withDeployment('docker-port', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`port ${port} is already taken`));
          assert.equal(await exists(NAME), false);
        });
      });
    });

    it("docker: refuses a container name that is someone else's, and leaves that container alone", async () => {
      const foreign = `${NAME}-foreign`;
      await docker(['create', '--name', foreign, 'llm-inference-image']);
      try {
        const deployment = createDeployment('docker', { port: await freePort(), name: foreign });
        await withDeployment('docker-foreign', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`^Error: docker: a container named ${foreign} already exists and is not ours`));
        });
        assert.equal(await exists(foreign), true, 'down() did not remove what it did not create');
      } finally {
        await docker(['rm', '-f', foreign]);
      }
    });

    it('docker: names a missing image in preflight and in up', async () => {
      const deployment = createDeployment('docker', { port: await freePort(), name: NAME, image: 'llm-no-such-image' });
      await withDeployment('docker-image', deployment, async (run) => {
        assert.match((await deployment.preflight(run)) ?? '', /image llm-no-such-image not found \(build it with/);
        await assert.rejects(deployment.up(run), /^Error: docker: image llm-no-such-image not found/);
        assert.equal(await exists(NAME), false);
      });
    });

    it('docker: reports a service that dies before it is healthy, with its log, and removes the container', async () => {
      const deployment = createDeployment('docker', { port: await freePort(), name: NAME, env: BROKEN_MODEL_ENV });
      await withDeployment('docker-health', deployment, async (run) => {
        await assert.rejects(deployment.up(run), (err: Error) => {
          assert.match(err.message, /^docker: service stopped before it was ready: container exited \(exit code 1\)/);
          assert.match(err.message, /container log: .*no-such-model/);
          return true;
        });
        assert.equal(await exists(NAME), false);
      });
    });
  });
});
