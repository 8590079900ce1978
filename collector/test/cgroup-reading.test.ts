// The cgroup-file path against a fake /proc and /sys/fs/cgroup tree (v1 and v2 layouts), with a fake
// Docker API for discovery: exercises the real file reading, a container vanishing mid-read and a
// restart between two ticks, which a real engine cannot produce on demand.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../testing/helpers.js';

const tmp = tempDir('cgroup-fs');
const PROC = join(tmp.dir, 'proc');
const CG = join(tmp.dir, 'cgroup');
process.env['COLLECTOR_PROC'] = PROC;
process.env['COLLECTOR_CGROUP_ROOT'] = CG;
// modules read the roots when loaded: import them after setting the environment
const { DockerWatcher } = await import('../docker-watcher.js');
const { TickBatch } = await import('../tick-batch.js');
const { openDb, insertRun } = await import('../db.js');
type Db = import('../db.js').Db;

const ID = 'c0ffee'.padEnd(64, '0');
const PID = 4242;
const MiB = 1024 * 1024;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function fakeProc(systemTicks: number): void {
  write(join(PROC, 'stat'), `cpu  ${systemTicks} 0 0 0 0 0 0 0 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\ncpu1 1 0 0 0 0 0 0 0 0 0\n`);
  write(join(PROC, String(PID), 'net', 'dev'), 'h1\nh2\n    lo: 5 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0\n  eth0: 1000 1 0 0 0 0 0 0 500 1 0 0 0 0 0 0\n');
}

/** A fake engine: listContainers returns `listed`, inspect describes the one container. */
function fakeDocker(listed: { ids: string[] }): ConstructorParameters<typeof DockerWatcher>[0]['docker'] {
  return {
    listContainers: async () => listed.ids.map((Id) => ({ Id })),
    getContainer: (id: string) => ({
      inspect: async () => ({
        Id: id, Name: '/fake-1', Image: 'sha256:fake',
        State: { Pid: PID, Running: true, StartedAt: '2026-11-23T00:00:00Z' },
        Config: { Hostname: 'fakehost', Image: 'fake:1', Labels: { a: 'b' } },
        HostConfig: { NanoCpus: 0, Memory: 0 },
      }),
    }),
  } as unknown as ConstructorParameters<typeof DockerWatcher>[0]['docker'];
}

function newRun(db: Db, cgroupVersion: number): number {
  return insertRun(db, {
    label: `fake-v${cgroupVersion}`, deployment: 'docker', startedAtMs: Date.now(), intervalMs: 1000, selection: {},
    statsSource: 'cgroup-files', collectorPid: process.pid, collectorHost: 'h', hostCpus: 2, hostMemoryBytes: 1024 * MiB,
    kernel: 'k', cgroupVersion, dockerVersion: 'fake', modelId: null, modelDtype: null,
  });
}

async function tick(w: InstanceType<typeof DockerWatcher>, db: Db, runId: number): Promise<void> {
  const batch = new TickBatch();
  await w.poll(batch, Date.now());
  batch.apply(db, runId, Date.now());
}

interface Sample {
  cpu_percent: number | null;
  cpu_total_ns: number;
  mem_used_bytes: number;
  mem_limit_bytes: number;
  net_rx_bytes: number;
  block_read_bytes: number | null;
  block_write_bytes: number | null;
  pids: number;
}

describe('reading cgroup files (fake /proc and /sys/fs/cgroup trees)', () => {
  let db: Db;
  before(() => {
    db = openDb(join(tmp.dir, 'bench.db'), { create: true });
  });
  after(() => {
    db.close();
    tmp.cleanup();
  });

  describe('cgroup v1 layout', () => {
    const dir = (ctl: string): string => join(CG, ctl, 'docker', ID);
    let runId: number;
    const listed = { ids: [ID] };
    let w: InstanceType<typeof DockerWatcher>;
    before(() => {
      rmSync(CG, { recursive: true, force: true });
      mkdirSync(join(CG, 'cpuacct'), { recursive: true });
      write(join(PROC, String(PID), 'cgroup'), `4:memory:/docker/${ID}\n3:cpu,cpuacct:/docker/${ID}\n2:blkio:/docker/${ID}\n1:pids:/docker/${ID}\n`);
      write(join(dir('memory'), 'memory.usage_in_bytes'), `${64 * MiB}\n`);
      write(join(dir('memory'), 'memory.stat'), `cache ${40 * MiB}\ntotal_inactive_file ${24 * MiB}\n`);
      write(join(dir('memory'), 'memory.limit_in_bytes'), '9223372036854771712\n'); // unlimited
      write(join(dir('blkio'), 'blkio.throttle.io_service_bytes_recursive'), '8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n');
      write(join(CG, 'blkio', 'blkio.throttle.io_service_bytes_recursive'), '8:0 Read 900000\nTotal 900000\n'); // the root group counts
      write(join(dir('pids'), 'pids.current'), '7\n');
      runId = newRun(db, 1);
      w = new DockerWatcher({ docker: fakeDocker(listed), queries: [{}], source: 'cgroup-files', cgroupVersion: 1, hostMemory: 1024 * MiB, collectorHost: 'h', intervalMs: 1000, procRoot: PROC });
    });

    it('reads counters and applies the CLI formulas', async () => {
      fakeProc(1000);
      write(join(dir('cpuacct'), 'cpuacct.usage'), '1000000000\n');
      await tick(w, db, runId);
      fakeProc(1100); // +100 ticks of host CPU time = 1e9 ns
      write(join(dir('cpuacct'), 'cpuacct.usage'), '1250000000\n'); // +0.25 s of CPU
      await tick(w, db, runId);
      const s = db.prepare('SELECT * FROM samples WHERE run_id = ? ORDER BY id').all(runId) as Sample[];
      assert.equal(s.length, 2);
      assert.equal(s[0]!.cpu_percent, null);
      assert.equal(s[1]!.cpu_percent, (0.25e9 / 1e9) * 2 * 100); // Δcpu/Δsystem × 2 CPUs × 100 = 50
      assert.equal(s[1]!.mem_used_bytes, 40 * MiB, 'usage minus total_inactive_file');
      assert.equal(s[1]!.mem_limit_bytes, 1024 * MiB, 'unlimited is clamped to host memory');
      assert.equal(s[1]!.net_rx_bytes, 1000, 'lo excluded');
      assert.deepEqual([s[1]!.block_read_bytes, s[1]!.block_write_bytes, s[1]!.pids], [4096, 8192, 7]);
    });

    it('where the kernel leaves the blkio files at 0 (the root group\'s total too), sums /proc/<pid>/io over the group\'s processes', async () => {
      const root = join(CG, 'blkio', 'blkio.throttle.io_service_bytes_recursive');
      write(root, '8:0 Read 0\n8:0 Write 0\nTotal 0\n');
      write(join(dir('memory'), 'cgroup.procs'), `${PID}\n4243\n4244\n`); // 4244 has just exited: skipped
      write(join(PROC, String(PID), 'io'), 'rchar: 10\nwchar: 20\nread_bytes: 4096\nwrite_bytes: 12288\ncancelled_write_bytes: 0\n');
      write(join(PROC, '4243', 'io'), 'rchar: 1\nwchar: 2\nread_bytes: 0\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n');
      const { v1BlkioCounts } = await import('../cgroup.js');
      assert.equal(v1BlkioCounts(), false);
      await tick(w, db, runId);
      const last = db.prepare('SELECT block_read_bytes, block_write_bytes FROM samples WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as Sample;
      assert.deepEqual([last.block_read_bytes, last.block_write_bytes], [4096, 16384]);
      rmSync(join(PROC, '4243', 'io'));
      write(join(PROC, '4243', 'io'), 'rchar: 1\n'); // a file without the byte lines (no task I/O accounting): missing, not smaller
      await tick(w, db, runId);
      const missing = db.prepare('SELECT block_read_bytes, block_write_bytes FROM samples WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as Sample;
      assert.deepEqual([missing.block_read_bytes, missing.block_write_bytes], [null, null]);
      write(root, '8:0 Read 900000\nTotal 900000\n');
      assert.equal(v1BlkioCounts(), true);
    });

    it('a restart between ticks (CPU counter going back) ends the replica; the next tick starts a new one', async () => {
      write(join(dir('cpuacct'), 'cpuacct.usage'), '5000\n');
      await tick(w, db, runId);
      await tick(w, db, runId);
      const r = db.prepare('SELECT id, ended_at_ms FROM replicas WHERE run_id = ? ORDER BY id').all(runId) as { ended_at_ms: number | null }[];
      assert.equal(r.length, 2);
      assert.ok(r[0]!.ended_at_ms !== null);
      assert.equal(r[1]!.ended_at_ms, null);
    });

    it('a cgroup removed between discovery and the read ends the replica, with no error row', async () => {
      rmSync(join(CG, 'cpuacct', 'docker'), { recursive: true });
      await tick(w, db, runId); // still listed by the engine, but its cgroup is gone
      const ev = db.prepare(`SELECT detail FROM events WHERE run_id = ? AND kind = 'replica-ended' ORDER BY id`).all(runId) as { detail: string }[];
      assert.match(ev.at(-1)!.detail, /cgroup gone/);
      assert.equal((db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ? AND error IS NOT NULL').get(runId) as { n: number }).n, 0);
      listed.ids = [];
      await tick(w, db, runId);
      assert.equal(w.replicaCount, 0);
    });
  });

  describe('cgroup v2 layout', () => {
    it('reads cpu.stat, memory.current/stat/max, io.stat and pids.current', async () => {
      rmSync(CG, { recursive: true, force: true });
      const dir = join(CG, 'system.slice', `docker-${ID}.scope`);
      write(join(CG, 'cgroup.controllers'), 'cpu io memory pids\n');
      write(join(PROC, String(PID), 'cgroup'), `0::/system.slice/docker-${ID}.scope\n`);
      write(join(dir, 'memory.current'), `${100 * MiB}\n`);
      write(join(dir, 'memory.stat'), `anon ${60 * MiB}\nfile ${40 * MiB}\ninactive_file ${30 * MiB}\n`);
      write(join(dir, 'memory.max'), `${512 * MiB}\n`);
      write(join(dir, 'io.stat'), '8:0 rbytes=100 wbytes=200 rios=1 wios=1\n');
      write(join(dir, 'pids.current'), '3\n');
      const runId = newRun(db, 2);
      const w = new DockerWatcher({ docker: fakeDocker({ ids: [ID] }), queries: [{}], source: 'cgroup-files', cgroupVersion: 2, hostMemory: 1024 * MiB, collectorHost: 'h', intervalMs: 1000, procRoot: PROC });
      fakeProc(2000);
      write(join(dir, 'cpu.stat'), 'usage_usec 1000000\nuser_usec 900000\nsystem_usec 100000\n');
      await tick(w, db, runId);
      fakeProc(2100);
      write(join(dir, 'cpu.stat'), 'usage_usec 1500000\nuser_usec 1400000\nsystem_usec 100000\n');
      await tick(w, db, runId);
      const s = db.prepare('SELECT * FROM samples WHERE run_id = ? ORDER BY id').all(runId) as Sample[];
      assert.equal(s[1]!.cpu_total_ns, 1.5e9);
      assert.equal(s[1]!.cpu_percent, 100, 'v2 CPU is not 0 % (0.5 s of CPU in 1 s of host time on 2 CPUs)');
      assert.equal(s[1]!.mem_used_bytes, 70 * MiB, 'usage minus inactive_file');
      assert.equal(s[1]!.mem_limit_bytes, 512 * MiB);
      assert.deepEqual([s[1]!.block_read_bytes, s[1]!.block_write_bytes, s[1]!.pids], [100, 200, 3]);
    });
  });
});
