import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runChecked } from '../../common/run-command.js';
import { requireDocker } from '../../test-support/docker.js';
import { docker, ensureTestImage, one, query, ROOT, SERVICE_SAMPLES, tempDir, TEST_LABEL, TestContainers, waitFor } from '../testing/helpers.js';
import { dockerSocketPath } from '../testing/socket-proxy.js';

describe('docker: the collector running as a container', () => {
  const tmp = tempDir('in-container');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('ctr');
  const collectorName = `lbc-collector-${process.pid}`;
  let target: { id: string };

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    // builds the collector's dependencies into the image first (minutes on a fresh machine), then seconds
    await runChecked('bash', [join(ROOT, 'deploy/collector-image.sh')], { timeoutMs: 900_000 });
    chmodSync(tmp.dir, 0o777);
    target = await containers.run(['--memory', '48m'], ['sleep', '600']);
    await docker(
      'run', '-d', '--name', collectorName, '--label', TEST_LABEL,
      '--pid', 'host', '--cgroupns', 'host',
      '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro',
      '-v', `${dockerSocketPath()}:/var/run/docker.sock`,
      '-v', `${tmp.dir}:/data`,
      'llm-deploy-bench-collector',
      'start', '--label', 'in-container', '--db', '/data/bench.db', '--filter', containers.filter, '--interval', '500ms',
    );
  });
  after(async () => {
    await docker('rm', '-f', collectorName).catch(() => undefined);
    await containers.removeAll();
    tmp.cleanup();
  });

  it('reads cgroup files through --pid host and a read-only /sys/fs/cgroup', async () => {
    const rows = await waitFor('samples written from the container', () => {
      try {
        const r = query<{ mem_limit_bytes: number; net_rx_bytes: number | null; cpu_percent: number | null }>(
          db, `SELECT * FROM samples WHERE error IS NULL AND ${SERVICE_SAMPLES} ORDER BY id`,
        );
        return r.length >= 3 && r;
      } catch {
        return undefined; // the DB file is not there yet
      }
    }, 30_000);
    const run = one<{ stats_source: string; collector_host: string }>(db, 'SELECT * FROM runs');
    assert.equal(run.stats_source, 'cgroup-files');
    assert.equal(run.collector_host, (await docker('inspect', '-f', '{{.Config.Hostname}}', collectorName)));
    assert.equal(rows.at(-1)!.mem_limit_bytes, 48 * 1024 * 1024);
    assert.notEqual(rows.at(-1)!.net_rx_bytes, null, 'the replica\'s /proc/<pid>/net/dev is visible with --pid host');
    assert.notEqual(rows.at(-1)!.cpu_percent, null);
    const r = one<{ container_id: string }>(db, `SELECT container_id FROM replicas WHERE role = 'service'`);
    assert.equal(r.container_id, target.id);
  });

  it('docker stop ends the run cleanly (SIGTERM)', async () => {
    await docker('stop', '-t', '20', collectorName);
    assert.equal(await docker('inspect', '-f', '{{.State.ExitCode}}', collectorName), '0');
    assert.equal(one<{ status: string }>(db, 'SELECT status FROM runs').status, 'complete');
  });

  it('without --pid host it falls back to the stats stream, per replica, and says so', async () => {
    const name = `${collectorName}-nopid`;
    try {
      await docker(
        'run', '-d', '--name', name, '--label', TEST_LABEL,
        '-v', `${dockerSocketPath()}:/var/run/docker.sock`, '-v', `${tmp.dir}:/data`,
        'llm-deploy-bench-collector',
        'start', '--label', 'no-pid-host', '--db', '/data/bench.db', '--filter', containers.filter, '--interval', '500ms',
      );
      const runId = await waitFor('the run', () => query<{ id: number }>(db, `SELECT id FROM runs WHERE label = 'no-pid-host'`)[0]?.id, 30_000);
      await waitFor('stream samples with CPU %', () =>
        query(db, `SELECT id FROM samples WHERE run_id = ? AND cpu_percent IS NOT NULL AND ${SERVICE_SAMPLES}`, runId).length >= 2, 30_000);
      const ev = query<{ kind: string; detail: string }>(db, `SELECT kind, detail FROM events WHERE run_id = ? AND kind = 'stats-fallback'`, runId);
      assert.equal(ev.length, 1);
      assert.match(ev[0]!.detail, /stats stream/);
      await docker('stop', '-t', '20', name);
      assert.equal(one<{ status: string }>(db, 'SELECT status FROM runs WHERE id = ?', runId).status, 'complete');
    } finally {
      await docker('rm', '-f', name).catch(() => undefined);
    }
  });
});
