import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { ensureTestImage, one, query, startDetached, stopRun, tempDir, TestContainers, waitFor } from '../testing/helpers.js';
import { SocketProxy } from '../testing/socket-proxy.js';

interface Event {
  kind: string;
  ts_ms: number;
}

// The collector talks to dockerd through a proxy this test kills and restarts: to the collector the
// engine goes away and comes back, while the real engine (shared with others) is untouched.
describe('docker: the engine goes away and comes back', () => {
  const tmp = tempDir('gap');
  const db = join(tmp.dir, 'bench.db');
  const proxy = new SocketProxy(join(tmp.dir, 'docker.sock'));
  const env = { DOCKER_HOST: `unix://${proxy.path}` };
  const containers = new TestContainers('gap');
  let first: { id: string };

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    first = await containers.run([], ['sleep', '600']);
  });
  after(async () => {
    await proxy.kill();
    await containers.removeAll();
    tmp.cleanup();
  });

  const events = (runId: number): Event[] => query<Event>(db, 'SELECT kind, ts_ms FROM events WHERE run_id = ? ORDER BY id', runId);
  const eventAt = (runId: number, kind: string): number | undefined => events(runId).find((e) => e.kind === kind)?.ts_ms;

  describe('reading cgroup files', () => {
    it('keeps sampling known replicas, records the gap, reconnects and discovers what started meanwhile', async () => {
      await proxy.start();
      const runId = await startDetached(['--label', 'gap-cgroup', '--db', db, '--filter', containers.filter, '--interval', '200ms'], env);
      await waitFor('samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 2);

      await proxy.kill();
      const lostAt = await waitFor('engine-lost', () => eventAt(runId, 'engine-lost'));
      const second = await containers.run([], ['sleep', '600']);
      await sleep(1000);
      const during = query(db, 'SELECT id FROM samples WHERE run_id = ? AND ts_ms > ? AND error IS NULL', runId, lostAt);
      assert.ok(during.length >= 2, 'cgroup files are read without the engine');
      assert.equal(query(db, 'SELECT id FROM replicas WHERE container_id = ?', second.id).length, 0);
      const beforeBack = one<{ n: number }>(db, 'SELECT count(*) AS n FROM samples WHERE run_id = ?', runId).n;

      await proxy.start();
      const backAt = await waitFor('engine-back', () => eventAt(runId, 'engine-back'));
      assert.ok(backAt > lostAt);
      await waitFor('the container started during the gap', () => query(db, 'SELECT id FROM replicas WHERE container_id = ?', second.id).length === 1);
      await stopRun('gap-cgroup', db);
      assert.ok(one<{ n: number }>(db, 'SELECT count(*) AS n FROM samples WHERE run_id = ?', runId).n > beforeBack, 'nothing lost');
      assert.equal(one<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId).status, 'complete');
      assert.deepEqual(
        events(runId).map((e) => e.kind).filter((k) => k.startsWith('engine')),
        ['engine-lost', 'engine-back'],
      );
    });
  });

  describe('reading the stats stream', () => {
    it('records missed reads as NULL rows with the reason during the gap, then resumes', async () => {
      await proxy.start();
      const runId = await startDetached(
        ['--label', 'gap-stream', '--db', db, '--filter', containers.filter, '--interval', '500ms', '--stats-source', 'docker-api-stream'],
        env,
      );
      await waitFor('stream samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ? AND cpu_percent IS NOT NULL', runId).length >= 2);

      await proxy.kill();
      const lostAt = await waitFor('engine-lost', () => eventAt(runId, 'engine-lost'));
      const missed = await waitFor('missed rows', () => {
        const rows = query<{ error: string; cpu_percent: null; mem_used_bytes: null }>(
          db, 'SELECT * FROM samples WHERE run_id = ? AND error IS NOT NULL AND replica_id = (SELECT id FROM replicas WHERE run_id = ? AND container_id = ?)',
          runId, runId, first.id,
        );
        return rows.length >= 2 && rows;
      });
      for (const m of missed) {
        assert.equal(m.cpu_percent, null);
        assert.equal(m.mem_used_bytes, null, 'a missed read is NULL, never 0');
        assert.match(m.error, /engine unreachable|stream ended/);
      }

      await proxy.start();
      const backAt = await waitFor('engine-back', () => eventAt(runId, 'engine-back'));
      assert.ok(backAt > lostAt);
      await waitFor('samples again', () => query(db, 'SELECT id FROM samples WHERE run_id = ? AND ts_ms > ? AND error IS NULL', runId, backAt).length >= 2);
      await stopRun('gap-stream', db);
    });
  });
});
