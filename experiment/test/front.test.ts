// --front end to end: native measured straight and behind the HAProxy front (llm-inference-front in the
// host's network namespace) in one experiment, through the CLI with the real driver, service, collector
// and reporter; the front run answers, is recorded (the front as its platform) and labelled as such, and
// nothing is left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';
import { parseRunRecord, type RunRecord } from '../../contracts/run-record.js';
import { docker } from '../../deploy/drivers/engine.js';
import { requireDocker } from '../../test-support/docker.js';
import { freePort } from '../../test-support/local-servers.js';

const root = findPackageRoot();
const readRun = (dir: string): RunRecord => parseRunRecord(readFileSync(join(dir, 'run.json'), 'utf8'), join(dir, 'run.json'));
const csv = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe('experiment --front', () => {
  before(() => requireDocker());

  it('docker: native and native-front in one experiment: the front run answers through HAProxy, run.json and the report say so, nothing is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldb-front-'));
    const port = await freePort();
    const args = ['--deployments', 'native', '--front', '--repeat', '1', '--requests', '6', '--concurrency', '1', '--warmup', '0',
      '--port', String(port), '--db', join(dir, 'bench.db'), '--out', join(dir, 'runs'), '--report-dir', join(dir, 'report')];
    const r = await runCommand(process.execPath, [join(root, 'dist/experiment/cli.js'), ...args], { cwd: root });
    assert.equal(r.code, 0, r.stderr);

    const direct = readRun(join(dir, 'runs', 'native', 'round-1'));
    assert.equal(direct.target?.front ?? null, null, 'the direct run went through no front');
    const frontDir = join(dir, 'runs', 'native-front', 'round-1');
    const fronted = readRun(frontDir);
    assert.equal(fronted.status, 'complete');
    assert.equal(fronted.deployment, 'native');
    assert.equal(fronted.target?.port, port, 'the load went to the front on the port asked for');
    assert.equal(fronted.target?.front?.image, 'llm-inference-front');
    const backend = /^127\.0\.0\.1:(\d+)$/.exec(fronted.target?.front?.backend ?? '');
    assert.ok(backend && Number(backend[1]) !== port, `the service behind the front listens on a port of its own: ${fronted.target?.front?.backend}`);
    assert.match(fronted.target?.path ?? '', /^HAProxy front \(llm-inference-front\)/);

    // Every request answered, and each reached the service exactly once (its own CSV row).
    const client = csv(join(frontDir, 'client.csv'));
    assert.deepEqual(client.map((c) => c.status), Array(6).fill('200'));
    const service = csv(join(frontDir, fronted.serviceCsvs[0]!));
    assert.deepEqual(service.map((s) => s['Request ID']).sort(), client.map((c) => c.request_id).sort());

    // The front is the run's platform: its container sampled as component front (with its shim, dockerd, containerd).
    const db = new Database(join(dir, 'bench.db'), { readonly: true });
    const parts = db.prepare(`SELECT r.role, r.component, r.kind, r.name FROM replicas r WHERE r.run_id = ? ORDER BY r.id`).all(fronted.runId) as
      Array<{ role: string; component: string | null; kind: string; name: string }>;
    db.close();
    assert.deepEqual(parts.filter((p) => p.component === 'front').map((p) => [p.role, p.kind, p.name]), [['platform', 'container', 'llm-inference-native-front']]);
    assert.ok(parts.some((p) => p.component === 'containerd-shim'), JSON.stringify(parts));

    const note = 'Through the HAProxy front (llm-inference-front): native-front. Straight to the replica: native.';
    assert.ok(readFileSync(join(dir, 'report', 'REPORT.md'), 'utf8').includes(note), 'REPORT.md labels the front run');
    assert.ok(readFileSync(join(dir, 'report', 'report.html'), 'utf8').includes(note), 'report.html labels the front run');

    assert.equal(await docker(['ps', '-aq', '--filter', 'name=^llm-inference-native-front$']), '', 'the front container is gone');
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    assert.equal(free, true, 'nothing listens on the port any more');
  });
});
