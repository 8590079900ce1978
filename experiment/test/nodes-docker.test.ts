// `--nodes`: the smallest useful multi-node run against the real engine (two Docker-in-Docker nodes,
// swarm-3 spread over them, a short load, a collector on each node, the merged report), and Ctrl-C while
// the nodes start. Both check that no node container, volume, network, socket folder or cgroup is left.
// About 2–3 minutes on a 2-core VM, most of it `docker load` of the images into the nodes.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { findPackageRoot } from '../../common/package-root.js';
import { runChecked, runCommand, type CommandOptions } from '../../common/run-command.js';
import { parseRunRecord } from '../../contracts/run-record.js';
import { requireDocker } from '../../test-support/docker.js';
import { freePort } from '../../test-support/local-servers.js';
import { NODE_PREFIX } from '../nodes.js';

const root = findPackageRoot();
const cli = join(root, 'dist/experiment/cli.js');
const NODES = [`${NODE_PREFIX}-1`, `${NODE_PREFIX}-2`];

const runCli = (args: string[], onStderr?: CommandOptions['onStderr']) =>
  runCommand(process.execPath, [cli, ...args], { cwd: root, onStderr, timeoutMs: 600_000 });

/** Everything a nodes run creates, that must be gone afterwards. */
async function leftovers(): Promise<string[]> {
  const list = async (args: string[]): Promise<string[]> => (await runChecked('docker', args)).split('\n').filter((n) => n.startsWith(NODE_PREFIX));
  const cgroups = readdirSync('/sys/fs/cgroup').flatMap((c) => NODES.filter((n) => existsSync(join('/sys/fs/cgroup', c, n))).map((n) => `cgroup ${c}/${n}`));
  return [
    ...(await list(['ps', '-a', '--format', '{{.Names}}'])).map((n) => `container ${n}`),
    ...(await list(['volume', 'ls', '--format', '{{.Name}}'])).map((n) => `volume ${n}`),
    ...(await list(['network', 'ls', '--format', '{{.Name}}'])).map((n) => `network ${n}`),
    ...cgroups,
    ...NODES.filter((n) => existsSync(join('/tmp/llm-bench-nodes', n))).map((n) => `socket folder ${n}`),
  ];
}

describe('docker: the experiment on two simulated nodes', { timeout: 900_000 }, () => {
  it('spreads swarm-3 over both nodes, records each node, merges one report naming both, leaves nothing', async () => {
    await requireDocker();
    assert.deepEqual(await leftovers(), [], 'a clean start');
    const dir = mkdtempSync(join(tmpdir(), 'ldb-nodes-'));
    const out = join(dir, 'runs');
    const r = await runCli(['--nodes', '2', '--deployments', 'swarm-3', '--repeat', '1', '--requests', '30', '--concurrency', '4',
      '--duration', '2s', '--warmup', '5', '--port', String(await freePort()), '--out', out, '--report-dir', join(dir, 'report')]);
    assert.equal(r.code, 0, r.stderr.slice(-3000));

    const run = parseRunRecord(readFileSync(join(out, 'swarm-3', 'round-1', 'run.json'), 'utf8'), 'run.json');
    assert.equal(run.target?.frontNode, NODES[0], 'the front runs on the manager');
    assert.match(run.target?.path ?? '', /spread over 2 nodes/);
    // Each node's clock read at the start and the end of the recording: one kernel's clock, so 0 within the ±.
    assert.deepEqual(run.nodeClocks.map((c) => `${c.node} ${c.at}`).sort(), NODES.flatMap((n) => [`${n} end`, `${n} start`]));
    for (const c of run.nodeClocks) assert.ok(Math.abs(c.offsetMs) <= c.uncertaintyMs, `${c.node} ${c.at}: ${c.offsetMs} ± ${c.uncertaintyMs} ms`);
    // Each node's own database: its replicas (at most two of the three: spread) and their samples.
    for (const node of NODES) {
      const db = new Database(join(out, 'nodes', node, 'bench.db'), { readonly: true });
      try {
        const runs = db.prepare(`SELECT id, collector_host AS host, status FROM runs WHERE label = 'swarm-3'`).all() as Array<{ id: number; host: string; status: string }>;
        assert.deepEqual(runs.map((x) => [x.host, x.status]), [[node, 'complete']], `${node}: one complete run, recorded on that node`);
        const replicas = db.prepare("SELECT COUNT(*) FROM replicas WHERE run_id = ? AND role = 'service'").pluck().get(runs[0]!.id) as number;
        assert.ok(replicas >= 1 && replicas <= 2, `${node} ran ${replicas} replica(s)`);
        const samples = db.prepare("SELECT COUNT(*) FROM samples WHERE run_id = ? AND error IS NULL AND replica_id IN (SELECT id FROM replicas WHERE role = 'service')").pluck().get(runs[0]!.id) as number;
        assert.ok(samples > 0, `${node}: samples recorded`);
      } finally {
        db.close();
      }
    }
    const report = readFileSync(join(dir, 'report', 'REPORT.md'), 'utf8');
    assert.match(report, /## Per node/);
    for (const node of NODES) assert.match(report, new RegExp(`\\| swarm-3 +\\| ${node} `), `the per-node table names ${node}`);
    assert.match(report, /The cross-node path against the same-node path/);
    assert.match(report, /### Clocks[\s\S]*Every offset is within the sampling interval\./);
    assert.deepEqual(await leftovers(), []);
  });

  it('Ctrl-C while the nodes start tears them down and exits 1', async () => {
    await requireDocker();
    const dir = mkdtempSync(join(tmpdir(), 'ldb-nodes-'));
    let sent = false;
    const r = await runCli(['--nodes', '2', '--deployments', 'swarm-3', '--repeat', '1', '--port', String(await freePort()), '--out', join(dir, 'runs'), '--no-report'],
      (text, child) => {
        if (!sent && text.includes('waiting for their engines')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
    assert.ok(sent, r.stderr.slice(-2000));
    assert.equal(r.code, 1, r.stderr.slice(-2000));
    assert.match(r.stderr, /Ctrl-C: stopping the load and tearing down/);
    assert.match(r.stderr, /nodes: removed llm-bench-node-1, llm-bench-node-2/);
    assert.deepEqual(await leftovers(), []);
  });
});
