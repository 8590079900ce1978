// Schema version 2 without Docker: a version-1 recording (the reporter's committed real fixture) is
// migrated when the collector records into it, in one go, its rows kept and marked 'service'; commands
// that only read (runs, status) leave a version-1 file as it is; and the load generator the collector
// is told of (--client-pid) is recorded as the run's client, one row per phase process.
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { RECORDING_SCHEMA_VERSION, replicasOfRun, type ReplicaRow } from '../../contracts/recording.js';
import { cli, query, ROOT, startDetached, stopRun, tempDir, waitFor } from '../testing/helpers.js';

const V1_FIXTURE = join(ROOT, 'reporter/test/fixtures/real/bench.db');
const PHASE_CHILD = join(ROOT, 'dist/load/phase-child.js');

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const version = (path: string): number => query<{ user_version: number }>(path, 'PRAGMA user_version')[0]!.user_version;

/** The rows of a table as they were, for before/after comparisons (role and component left aside). */
function rowsOf(path: string, table: string, ids: string): Array<Record<string, unknown>> {
  return query<Record<string, unknown>>(path, `SELECT * FROM ${table} WHERE ${ids} ORDER BY rowid`).map(({ role: _r, component: _c, ...rest }) => rest);
}

describe('schema version 2: roles', () => {
  const tmp = tempDir('roles');
  after(() => tmp.cleanup());

  it('the committed fixture is a version-1 recording', () => {
    // read from a copy: opening a WAL-mode file, even read-only, leaves -wal and -shm files beside it
    const path = join(tmp.dir, 'v1.db');
    copyFileSync(V1_FIXTURE, path);
    assert.equal(version(path), 1);
    assert.equal(RECORDING_SCHEMA_VERSION, 2);
  });

  it('reads a version-1 recording as it is: every replica a service replica, the file untouched by runs and status', async () => {
    const path = join(tmp.dir, 'v1-read.db');
    copyFileSync(V1_FIXTURE, path);
    const before = sha256(path);
    const db = new Database(path, { readonly: true });
    const replicas = replicasOfRun(db, 2);
    db.close();
    assert.ok(replicas.length > 0);
    assert.ok(replicas.every((r) => r.role === 'service' && r.component === null));
    for (const command of ['runs', 'status']) {
      const r = await cli([command, '--db', path]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.match((await cli(['runs', '--db', path])).stdout, /swarm-3/);
    assert.equal(version(path), 1);
    assert.equal(sha256(path), before);
  });

  describe('recording into a version-1 recording, with a load generator as the client', () => {
    const path = join(tmp.dir, 'v1-record.db');
    let oldRuns: Array<Record<string, unknown>>;
    let oldReplicas: Array<Record<string, unknown>>;
    let oldSamples: number;
    let lastOldReplica: number;
    let phases: ChildProcess[] = [];
    let runId: number;

    /** A real load generator phase process (it waits for its plan on the IPC channel), a child of this test. */
    const phase = (): ChildProcess => {
      const child = fork(PHASE_CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      phases.push(child);
      return child;
    };

    before(async () => {
      copyFileSync(V1_FIXTURE, path);
      oldRuns = rowsOf(path, 'runs', '1');
      oldReplicas = rowsOf(path, 'replicas', '1');
      oldSamples = query<{ n: number }>(path, 'SELECT COUNT(*) AS n FROM samples')[0]!.n;
      lastOldReplica = query<{ id: number }>(path, 'SELECT MAX(id) AS id FROM replicas')[0]!.id;
      phase();
      runId = await startDetached(['--label', 'native', '--db', path, '--pid', String(process.pid), '--client-pid', String(process.pid), '--interval', '100ms']);
    });
    after(async () => {
      for (const p of phases) p.kill('SIGKILL');
      await stopRun('native', path).catch(() => undefined);
      phases = [];
    });

    it('migrates it to version 2, keeping every earlier row as it was and marking its replicas service', () => {
      assert.equal(version(path), 2);
      assert.deepEqual(rowsOf(path, 'runs', `id <> ${runId}`).map(({ ticks: _t, ...r }) => r), oldRuns.map(({ ticks: _t, ...r }) => r));
      assert.deepEqual(rowsOf(path, 'replicas', `id <= ${lastOldReplica}`), oldReplicas);
      assert.deepEqual(query(path, `SELECT DISTINCT role, component FROM replicas WHERE id <= ?`, lastOldReplica), [{ role: 'service', component: null }]);
      assert.equal(query<{ n: number }>(path, 'SELECT COUNT(*) AS n FROM samples WHERE run_id <> ?', runId)[0]!.n, oldSamples);
      const columns = query<{ name: string }>(path, `SELECT name FROM pragma_table_info('samples_normalised')`).map((c) => c.name);
      assert.ok(columns.includes('role') && columns.includes('component'), columns.join(', '));
    });

    it('records the service and each load generator process as its own row, with its role', async () => {
      const first = phases[0]!;
      const rows = await waitFor('the service row and the client row', () => {
        const r = query<ReplicaRow>(path, 'SELECT * FROM replicas WHERE run_id = ? ORDER BY id', runId);
        return r.length >= 2 && r;
      });
      assert.deepEqual(rows.map((r) => [r.role, r.component, r.kind, r.pid]), [
        ['service', null, 'process', process.pid],
        ['client', 'load-generator', 'process', first.pid],
      ]);
      const client = rows[1]!;
      const samples = await waitFor('two samples of the load generator', () => {
        const s = query<{ cpu_total_ns: number | null; mem_used_bytes: number | null; net_rx_bytes: number | null }>(
          path, 'SELECT * FROM samples WHERE replica_id = ? AND error IS NULL', client.id);
        return s.length >= 2 && s;
      });
      assert.ok(samples.every((s) => s.cpu_total_ns! > 0 && s.mem_used_bytes! > 0), 'CPU and RSS read');
      assert.ok(samples.every((s) => s.net_rx_bytes === null), "no network: the host's counters are not the load generator's");

      // the next phase is a new process: the first one's row ends, a second client row starts
      first.kill('SIGKILL');
      const second = phase();
      await waitFor('the first phase ended and the second one recorded', () =>
        query<ReplicaRow>(path, 'SELECT * FROM replicas WHERE id = ? AND ended_at_ms IS NOT NULL', client.id).length === 1 &&
        query<ReplicaRow>(path, `SELECT * FROM replicas WHERE run_id = ? AND role = 'client' AND pid = ?`, runId, second.pid).length === 1);
      assert.equal(query(path, `SELECT * FROM replicas WHERE run_id = ? AND role = 'platform'`, runId).length, 0, 'a native run has no platform');
    });
  });
});
