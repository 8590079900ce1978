// `collector start --label <deployment> --detach` with no selection flag, beside the real thing that
// deployment's commands create (tiny busybox stand-ins under the real names), and beside decoys it must
// leave alone: a container of another Compose project and a plain container.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningProcess } from '../../common/start-process.js';
import { runChecked } from '../../common/run-command.js';
import { startProcess } from '../../common/start-process.js';
import { DEFAULT_COMPOSE_PROJECT, DEFAULT_CONTAINER, DEFAULT_SERVICE, NATIVE_PORT } from '../../contracts/deployments.js';
import { composeCommand } from '../../deploy/drivers/compose.js';
import { joinSwarm, leaveSwarmIfOurs } from '../../deploy/drivers/swarm-node.js';
import { requireDocker } from '../../test-support/docker.js';
import { composeProjectName } from '../defaults.js';
import { cli, docker, ensureTestImage, one, query, ROOT, SERVICE_SAMPLES, stopRun, tempDir, TEST_IMAGE, TEST_LABEL, TestContainers, waitFor } from '../testing/helpers.js';

interface Replica {
  name: string;
  pid: number;
  compose_project: string | null;
  swarm_service: string | null;
  swarm_task_slot: number | null;
}

interface Recorded {
  stderr: string;
  deployment: string;
  selection: { queries?: unknown };
  replicas: Replica[];
}

describe('docker: a label naming a deployment watches that deployment\'s default targets', () => {
  const tmp = tempDir('label-defaults');
  const db = join(tmp.dir, 'bench.db');
  const decoys = new TestContainers('dflt');
  const log = (m: string): void => console.error(`[test] ${m}`);

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    const compose = ['--label', 'com.docker.compose.project=lbc-elsewhere', '--label', 'com.docker.compose.container-number=1'];
    await decoys.run(compose, ['sleep', '600']);
    await decoys.run([], ['sleep', '600']);
  });
  after(async () => {
    await decoys.removeAll();
    tmp.cleanup();
  });

  /** A detached start with no selection flag; waits for `replicas` replicas, then stops the run. */
  async function record(label: string, replicas: number): Promise<Recorded> {
    const r = await cli(['start', '--detach', '--label', label, '--db', db, '--interval', '200ms']);
    assert.equal(r.code, 0, r.stderr);
    const runId = Number(r.stdout.trim());
    // decoys and targets all run before the start: its first discovery sees every container it takes
    await waitFor(`${replicas} replicas and a second sample`, () =>
      query(db, `SELECT id FROM replicas WHERE run_id = ? AND role = 'service'`, runId).length >= replicas &&
      one<{ n: number }>(db, `SELECT count(*) AS n FROM samples WHERE run_id = ? AND error IS NULL AND ${SERVICE_SAMPLES}`, runId).n >= 2 * replicas,
    );
    await stopRun(label, db);
    const run = one<{ deployment: string; selection: string }>(db, 'SELECT deployment, selection FROM runs WHERE id = ?', runId);
    return {
      stderr: r.stderr,
      deployment: run.deployment,
      selection: JSON.parse(run.selection) as Recorded['selection'],
      replicas: query<Replica>(db, `SELECT * FROM replicas WHERE run_id = ? AND role = 'service' ORDER BY name`, runId),
    };
  }

  it('compose: only the replicas of Compose project llm-inference and of the folder-named project', async () => {
    const command = await composeCommand();
    assert.ok(command, 'a Compose CLI (docker compose or docker-compose)');
    const [bin, ...pre] = command;
    const file = join(tmp.dir, 'compose.yml');
    const service = { image: TEST_IMAGE, command: ['sleep', '600'], network_mode: 'none', labels: { [TEST_LABEL.split('=')[0]!]: 'collector' } };
    writeFileSync(file, JSON.stringify({ version: '2.4', services: { inference: service } }));
    // what the experiment runs, and what plain `docker-compose up` in the project folder runs
    const projects = [DEFAULT_COMPOSE_PROJECT, composeProjectName(basename(ROOT))];
    const compose = (project: string, ...args: string[]): Promise<unknown> => runChecked(bin!, [...pre, '-p', project, '-f', file, ...args], { timeoutMs: 60_000 });
    try {
      await Promise.all(projects.map((project) => compose(project, 'up', '-d')));
      const names = (await docker('ps', '--format', '{{.Names}}', '--filter', `label=com.docker.compose.project=${projects[0]}`)).split('\n');
      const got = await record('compose', projects.length);
      assert.equal(got.deployment, 'compose');
      assert.deepEqual(got.replicas.map((r) => r.compose_project).sort(), [...projects].sort());
      assert.ok(got.replicas.some((r) => r.name === names[0]), `${names[0]} recorded`);
      assert.match(got.stderr, /label "compose" names deployment compose: watching Compose project llm-inference or /);
    } finally {
      await Promise.all(projects.map((project) => compose(project, 'down', '-t', '0').catch((err: unknown) => log(String(err)))));
    }
  });

  it('docker: only the container llm-inference-container', async () => {
    const existing = await docker('ps', '-aq', '--filter', `name=^/${DEFAULT_CONTAINER}$`);
    assert.equal(existing, '', `a container named ${DEFAULT_CONTAINER} already exists: remove it to run this test`);
    await docker('run', '-d', '--name', DEFAULT_CONTAINER, '--label', TEST_LABEL, TEST_IMAGE, 'sleep', '600');
    try {
      const got = await record('docker', 1);
      assert.equal(got.deployment, 'docker');
      assert.deepEqual(got.replicas.map((r) => r.name), [DEFAULT_CONTAINER]);
      assert.match(got.stderr, /watching container llm-inference-container/);
    } finally {
      await docker('rm', '-f', DEFAULT_CONTAINER);
    }
  });

  it('native: only the process listening on port 5000', async () => {
    const code = `require('http').createServer((q, r) => r.end('ok')).listen(${NATIVE_PORT}, '127.0.0.1', () => console.log('listening'));`;
    const server: RunningProcess = startProcess(process.execPath, ['-e', code]);
    try {
      await server.waitForOutput(/^listening$/m, 10_000);
      const got = await record('native', 1);
      assert.equal(got.deployment, 'native');
      assert.deepEqual(got.replicas.map((r) => r.pid), [server.pid]);
      assert.match(got.stderr, /watching the process listening on port 5000/);
    } finally {
      await server.stop();
    }
  });

  it('swarm-3: only the 3 tasks of swarm service llm-inference-service', async () => {
    await joinSwarm(log);
    try {
      await docker(
        'service', 'create', '--detach', '--name', DEFAULT_SERVICE, '--replicas', '3', '--no-resolve-image', '--init',
        '--stop-grace-period', '1s', '--label', TEST_LABEL, '--container-label', TEST_LABEL, TEST_IMAGE, 'sleep', '600',
      );
      const got = await record('swarm-3', 3);
      assert.equal(got.deployment, 'swarm');
      assert.deepEqual(got.replicas.map((r) => r.swarm_service), [DEFAULT_SERVICE, DEFAULT_SERVICE, DEFAULT_SERVICE]);
      assert.deepEqual(got.replicas.map((r) => r.swarm_task_slot).sort(), [1, 2, 3]);
      assert.match(got.stderr, /watching the tasks of swarm service llm-inference-service/);
    } finally {
      await docker('service', 'rm', DEFAULT_SERVICE).catch((err: unknown) => log(String(err)));
      await waitFor('the service\'s containers to go', async () => (await docker('ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${DEFAULT_SERVICE}`)) === '');
      await leaveSwarmIfOurs(log);
    }
  });

  it('a label naming no deployment: the image and swarm-service default, recorded as docker, said on stderr', async () => {
    const got = await record('lbc-any-label', 0);
    assert.equal(got.deployment, 'docker');
    assert.deepEqual(got.selection.queries, [
      { ancestor: ['llm-inference-image'] },
      { label: ['com.docker.swarm.service.name=llm-inference-service'] },
    ]);
    assert.match(got.stderr, /label "lbc-any-label" names no deployment .*: watching the containers of image llm-inference-image and the tasks of swarm service llm-inference-service/);
  });
});
