import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningProcess } from '../../common/start-process.js';
import { startProcess } from '../../common/start-process.js';
import { makeServiceCgroup, type ServiceCgroup } from '../../deploy/drivers/native-cgroup.js';
import { detectCgroupVersion } from '../cgroup.js';
import { parseKeyValues } from '../procfs-parse.js';
import { one, query, startDetached, stopRun, tempDir, waitFor } from '../testing/helpers.js';

interface Sample {
  cpu_total_ns: number;
  mem_usage_bytes: number;
  mem_inactive_file_bytes: number | null;
  mem_used_bytes: number;
  mem_limit_bytes: number;
  mem_percent: number;
  pids: number | null;
  error: string | null;
}

const MiB = 1024 * 1024;
const number = (file: string): number => Number(readFileSync(file, 'utf8').trim());

/** The group's own counters, read straight from its files: CPU ns, raw memory usage, pids. */
function groupCounters(group: ServiceCgroup): { cpuNs: number; usage: number; pids: number } {
  const dirs = group.dirs;
  if (detectCgroupVersion() === 2) {
    const dir = dirs[0]!;
    return { cpuNs: parseKeyValues(readFileSync(`${dir}/cpu.stat`, 'utf8')).get('usage_usec')! * 1000, usage: number(`${dir}/memory.current`), pids: number(`${dir}/pids.current`) };
  }
  const dir = (controller: string): string => dirs.find((d) => d.includes(`/${controller}/`))!;
  return { cpuNs: number(`${dir('cpuacct')}/cpuacct.usage`), usage: number(`${dir('memory')}/memory.usage_in_bytes`), pids: number(`${dir('pids')}/pids.current`) };
}

describe('a native process in a cgroup of its own (what the native driver makes)', () => {
  const tmp = tempDir('native-cgroup');
  const db = join(tmp.dir, 'bench.db');
  let group: ServiceCgroup;
  let child: RunningProcess;

  before(async () => {
    // the cgroupfs way, as on this project's machines (no systemd as PID 1); systemd's scope is the driver's other way
    const made = await makeServiceCgroup(`collector-test-${process.pid}`, { systemd: false });
    assert.ok('cgroup' in made, 'why' in made ? made.why : '');
    group = made.cgroup;
    // 48 MiB written (so resident and charged), then idle: its counters hold still while the test compares them
    const code = "globalThis.b = Buffer.alloc(48 * 1024 * 1024, 1); console.log('ready'); setInterval(() => {}, 3_600_000);";
    const { file, args } = group.command(process.execPath, ['-e', code]);
    child = startProcess(file, args, { inheritStderr: true });
    await child.waitForOutput(/ready/, 20_000);
  });
  after(async () => {
    await child?.stop();
    await group?.remove();
    tmp.cleanup();
  });

  it('records the run as cgroup-files and every sample from the cgroup files, as for a container', async () => {
    const runId = await startDetached(['--label', 'native', '--db', db, '--pid', String(child.pid), '--interval', '200ms']);
    await waitFor('four samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 4);
    await stopRun('native', db);
    const now = groupCounters(group);

    const run = one<{ stats_source: string; cgroup_version: number | null; host_memory_bytes: number }>(db, 'SELECT * FROM runs WHERE id = ?', runId);
    assert.equal(run.stats_source, 'cgroup-files');
    assert.equal(run.cgroup_version, detectCgroupVersion());
    const rows = query<Sample>(db, 'SELECT * FROM samples WHERE run_id = ? ORDER BY id', runId);
    assert.ok(rows.every((s) => s.error === null), JSON.stringify(rows.map((s) => s.error)));
    const last = rows.at(-1)!;
    // CPU: the group's cpuacct counter (an idle process: a few ms at most between the last tick and now)
    assert.ok(now.cpuNs >= last.cpu_total_ns && now.cpuNs - last.cpu_total_ns < 50e6, `cpuacct ${now.cpuNs} vs sample ${last.cpu_total_ns}`);
    // memory: the group's raw usage (page cache included), and used = usage − inactive file, as docker stats
    assert.ok(Math.abs(now.usage - last.mem_usage_bytes) < 2 * MiB, `usage ${now.usage} vs sample ${last.mem_usage_bytes}`);
    assert.notEqual(last.mem_inactive_file_bytes, null, 'inactive file comes from memory.stat (NULL on the /proc path)');
    assert.equal(last.mem_used_bytes, last.mem_usage_bytes - last.mem_inactive_file_bytes!);
    assert.ok(last.mem_used_bytes > 48 * MiB, `used ${last.mem_used_bytes}`);
    // MEM %: used ÷ limit × 100, the limit being the host's memory for an unlimited group (as dockerd)
    assert.equal(last.mem_limit_bytes, run.host_memory_bytes);
    assert.ok(Math.abs(last.mem_percent - (last.mem_used_bytes / last.mem_limit_bytes) * 100) < 1e-9);
    assert.equal(last.pids, now.pids, 'pids.current of the group (the process\'s threads)');
  });

  it('ends the replica when the process exits, though its emptied group is still there', async () => {
    const runId = await startDetached(['--label', 'native-end', '--db', db, '--pid', String(child.pid), '--interval', '100ms']);
    await waitFor('two samples', () => query(db, 'SELECT id FROM samples WHERE run_id = ?', runId).length >= 2);
    await child.stop();
    await waitFor('the replica end', () => query(db, `SELECT id FROM events WHERE run_id = ? AND kind = 'replica-ended'`, runId).length === 1);
    await stopRun('native-end', db);
    const ended = one<{ ended_at_ms: number }>(db, 'SELECT ended_at_ms FROM replicas WHERE run_id = ?', runId).ended_at_ms;
    assert.equal(query(db, 'SELECT id FROM samples WHERE run_id = ? AND ts_ms > ?', runId, ended).length, 0, 'no sample of the empty group');
  });
});
