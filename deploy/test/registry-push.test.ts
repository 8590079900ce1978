import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../../common/run-command.js';
import { requireDocker } from '../../test-support/docker.js';
import { createDeployment } from '../drivers/index.js';
import { docker } from '../drivers/engine.js';
import { inspectImage } from '../drivers/image.js';
import { freePort, infer, ROOT, withDeployment } from '../testing/flow.js';
import { ensureAppImage } from '../testing/image.js';
import { startLocalRegistry, type LocalRegistry } from '../testing/registry.js';

const PROJECT = `llm-test-registry-${process.pid}`;
const pushImage = (...args: string[]) => runCommand('sh', [join(ROOT, 'deploy/push-image.sh'), ...args], { cwd: ROOT, timeoutMs: 300_000 });
const projectContainers = (): Promise<string> => docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
const imageExists = async (ref: string): Promise<boolean> => (await runCommand('docker', ['image', 'inspect', ref])).code === 0;

describe('the image in a registry', () => {
  let registry: LocalRegistry | undefined;
  /** What push-image.sh printed: REGISTRY/NAME@sha256:… */
  let pushed = '';

  before(async () => {
    await requireDocker();
    await ensureAppImage();
    registry = await startLocalRegistry();
  });

  after(async () => {
    // The references this test made; the image itself stays as llm-inference-image.
    if (pushed) await runCommand('docker', ['image', 'rm', pushed]);
    await registry?.stop();
  });

  it('docker: push-image.sh pushes llm-inference-image and prints REGISTRY/NAME@digest', async () => {
    const tagged = `${registry!.address}/llm-inference-image:test`;
    const r = await pushImage(tagged);
    assert.equal(r.code, 0, r.stderr);
    pushed = r.stdout.trim();
    assert.match(pushed, new RegExp(`^${registry!.address.replace(/\./g, '\\.')}/llm-inference-image@sha256:[0-9a-f]{64}$`));
    await docker(['image', 'rm', tagged]);
    assert.equal(await imageExists(pushed), false, 'nothing local answers to the pushed reference any more');
  });

  it('docker: compose pulls the pushed reference, serves /infer from it, and the image info holds its digest', async () => {
    assert.ok(pushed, 'the push test ran first');
    const deployment = createDeployment('compose', { port: await freePort(), name: PROJECT, image: pushed });
    await withDeployment('registry', deployment, async (run) => {
      const target = await deployment.up(run);
      assert.ok(run.lines.includes(`compose: docker pull ${pushed}`), run.lines.join('\n'));
      assert.equal((await infer(target.port, 'A registry-fresh film.')).status, 200);
      const id = (await projectContainers()).split('\n')[0]!;
      assert.equal(await docker(['inspect', '-f', '{{.Config.Image}}', id]), pushed);
      const repoDigests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', pushed])) as string[];
      assert.ok(repoDigests.includes(pushed), `RepoDigests ${JSON.stringify(repoDigests)} hold ${pushed}`);
      const info = await inspectImage(pushed);
      assert.equal(info?.ref, pushed);
      assert.equal(info?.digest, pushed.slice(pushed.indexOf('@') + 1));
      await deployment.down(run);
      assert.equal(await projectContainers(), '', 'no container of the project is left');
    });
  });

  describe('with bad input', () => {
    it('docker: compose names the image and the registry\'s answer when the pull fails, before creating anything', async () => {
      const missing = `${registry!.address}/llm-inference-image:no-such-tag`;
      const deployment = createDeployment('compose', { port: await freePort(), name: PROJECT, image: missing });
      await withDeployment('registry-missing', deployment, async (run) => {
        const escaped = missing.replace(/[.]/g, '\\.');
        await assert.rejects(
          deployment.up(run),
          new RegExp(`^Error: compose: cannot pull ${escaped} from ${registry!.address.replace(/\./g, '\\.')}: .*manifest unknown`),
        );
        assert.equal(await projectContainers(), '');
      });
    });

    it("registry.sh refuses port 5000, the service's", async () => {
      const r = await runCommand('sh', [join(ROOT, 'deploy/registry.sh'), '5000', '/nonexistent'], { timeoutMs: 10_000 });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /port 5000 is the inference service's/);
    });

    it('push-image.sh refuses a name without a registry part, naming the value', async () => {
      const r = await pushImage('llm-inference-image:v1');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /expected REGISTRY\/NAME\[:TAG\].*got 'llm-inference-image:v1'/);
    });
  });
});
