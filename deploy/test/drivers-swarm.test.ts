import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { createDeployment } from '../drivers/index.js';
import { docker, HEALTH_PROBE_SCRIPT } from '../drivers/engine.js';
import { BROKEN_MODEL_ENV, csvRows, freePort, infer, ROOT, withDeployment, withPortTaken } from '../testing/flow.js';
import { ensureAppImage } from '../testing/image.js';

const SERVICE = `llm-test-swarm-${process.pid}`;
const swarmState = (): Promise<string> => docker(['info', '-f', '{{.Swarm.LocalNodeState}}']);
/**
 * The swarm state a run must leave behind: a swarm someone else made stays; none stays none; a swarm our
 * drivers initialised is left once empty (these tests assume no one else runs services meanwhile).
 */
async function expectedSwarmStateAfter(): Promise<string> {
  const state = await swarmState();
  if (state !== 'active') return state;
  const label = await docker(['node', 'inspect', '-f', '{{index .Spec.Labels "llm-deploy-bench.swarm"}}', 'self']);
  return label === 'initialised' ? 'inactive' : 'active';
}
const leftovers = async (): Promise<string> =>
  [
    await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`]),
    await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${SERVICE}-front`]),
    await docker(['network', 'ls', '-q', '--filter', `name=${SERVICE}-net`]),
  ].join('');

describe('swarm driver', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  for (const [name, replicas] of [['swarm-1', 1], ['swarm-3', 3]] as const) {
    it(`docker: ${name} serves /infer on 127.0.0.1 from ${replicas} replica(s), one CSV per replica naming it, and leaves no swarm it made`, async () => {
      const stateAfter = await expectedSwarmStateAfter();
      const port = await freePort();
      const deployment = createDeployment(name, { port, name: SERVICE });
      await withDeployment(name, deployment, async (run) => {
        const target = await deployment.up(run);
        assert.equal(target.host, '127.0.0.1');
        assert.equal(target.port, port);
        assert.match(target.path, new RegExp(`${replicas} replica`));
        assert.deepEqual(deployment.collectorArgs(), ['--deployment', 'swarm', '--service', SERVICE]);

        const served = new Map<string, number>();
        for (let i = 0; i < 3 * replicas; i++) {
          const answer = await infer(port, `Review number ${i}: a fine film.`);
          assert.equal(answer.status, 200, answer.body);
          served.set(answer.replica!, (served.get(answer.replica!) ?? 0) + 1);
        }
        assert.equal(served.size, replicas, 'every replica served requests');

        const files = await deployment.collectCsv(run);
        assert.equal(files.length, replicas);
        const rows = files.flatMap((f) => csvRows(f));
        assert.equal(rows.length, 3 * replicas);
        const perReplica = new Map<string, number>();
        for (const row of rows) perReplica.set(row.Replica!, (perReplica.get(row.Replica!) ?? 0) + 1);
        assert.deepEqual(perReplica, served, 'the CSV rows name the replica that answered');

        await deployment.down(run);
        assert.equal(await leftovers(), '', 'no container or network left');
        assert.equal(await swarmState(), stateAfter);
      });
    });
  }

  it('docker: down() during up() (Ctrl-C) makes up() give up at once, and a second down() leaves nothing', async () => {
    const stateAfter = await expectedSwarmStateAfter();
    const deployment = createDeployment('swarm-3', { port: await freePort(), name: SERVICE });
    await withDeployment('swarm-interrupt', deployment, async (run) => {
      const starting = deployment.up(run);
      starting.catch(() => undefined);
      // Interrupt once the app service exists, while up() waits for the replicas.
      while (!(await docker(['service', 'inspect', SERVICE]).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 200));
      await deployment.down(run);
      await assert.rejects(starting, /down\(\) was called while starting/);
      await deployment.down(run);
      assert.equal(await leftovers(), '');
      assert.equal(await swarmState(), stateAfter);
    });
  });

  describe('with bad input', () => {
    it('docker: refuses a port already taken without touching the swarm', async () => {
      const stateBefore = await swarmState();
      await withPortTaken(async (port) => {
        const deployment = createDeployment('swarm-3', { port, name: SERVICE });
        await withDeployment('swarm-port', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`^Error: port ${port} is already taken`));
          assert.equal(await swarmState(), stateBefore);
        });
      });
    });

    it('docker: names a missing image without touching the swarm', async () => {
      const stateBefore = await swarmState();
      const deployment = createDeployment('swarm-3', { port: await freePort(), name: SERVICE, image: 'llm-no-such-image' });
      await withDeployment('swarm-image', deployment, async (run) => {
        await assert.rejects(deployment.up(run), /^Error: swarm-3: image llm-no-such-image not found/);
        assert.equal(await swarmState(), stateBefore);
      });
    });

    it('docker: reports failing replicas with the task error and service log, and removes everything', async () => {
      const stateAfter = await expectedSwarmStateAfter();
      const deployment = createDeployment('swarm-1', { port: await freePort(), name: SERVICE, env: BROKEN_MODEL_ENV });
      await withDeployment('swarm-health', deployment, async (run) => {
        await assert.rejects(deployment.up(run), /^Error: swarm-1: service stopped before it was ready: task .* failed: .*— service log: .*no-such-model/);
        assert.equal(await leftovers(), '');
        assert.equal(await swarmState(), stateAfter);
      });
    });
  });

  describe('stack file for users', () => {
    it('docker: deploy/swarm/stack.yml is valid for docker stack deploy, with the per-slot CSV and host-mode front', async () => {
      const config = await docker(['stack', 'config', '-c', `${ROOT}/deploy/swarm/stack.yml`]);
      assert.match(config, /METRICS_LOG_FILE: \/app\/csv\/replica-\{\{\.Task\.Slot\}\}\.csv/);
      assert.match(config, /endpoint_mode: dnsrr/);
      assert.match(config, /mode: host\n\s+target: 8080\n\s+published: 8080/);
      assert.match(config, /image: llm-inference-image\n/);
      assert.ok(config.includes(`- ${HEALTH_PROBE_SCRIPT}\n`), 'the health check reaches the service with the file\'s $$ as the shell\'s $');
      const pushed = await docker(['stack', 'config', '-c', `${ROOT}/deploy/swarm/stack.yml`], { env: { LLM_IMAGE: '127.0.0.1:5001/llm-inference-image:v1' } });
      assert.match(pushed, /image: 127\.0\.0\.1:5001\/llm-inference-image:v1\n/, 'LLM_IMAGE picks the image');
    });
  });
});
