import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunningProcess } from '../../common/start-process.js';
import { startProcess } from '../../common/start-process.js';
import { insertRun, openDb } from '../db.js';
import { isCollectorAlive, isCollectorOf } from '../liveness.js';
import { cli, one, startDetached, stopRun, tempDir } from '../testing/helpers.js';

describe('whether a recording run still has its collector', () => {
  describe('the process check (pure)', () => {
    const run = { label: 'docker', started_at_ms: 1_800_000_000_000 };
    const before = run.started_at_ms - 50;
    const cases: Array<[string, string[], number, boolean]> = [
      ['the detached collector', ['node', '/p/dist/collector/cli.js', 'start', '--label', 'docker', '--db', 'd.db'], before, true],
      ['the collector image', ['node', 'dist/collector/cli.js', 'start', '--db', '/data/bench.db', '--label=docker'], before, true],
      ['the npm bin', ['node', '/p/node_modules/.bin/collector', 'start', '--label', 'docker'], before, true],
      ['within the boot time\'s whole second', ['node', 'dist/collector/cli.js', 'start', '--label', 'docker'], run.started_at_ms + 900, true],
      ['another label', ['node', '/p/dist/collector/cli.js', 'start', '--label', 'compose'], before, false],
      ['another collector command', ['node', '/p/dist/collector/cli.js', 'stop', '--label', 'docker'], before, false],
      ['a pid reused after the run began', ['node', '/p/dist/collector/cli.js', 'start', '--label', 'docker'], run.started_at_ms + 5000, false],
      ['any process that mentions "collector"', ['node', '-e', 'setInterval(() => {}, 1000)', 'collector', 'start', '--label', 'docker'], before, false],
      ['another tool', ['node', '/p/dist/reporter/cli.js', 'start', '--label', 'docker'], before, false],
    ];
    for (const [what, argv, startMs, expected] of cases) {
      it(`${expected ? 'accepts' : 'refuses'} ${what}`, () => assert.equal(isCollectorOf(run, argv, startMs), expected));
    }
  });

  describe('on this host', () => {
    const tmp = tempDir('liveness');
    const db = join(tmp.dir, 'bench.db');
    const children: RunningProcess[] = [];
    after(async () => {
      await Promise.all(children.map((c) => c.stop()));
      tmp.cleanup();
    });

    /** A runs row as a collector with this pid would have written it. */
    function fakeRun(label: string, pid: number, startedAtMs: number): number {
      const d = openDb(db, { create: true });
      try {
        return insertRun(d, {
          label, deployment: 'native', startedAtMs, intervalMs: 1000, selection: {}, statsSource: 'proc', collectorPid: pid,
          collectorHost: hostname(), hostCpus: 1, hostMemoryBytes: 1, kernel: 'k', cgroupVersion: null, dockerVersion: null,
          modelId: null, modelDtype: null,
        });
      } finally {
        d.close();
      }
    }

    /** A long-running process whose command line reads like a collector's. */
    async function lookalike(args: string[]): Promise<number> {
      const script = join(tmp.dir, 'collector', 'cli.js');
      mkdirSync(join(tmp.dir, 'collector'), { recursive: true });
      writeFileSync(script, 'setInterval(() => {}, 1000); console.log("up");\n');
      const child = startProcess(process.execPath, [script, ...args]);
      children.push(child);
      await child.waitForOutput(/up/, 10_000);
      return child.pid!;
    }

    const status = (id: number): string => one<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', id).status;

    it('keeps the run of a live collector', async () => {
      const runId = await startDetached(['--label', 'real', '--db', db, '--pid', String(process.pid), '--interval', '200ms']);
      const run = one<{ collector_pid: number; started_at_ms: number }>(db, 'SELECT * FROM runs WHERE id = ?', runId);
      assert.equal(isCollectorAlive({ label: 'real', ...run }), true);
      const r = await cli(['status', '--db', db]);
      assert.doesNotMatch(r.stdout, /marked interrupted/);
      assert.equal(status(runId), 'recording');
    });

    it('interrupts a run whose pid is a live collector of another label', async () => {
      const real = one<{ collector_pid: number }>(db, `SELECT collector_pid FROM runs WHERE label = 'real'`).collector_pid;
      const runId = fakeRun('impostor', real, Date.now());
      const r = await cli(['status', '--db', db]);
      assert.match(r.stdout, new RegExp(`run ${runId} marked interrupted`));
      assert.equal(status(runId), 'interrupted');
      await stopRun('real', db);
    });

    it('interrupts a run whose pid now belongs to a process that merely mentions "collector"', async () => {
      const pid = await lookalike(['status', 'collector']);
      const runId = fakeRun('mention', pid, Date.now());
      const r = await cli(['status', '--db', db]);
      assert.match(r.stdout, new RegExp(`run ${runId} marked interrupted`));
    });

    it('interrupts a run whose pid was reused by a later collector-like process', async () => {
      const pid = await lookalike(['start', '--label', 'reused']);
      const runId = fakeRun('reused', pid, Date.now() - 60_000);
      const r = await cli(['status', '--db', db]);
      assert.match(r.stdout, new RegExp(`run ${runId} marked interrupted`));
    });

    it('keeps a run whose pid runs that collector command and started before the run', async () => {
      const pid = await lookalike(['start', '--label', 'same']);
      const runId = fakeRun('same', pid, Date.now() + 2000);
      const r = await cli(['status', '--db', db]);
      assert.doesNotMatch(r.stdout, new RegExp(`run ${runId} marked`));
      assert.equal(status(runId), 'recording');
      const stop = await cli(['stop', '--label', 'same', '--db', db]);
      assert.equal(stop.code, 0, stop.stderr);
    });
  });
});
