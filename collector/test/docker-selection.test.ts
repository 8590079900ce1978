import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReplicaRow } from '../../contracts/recording.js';
import { requireDocker } from '../../test-support/docker.js';
import { ensureTestImage, one, query, startDetached, stopRun, tempDir, TestContainers, waitFor } from '../testing/helpers.js';

// Containers carrying the labels Compose and Swarm put on theirs (set with --label here), so the
// engine's own filtering is what is tested.
describe('docker: selecting Compose and Swarm replicas by their labels', () => {
  const tmp = tempDir('selection');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('sel');
  const project = `lbcproj${process.pid}`;
  const service = `lbcsvc${process.pid}`;

  before(async () => {
    await requireDocker();
    await ensureTestImage();
  });
  after(async () => {
    await containers.removeAll();
    tmp.cleanup();
  });

  it('--project takes Compose containers only, not others whose image carries the project label', async () => {
    const composeLabels = ['--label', `com.docker.compose.project=${project}`, '--label', 'com.docker.compose.service=api'];
    const real = await containers.run([...composeLabels, '--label', 'com.docker.compose.container-number=2'], ['sleep', '600']);
    await containers.run(composeLabels, ['sleep', '600']); // like `docker run` of an image Compose v2 built
    const runId = await startDetached(['--label', 'sel-compose', '--db', db, '--project', project, '--interval', '200ms']);
    await waitFor('samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 2);
    await stopRun('sel-compose', db);
    const r = query<ReplicaRow>(db, `SELECT * FROM replicas WHERE run_id = ? AND role = 'service'`, runId);
    assert.equal(r.length, 1);
    assert.equal(r[0]!.name, real.name);
    assert.deepEqual([r[0]!.compose_project, r[0]!.compose_service, r[0]!.compose_number], [project, 'api', 2]);
    assert.equal(one<{ deployment: string }>(db, 'SELECT deployment FROM runs WHERE id = ?', runId).deployment, 'compose');
  });

  it('--service takes the swarm service\'s tasks and records slot, task id and node', async () => {
    await containers.run(
      [
        '--label', `com.docker.swarm.service.name=${service}`,
        '--label', `com.docker.swarm.task.name=${service}.3.tsk123`,
        '--label', 'com.docker.swarm.task.id=tsk123',
        '--label', 'com.docker.swarm.node.id=node42',
      ],
      ['sleep', '600'],
    );
    const runId = await startDetached(['--label', 'sel-swarm', '--db', db, '--service', service, '--interval', '200ms']);
    await waitFor('samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 2);
    await stopRun('sel-swarm', db);
    const r = one<ReplicaRow>(db, `SELECT * FROM replicas WHERE run_id = ? AND role = 'service'`, runId);
    assert.deepEqual([r.swarm_service, r.swarm_task_slot, r.swarm_task_id, r.node], [service, 3, 'tsk123', 'node42']);
  });
});
