import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Counters, DockerStatsJson } from '../formulas.js';
import {
  countersFromDockerStats,
  cpuPercent,
  cpuPercentOfFrame,
  memPercent,
  memUsed,
  systemCpuNsFromTicks,
} from '../formulas.js';

function fixture(name: string): DockerStatsJson {
  return JSON.parse(readFileSync(new URL(`../../../collector/test/fixtures/${name}`, import.meta.url), 'utf8')) as DockerStatsJson;
}

const base: Counters = {
  cpuTotalNs: 0, systemCpuNs: 0, onlineCpus: 2, memUsageBytes: null, memInactiveFileBytes: null, memLimitBytes: null,
  netRxBytes: null, netTxBytes: null, blockReadBytes: null, blockWriteBytes: null, pids: null,
};

describe('docker CLI formulas', () => {
  describe('a recorded cgroup v1 stats frame (dockerd 20.10)', () => {
    const frame = fixture('stats-v1.json');
    const c = countersFromDockerStats(frame);
    it('gives the CPU % docker stats prints: Δcpu / Δsystem × online CPUs × 100', () => {
      assert.equal(cpuPercentOfFrame(frame)!.toFixed(2), '48.72');
    });
    it('subtracts total_inactive_file from usage for memory used', () => {
      assert.equal(c.memUsageBytes, 22_024_192);
      assert.equal(c.memInactiveFileBytes, 19_922_944);
      assert.equal(memUsed(c.memUsageBytes, c.memInactiveFileBytes), 2_101_248);
      assert.equal(memPercent(2_101_248, c.memLimitBytes)!.toFixed(2), '1.57');
    });
    it('keeps the raw counters and sums network bytes over interfaces', () => {
      assert.equal(c.cpuTotalNs, frame.cpu_stats!.cpu_usage!.total_usage);
      assert.equal(c.systemCpuNs, frame.cpu_stats!.system_cpu_usage);
      assert.equal(c.onlineCpus, 2);
      assert.equal(c.memLimitBytes, 134_217_728);
      assert.equal(c.netRxBytes, 736);
      assert.equal(c.netTxBytes, 0);
      assert.equal(c.pids, 1);
    });
    it('reads an empty blkio list as 0 bytes (what the CLI shows), not as missing', () => {
      assert.equal(c.blockReadBytes, 0);
      assert.equal(c.blockWriteBytes, 0);
    });
  });

  describe('a cgroup v2 stats frame (no percpu_usage)', () => {
    const frame = fixture('stats-v2.json');
    const c = countersFromDockerStats(frame);
    it('computes CPU % from online_cpus, not from the empty per-CPU list (the ctop 0 % bug)', () => {
      assert.equal(cpuPercentOfFrame(frame)!.toFixed(2), '49.80');
    });
    it('subtracts inactive_file (the v2 key) for memory used', () => {
      assert.equal(memUsed(c.memUsageBytes, c.memInactiveFileBytes), 160_116_736);
    });
    it('counts lower-case read/write blkio entries over every device', () => {
      assert.equal(c.blockReadBytes, 4_407_296 + 1_048_576);
      assert.equal(c.blockWriteBytes, 20_480);
    });
    it('sums every interface and reads pids', () => {
      assert.equal(c.netRxBytes, 1_050_230);
      assert.equal(c.netTxBytes, 735_110);
      assert.equal(c.pids, 11);
    });
  });

  describe('cpuPercent between two readings', () => {
    it('is null for the first reading: there is no delta yet', () => {
      assert.equal(cpuPercent(undefined, base), null);
    });
    it('can exceed 100 on several cores', () => {
      const prev = { ...base, cpuTotalNs: 0, systemCpuNs: 0 };
      const cur = { ...base, cpuTotalNs: 1.5e9, systemCpuNs: 2e9 }; // 2 CPUs × 1 s
      assert.equal(cpuPercent(prev, cur), 150);
    });
    it('is 0 when either delta is not positive, as the CLI does', () => {
      assert.equal(cpuPercent({ ...base, cpuTotalNs: 5 }, { ...base, cpuTotalNs: 5, systemCpuNs: 10 }), 0);
      assert.equal(cpuPercent({ ...base, systemCpuNs: 10 }, { ...base, cpuTotalNs: 5, systemCpuNs: 10 }), 0);
    });
    it('is null, never 0, when a counter is missing', () => {
      assert.equal(cpuPercent({ ...base, cpuTotalNs: null }, { ...base, cpuTotalNs: 5, systemCpuNs: 10 }), null);
    });
  });

  describe('memory', () => {
    it('uses usage as is when the inactive file cache is not smaller', () => {
      assert.equal(memUsed(100, 100), 100);
      assert.equal(memUsed(100, null), 100);
    });
    it('is missing when usage is', () => {
      assert.equal(memUsed(null, 5), null);
      assert.equal(memPercent(null, 10), null);
    });
  });

  describe('host CPU time', () => {
    it('sums the first 7 /proc/stat fields, ticks of 10 ms, like dockerd', () => {
      assert.equal(systemCpuNsFromTicks([1, 2, 3, 4, 5, 6, 7, 1000, 1000]), 28 * 1e7);
    });
  });
});
