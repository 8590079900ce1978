import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { requireDocker } from '../../test-support/docker.js';
import type { DockerStatsJson } from '../formulas.js';
import { countersFromDockerStats, cpuPercentOfFrame, memUsed } from '../formulas.js';
import { ensureTestImage, query, SERVICE_SAMPLES, startDetached, stopRun, tempDir, TestContainers, waitFor } from '../testing/helpers.js';

interface ApiFrame {
  tsMs: number;
  cpuPercent: number | null;
  memUsed: number | null;
  memLimit: number | null;
  pids: number | null;
}

/** Frames of the Docker API stats stream for one container, as the docker CLI would read them. */
async function apiFrames(id: string, count: number): Promise<ApiFrame[]> {
  const stream = (await new Docker().getContainer(id).stats({ stream: true })) as NodeJS.ReadableStream & { destroy(): void };
  const frames: ApiFrame[] = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const json = JSON.parse(buffered.slice(0, nl)) as DockerStatsJson;
        buffered = buffered.slice(nl + 1);
        const c = countersFromDockerStats(json);
        frames.push({ tsMs: Date.parse(json.read!), cpuPercent: cpuPercentOfFrame(json), memUsed: memUsed(c.memUsageBytes, c.memInactiveFileBytes), memLimit: c.memLimitBytes, pids: c.pids });
        if (frames.length === count) {
          stream.destroy();
          resolve(frames);
        }
      }
    });
  });
}

interface Sample {
  ts_ms: number;
  cpu_percent: number | null;
  mem_used_bytes: number;
  mem_usage_bytes: number;
  mem_inactive_file_bytes: number;
  mem_limit_bytes: number;
  pids: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('docker: recorded values agree with the Docker API through the CLI formulas', () => {
  const tmp = tempDir('accuracy');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('acc');
  let target: { id: string };

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    // a steady half-core load, and 16 MiB of page cache that `docker stats` does not count as memory
    target = await containers.run(['--cpus', '0.5', '--memory', '96m'], [
      'sh', '-c', 'dd if=/dev/zero of=/tmp/cache bs=1M count=16 2>/dev/null; while :; do :; done',
    ]);
  });
  after(async () => {
    await containers.removeAll();
    tmp.cleanup();
  });

  for (const source of ['cgroup-files', 'docker-api-stream'] as const) {
    describe(`stats source ${source}`, () => {
      let samples: Sample[];
      let frames: ApiFrame[];
      before(async () => {
        const label = `acc-${source}`;
        const runId = await startDetached(['--label', label, '--db', db, '--filter', containers.filter, '--stats-source', source, '--interval', '1s']);
        [frames] = await Promise.all([
          apiFrames(target.id, 6),
          waitFor('6 samples', () => query(db, `SELECT id FROM samples WHERE run_id = ? AND ${SERVICE_SAMPLES}`, runId).length >= 6),
        ]);
        await stopRun(label, db);
        samples = query<Sample>(db, `SELECT * FROM samples WHERE run_id = ? AND error IS NULL AND ${SERVICE_SAMPLES} ORDER BY ts_ms`, runId);
      });

      it('memory used (usage minus inactive file) is within 1 % of the API\'s, and excludes the page cache', () => {
        // page cache moves between the kernel's active and inactive lists over time: compare the
        // sample and the frame read closest together (the same daemon tick for the stream source)
        let ours = samples[0]!;
        let api = frames[0]!;
        for (const s of samples) {
          for (const f of frames) if (Math.abs(s.ts_ms - f.tsMs) < Math.abs(ours.ts_ms - api.tsMs)) [ours, api] = [s, f];
        }
        assert.ok(Math.abs(ours.mem_used_bytes - api.memUsed!) <= 0.01 * api.memUsed!, `${ours.mem_used_bytes} vs ${api.memUsed}`);
        assert.ok(ours.mem_inactive_file_bytes >= 4 * 1024 * 1024, 'the page cache shows up as inactive file');
        assert.equal(ours.mem_used_bytes, ours.mem_usage_bytes - ours.mem_inactive_file_bytes);
      });

      it('the memory limit and pids equal the API\'s', () => {
        assert.equal(samples.at(-1)!.mem_limit_bytes, frames.at(-1)!.memLimit);
        assert.equal(samples.at(-1)!.mem_limit_bytes, 96 * 1024 * 1024);
        assert.equal(samples.at(-1)!.pids, frames.at(-1)!.pids);
      });

      it('CPU % over the same seconds is within 5 points of the API\'s (a --cpus 0.5 busy loop)', () => {
        const ours = mean(samples.map((s) => s.cpu_percent).filter((c): c is number => c !== null));
        const api = mean(frames.map((f) => f.cpuPercent).filter((c): c is number => c !== null));
        assert.ok(Math.abs(ours - api) <= 5, `collector ${ours.toFixed(2)} % vs API ${api.toFixed(2)} %`);
        // a loaded machine may give the loop less than its limit, never more
        assert.ok(ours > 5 && ours <= 55, `a half-core limit shows as at most 50 %, got ${ours.toFixed(2)}`);
      });
    });
  }
});
