import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { docker, ensureTestImage, one, query, startDetached, stopRun, tempDir, TestContainers, waitFor } from '../testing/helpers.js';

interface Replica {
  id: number;
  name: string;
  container_id: string;
  hostname: string;
  pid: number;
  node: string;
  cpu_limit: number | null;
  memory_limit_bytes: number | null;
  first_seen_ms: number;
  ended_at_ms: number | null;
}

describe('docker: discovering replicas while recording', () => {
  const tmp = tempDir('discovery');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('disc');
  const intervalMs = 250;
  let runId: number;
  let first: { id: string; name: string };

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    first = await containers.run(['--cpus', '0.5', '--memory', '64m'], ['sleep', '600']);
    runId = await startDetached(['--label', 'disc', '--db', db, '--filter', containers.filter, '--interval', `${intervalMs}ms`]);
  });
  after(async () => {
    await containers.removeAll();
    tmp.cleanup();
  });

  const replicasOf = (cid: string): Replica[] =>
    query<Replica>(db, 'SELECT * FROM replicas WHERE run_id = ? AND container_id = ? ORDER BY id', runId, cid);

  describe('a container running at start', () => {
    it('is a replica with the container\'s hostname, pid, limits and labels', async () => {
      const [r] = await waitFor('the first replica', () => replicasOf(first.id).length > 0 && replicasOf(first.id));
      const hostname = await docker('inspect', '-f', '{{.Config.Hostname}} {{.State.Pid}}', first.id);
      assert.equal(`${r!.hostname} ${r!.pid}`, hostname);
      assert.equal(r!.name, first.name);
      assert.equal(r!.cpu_limit, 0.5);
      assert.equal(r!.memory_limit_bytes, 64 * 1024 * 1024);
      const labels = query<{ key: string }>(db, 'SELECT key FROM replica_labels WHERE replica_id = ?', r!.id).map((l) => l.key);
      assert.ok(labels.includes('llm-deploy-bench.test.case'));
      const run = one<{ stats_source: string; cgroup_version: number; docker_version: string; image_id: string; cpu_limit: number }>(
        db, 'SELECT * FROM runs WHERE id = ?', runId,
      );
      assert.equal(run.stats_source, 'cgroup-files');
      assert.ok([1, 2].includes(run.cgroup_version));
      assert.ok(run.docker_version.length > 0);
      assert.match(run.image_id, /^sha256:/);
      assert.equal(run.cpu_limit, 0.5);
    });
  });

  describe('a container started later', () => {
    it('is recorded within two intervals of its start', async () => {
      const second = await containers.run([], ['sleep', '600']);
      const startedAt = Date.parse(await docker('inspect', '-f', '{{.State.StartedAt}}', second.id));
      const [r] = await waitFor('the new replica', () => replicasOf(second.id).length > 0 && replicasOf(second.id));
      // two intervals, plus slack for the inspect call and a loaded CI machine waking the collector late
      assert.ok(r!.first_seen_ms - startedAt <= 2 * intervalMs + 1000, `seen ${r!.first_seen_ms - startedAt} ms after start`);
      await waitFor('samples of it', () => query(db, 'SELECT id FROM samples WHERE replica_id = ? AND error IS NULL', r!.id).length >= 2);
    });
  });

  describe('a container that stops', () => {
    it('is marked ended, and a restart of it is a new replica row', async () => {
      await docker('stop', '-t', '0', first.name);
      const ended = await waitFor('the replica end', () => replicasOf(first.id)[0]?.ended_at_ms);
      assert.ok(ended > 0);
      const ev = query<{ kind: string }>(db, `SELECT kind FROM events WHERE run_id = ? AND replica_id = ? ORDER BY id`, runId, replicasOf(first.id)[0]!.id);
      assert.deepEqual(ev.map((e) => e.kind), ['replica-started', 'replica-ended']);

      await docker('start', first.name);
      const rows = await waitFor('the restarted replica', () => replicasOf(first.id).length === 2 && replicasOf(first.id));
      assert.equal(rows[1]!.ended_at_ms, null);
      assert.notEqual(rows[1]!.pid, rows[0]!.pid);
    });
  });

  describe('samples', () => {
    it('never store zeros for a missed read, and every replica ends with the run', async () => {
      await stopRun('disc', db);
      const bad = query(db, 'SELECT id FROM samples WHERE run_id = ? AND error IS NULL AND mem_used_bytes IS NULL', runId);
      assert.equal(bad.length, 0);
      assert.equal(query(db, 'SELECT id FROM replicas WHERE run_id = ? AND ended_at_ms IS NULL', runId).length, 0);
      assert.equal(one<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId).status, 'complete');
    });
  });
});
