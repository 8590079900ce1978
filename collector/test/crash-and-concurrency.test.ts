import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { finishRun, insertRun, openDb } from '../db.js';
import { cli, one, query, startDetached, stopRun, tempDir, waitFor } from '../testing/helpers.js';

interface Run {
  id: number;
  status: string;
  collector_pid: number;
  ended_at_ms: number | null;
  last_tick_ms: number | null;
}

describe('collector process life', () => {
  const tmp = tempDir('life');
  const db = join(tmp.dir, 'bench.db');
  const watch = ['--pid', String(process.pid), '--interval', '100ms'];
  after(() => tmp.cleanup());

  describe('killed with SIGKILL', () => {
    it('leaves a consistent DB; status marks the run interrupted and keeps its samples', async () => {
      const runId = await startDetached(['--label', 'crash', '--db', db, ...watch]);
      const pid = one<Run>(db, 'SELECT * FROM runs WHERE id = ?', runId).collector_pid;
      await waitFor('some samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 3);
      process.kill(pid, 'SIGKILL');
      await waitFor('the collector to die', () => {
        try {
          process.kill(pid, 0);
          return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
        } catch {
          return true;
        }
      });
      const before = query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length;

      const status = await cli(['status', '--db', db]);
      assert.equal(status.code, 0);
      assert.match(status.stdout, new RegExp(`run ${runId} marked interrupted`));
      const run = one<Run>(db, 'SELECT * FROM runs WHERE id = ?', runId);
      assert.equal(run.status, 'interrupted');
      assert.equal(run.ended_at_ms, run.last_tick_ms, 'ends at its last written tick');
      assert.equal(query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length, before);
      assert.equal(one<{ integrity_check: string }>(db, 'PRAGMA integrity_check').integrity_check, 'ok');
      assert.equal(query(db, `SELECT id FROM events WHERE run_id = ? AND kind = 'run-interrupted'`, runId).length, 1);
      assert.equal(query(db, 'SELECT id FROM replicas WHERE run_id = ? AND ended_at_ms IS NULL', runId).length, 0);
    });

    it('the label can be recorded again: a new run with a new id', async () => {
      const again = await startDetached(['--label', 'crash', '--db', db, ...watch]);
      await stopRun('crash', db);
      const runs = query<Run>(db, `SELECT * FROM runs WHERE label = 'crash' ORDER BY id`);
      assert.deepEqual(runs.map((r) => r.status), ['interrupted', 'complete']);
      assert.equal(runs[1]!.id, again);
      assert.equal(existsSync(join(tmp.dir, 'collector-crash.pid')), false, 'pid file removed on stop');
    });
  });

  describe('a run recorded by a collector on another host (e.g. in a container)', () => {
    it('is left alone while it ticks, and marked interrupted once its ticks stop', async () => {
      const d = openDb(db, { create: true });
      const now = Date.now();
      const base = {
        deployment: 'swarm', intervalMs: 1000, selection: {}, statsSource: 'cgroup-files', collectorPid: 1,
        collectorHost: 'some-other-node', hostCpus: 2, hostMemoryBytes: 1, kernel: 'k', cgroupVersion: 1,
        dockerVersion: 'v', modelId: null, modelDtype: null,
      };
      const live = insertRun(d, { ...base, label: 'far-live', startedAtMs: now });
      const dead = insertRun(d, { ...base, label: 'far-dead', startedAtMs: now - 600_000 });
      d.prepare('UPDATE runs SET last_tick_ms = ? WHERE id = ?').run(now, live);
      d.prepare('UPDATE runs SET last_tick_ms = ? WHERE id = ?').run(now - 300_000, dead);
      d.close();
      const status = await cli(['status', '--db', db]);
      assert.match(status.stdout, new RegExp(`run ${dead} marked interrupted`));
      assert.doesNotMatch(status.stdout, new RegExp(`run ${live} marked`));
      assert.equal(one<Run>(db, 'SELECT * FROM runs WHERE id = ?', live).status, 'recording');
      assert.equal(one<Run>(db, 'SELECT * FROM runs WHERE id = ?', dead).ended_at_ms, now - 300_000);
      const stop = await cli(['stop', '--label', 'far-live', '--db', db]);
      assert.equal(stop.code, 1);
      assert.match(stop.stderr, /recorded on host some-other-node: stop it there/);
      const fix = openDb(db, { create: false });
      finishRun(fix, live, 'complete', Date.now()); // tidy: later tests list runs
      fix.close();
    });
  });

  describe('two labels writing the same DB at once', () => {
    it('both record every tick and complete; a label already recording is refused naming its pid', async () => {
      const a = await startDetached(['--label', 'left', '--db', db, ...watch]);
      const b = await startDetached(['--label', 'right', '--db', db, ...watch]);
      const pidA = one<Run>(db, 'SELECT * FROM runs WHERE id = ?', a).collector_pid;

      const dup = await cli(['start', '--detach', '--label', 'left', '--db', db, ...watch]);
      assert.equal(dup.code, 2);
      assert.match(dup.stderr, new RegExp(`"left" is already recording \\(run ${a}, pid ${pidA}`));

      const status = await cli(['status', '--db', db]);
      assert.match(status.stdout, /left/);
      assert.match(status.stdout, /right/);
      await waitFor('20 samples in each run', () =>
        query<{ n: number }>(db, 'SELECT count(*) AS n FROM samples WHERE run_id IN (?, ?) GROUP BY run_id', a, b).every((r) => r.n >= 20) &&
        query(db, 'SELECT 1 FROM samples WHERE run_id IN (?, ?) GROUP BY run_id', a, b).length === 2,
      );
      await stopRun('left', db);
      await stopRun('right', db);
      for (const id of [a, b]) {
        const run = one<Run & { ticks: number }>(db, 'SELECT * FROM runs WHERE id = ?', id);
        assert.equal(run.status, 'complete');
        const n = one<{ n: number }>(db, 'SELECT count(*) AS n FROM samples WHERE run_id = ?', id).n;
        assert.equal(n, run.ticks, 'one sample per tick: no tick lost to locking');
      }
      for (const label of ['left', 'right']) {
        assert.doesNotMatch(readFileSync(join(tmp.dir, `collector-${label}.log`), 'utf8'), /failed/);
      }
    });

    it('stop with nothing recording: exit 1 with one line', async () => {
      const r = await cli(['stop', '--label', 'left', '--db', db]);
      assert.equal(r.code, 1);
      assert.match(r.stderr.trim(), /^collector: no run is recording with label "left"/);
    });

    it('runs lists every run with its status', async () => {
      const r = await cli(['runs', '--db', db]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /crash\s+native\s+interrupted/);
      assert.match(r.stdout, /left\s+native\s+complete/);
    });
  });
});
