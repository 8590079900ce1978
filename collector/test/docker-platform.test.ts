// The platform's rows for a real container (schema v2 roles): a busybox container with a published port,
// recorded with the default (platform on); and a native process behind a front container (the
// experiment's `native-front`). Lean: one container each, a few 200 ms ticks.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReplicaRow } from '../../contracts/recording.js';
import { userlandProxyCarries } from '../../deploy/drivers/engine.js';
import { requireDocker } from '../../test-support/docker.js';
import { docker, ensureTestImage, query, startDetached, stopRun, tempDir, TestContainers, waitFor } from '../testing/helpers.js';

/** Records a run (`args` name the label, every 200 ms) until it has `min` rows, each with two samples; stops it and gives the rows. */
async function recordUntil(db: string, args: string[], min: number): Promise<ReplicaRow[]> {
  const runId = await startDetached([...args, '--db', db, '--interval', '200ms']);
  const rows = await waitFor(`${min} rows, each with two samples`, () => {
    const r = query<ReplicaRow>(db, 'SELECT * FROM replicas WHERE run_id = ? ORDER BY id', runId);
    const sampled = query<{ n: number }>(db, 'SELECT COUNT(DISTINCT replica_id) AS n FROM samples WHERE run_id = ? AND cpu_percent IS NOT NULL', runId)[0]!.n;
    return r.length >= min && sampled === r.length && r;
  });
  await stopRun(args[args.indexOf('--label') + 1]!, db);
  return rows;
}

describe('docker: the platform that carries a container, as its own rows', () => {
  const tmp = tempDir('platform');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('plat');
  let target: { id: string; name: string };
  let port: number;
  let rows: ReplicaRow[];

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    target = await containers.run(['-p', '127.0.0.1::8080'], ['sleep', '600']);
    port = Number((await docker('port', target.name, '8080/tcp')).split(':').pop());
    rows = await recordUntil(db, ['--label', 'platform', '--filter', containers.filter], 4);
  });
  after(async () => {
    await containers.removeAll();
    tmp.cleanup();
  });

  it('records the container as the service, its shim, dockerd and containerd as platform', () => {
    const byComponent = (c: string): ReplicaRow[] => rows.filter((r) => r.role === 'platform' && r.component === c);
    assert.deepEqual(rows.filter((r) => r.role === 'service').map((r) => [r.kind, r.container_id, r.component]), [['container', target.id, null]]);
    assert.equal(byComponent('containerd-shim').length, 1);
    assert.match(byComponent('containerd-shim')[0]!.name, new RegExp(target.id.slice(0, 12)));
    assert.equal(byComponent('dockerd').length, 1);
    assert.ok(byComponent('containerd').length >= 1);
    assert.ok(rows.filter((r) => r.role === 'platform').every((r) => r.kind === 'process' && r.pid! > 0));
  });

  it('records docker-proxy of the published port when the userland proxy carries it', () => {
    const proxies = rows.filter((r) => r.component === 'docker-proxy');
    if (userlandProxyCarries(port)) assert.ok(proxies.length >= 1 && proxies.every((p) => p.name.endsWith(`:${port}`)), JSON.stringify(proxies));
    else assert.equal(proxies.length, 0, 'no docker-proxy: the port is NATed by iptables alone');
  });

  it('samples the platform\'s processes: CPU and RSS, no network (the host\'s counters are not theirs)', () => {
    const samples = query<{ cpu_total_ns: number | null; mem_used_bytes: number | null; net_rx_bytes: number | null }>(db,
      `SELECT s.* FROM samples s JOIN replicas r ON r.id = s.replica_id WHERE r.role = 'platform' AND s.error IS NULL`);
    assert.ok(samples.length >= 6);
    assert.ok(samples.every((s) => s.cpu_total_ns! >= 0 && s.mem_used_bytes! > 0 && s.net_rx_bytes === null));
  });
});

describe('docker: a native process behind a front container (--pid with --front-container), the front as its platform', () => {
  const tmp = tempDir('front');
  const db = join(tmp.dir, 'bench.db');
  const containers = new TestContainers('front');
  let front: { id: string; name: string };
  let service: ChildProcess;
  let rows: ReplicaRow[];

  before(async () => {
    await requireDocker();
    await ensureTestImage();
    front = await containers.run([], ['sleep', '600']);
    service = spawn('sleep', ['600'], { stdio: 'ignore' });
    rows = await recordUntil(db, ['--label', 'native-front', '--deployment', 'native', '--pid', String(service.pid), '--front-container', front.name], 5);
  });
  after(async () => {
    service?.kill();
    await containers.removeAll();
    tmp.cleanup();
  });

  it('records the process as the service, the front container as platform component front, and its shim, dockerd and containerd', () => {
    assert.deepEqual(rows.filter((r) => r.role === 'service').map((r) => [r.kind, r.pid, r.component]), [['process', service.pid, null]]);
    const fronts = rows.filter((r) => r.component === 'front');
    assert.deepEqual(fronts.map((r) => [r.role, r.kind, r.container_id, r.name]), [['platform', 'container', front.id, front.name]]);
    const shims = rows.filter((r) => r.component === 'containerd-shim');
    assert.equal(shims.length, 1);
    assert.match(shims[0]!.name, new RegExp(front.id.slice(0, 12)));
    assert.ok(rows.some((r) => r.component === 'dockerd') && rows.some((r) => r.component === 'containerd'));
    const run = query<{ deployment: string; selection: string }>(db, 'SELECT deployment, selection FROM runs')[0]!;
    assert.equal(run.deployment, 'native');
    assert.deepEqual(JSON.parse(run.selection).platform, { front: [{ name: [`^/?${front.name}$`] }] });
  });
});
