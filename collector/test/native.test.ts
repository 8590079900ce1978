import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningProcess } from '../../common/start-process.js';
import { startProcess } from '../../common/start-process.js';
import { CLI, one, query, startDetached, stopRun, tempDir, waitFor } from '../testing/helpers.js';

/** A real HTTP server in its own process, listening on an ephemeral port. */
async function startServer(): Promise<{ child: RunningProcess; port: number }> {
  const code = `const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = startProcess(process.execPath, ['-e', code], { inheritStderr: true });
  const [, port] = await child.waitForOutput(/^(\d+)$/m, 10_000);
  return { child, port: Number(port) };
}

interface SampleRow {
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_limit_bytes: number | null;
  net_rx_bytes: number | null;
  pids: number | null;
  error: string | null;
}

describe('native process runs (/proc)', () => {
  const tmp = tempDir('native');
  const db = join(tmp.dir, 'bench.db');
  let server: { child: RunningProcess; port: number };
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.child.stop();
    tmp.cleanup();
  });

  describe('--port: the process listening there', () => {
    let runId: number;
    before(async () => {
      runId = await startDetached(['--label', 'native', '--db', db, '--port', String(server.port), '--interval', '200ms']);
    });

    it('finds the listening process and records it as a process replica', async () => {
      const r = await waitFor('the replica row', () =>
        query<{ kind: string; pid: number; name: string; hostname: string }>(db, 'SELECT * FROM replicas WHERE run_id = ?', runId)[0],
      );
      assert.equal(r.kind, 'process');
      assert.equal(r.pid, server.child.pid);
      assert.match(r.name, /createServer/);
      assert.ok(r.hostname.length > 0);
      assert.equal(one<{ deployment: string }>(db, 'SELECT deployment FROM runs WHERE id = ?', runId).deployment, 'native');
    });

    it('samples CPU, RSS (as memory used), host memory as limit, network and threads', async () => {
      const rows = await waitFor('three samples', () => {
        const r = query<SampleRow>(db, 'SELECT * FROM samples WHERE run_id = ? ORDER BY id', runId);
        return r.length >= 3 ? r : undefined;
      });
      assert.equal(rows[0]!.cpu_percent, null, 'no CPU % without a previous reading');
      for (const s of rows.slice(1)) {
        assert.equal(s.error, null);
        assert.ok(s.cpu_percent !== null && s.cpu_percent >= 0);
        assert.ok(s.mem_used_bytes! > 5 * 1024 * 1024, `RSS ${s.mem_used_bytes}`);
        assert.ok(s.mem_limit_bytes! > s.mem_used_bytes!);
        assert.ok(s.net_rx_bytes !== null);
        assert.ok(s.pids! >= 1);
      }
    });

    it('marks the replica ended when the process exits, and keeps recording', async () => {
      await server.child.stop();
      const ended = await waitFor('the replica end', () =>
        query<{ ended_at_ms: number | null }>(db, 'SELECT ended_at_ms FROM replicas WHERE run_id = ? AND ended_at_ms IS NOT NULL', runId)[0],
      );
      assert.ok(ended.ended_at_ms! > 0);
      const ev = query(db, `SELECT * FROM events WHERE run_id = ? AND kind = 'replica-ended'`, runId);
      assert.equal(ev.length, 1);
      const r = await stopRun('native', db);
      assert.match(r.stdout, /complete/);
    });
  });

  describe('in the foreground', () => {
    it('Ctrl-C (SIGINT) writes the tick in progress, marks the run complete and exits 0', async () => {
      const child = startProcess(process.execPath, [CLI, 'start', '--label', 'fg', '--db', db, '--pid', String(process.pid), '--interval', '100ms']);
      const runId = await waitFor('the run', () => query<{ id: number }>(db, `SELECT id FROM runs WHERE label = 'fg'`)[0]?.id);
      await waitFor('samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 3);
      child.kill('SIGINT');
      const { code } = await child.exited;
      assert.equal(code, 0);
      assert.equal(one<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId).status, 'complete');
      assert.match(child.output(), new RegExp(`run ${runId} complete: \\d+ ticks, \\d+ missed`));
    });
  });

  describe('--pid', () => {
    it('records the given process', async () => {
      const runId = await startDetached(['--label', 'native-pid', '--db', db, '--pid', String(process.pid), '--interval', '100ms']);
      await waitFor('two samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 2);
      await stopRun('native-pid', db);
      const r = one<{ pid: number; ended_at_ms: number }>(db, 'SELECT * FROM replicas WHERE run_id = ?', runId);
      assert.equal(r.pid, process.pid);
      assert.ok(r.ended_at_ms > 0, 'replicas end with the run');
    });
  });
});
