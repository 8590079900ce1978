// Several nodes' recordings (`--db a.db --db b.db`): merged into <out>/report.db with ids moved past
// the previous input's, the same run seen from two nodes folded into one, the inputs left untouched.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { build } from '../build.js';
import { makeFixture, SMALL_SPEC } from '../fixture/make-fixture.js';
import { ROOT, runCli, tempDir } from '../fixture/workspace.js';

const count = (path: string, sql: string, ...args: unknown[]): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(...args) as number;
  } finally {
    db.close();
  }
};
const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('reporter build with two nodes\' databases', () => {
  let dir: string;
  let a: string;
  let b: string;
  let merged: string;
  let hashes: string[];
  before(async () => {
    dir = tempDir('reporter-merge-');
    a = makeFixture(join(dir, 'node-a'), { ...SMALL_SPEC, host: 'node-a' }, ROOT);
    b = makeFixture(join(dir, 'node-b'), { ...SMALL_SPEC, host: 'node-b', seed: 8 }, ROOT);
    hashes = [hash(a), hash(b)];
    const out = join(dir, 'report');
    await build({ dbs: [a, b], csvDirs: [join(dir, 'node-a', 'runs')], csvExplicit: true, labels: null, outDir: out, log: () => {}, warn: () => {} });
    merged = join(out, 'report.db');
  });

  it('copies every recorded row of both inputs', () => {
    for (const t of ['replicas', 'replica_labels', 'samples', 'events'])
      assert.equal(count(merged, `SELECT COUNT(*) FROM ${t}`), count(a, `SELECT COUNT(*) FROM ${t}`) + count(b, `SELECT COUNT(*) FROM ${t}`), t);
  });
  it('keeps the first input\'s ids, so its run.json run ids still match', () => {
    const sql = `SELECT id FROM runs WHERE label = 'swarm-3'`;
    assert.equal(count(merged, sql), count(a, sql));
  });
  it('folds the same label recorded at the same time on two hosts into one run spanning both nodes', () => {
    assert.equal(count(merged, 'SELECT COUNT(*) FROM runs'), count(a, 'SELECT COUNT(*) FROM runs'));
    assert.equal(count(merged, `SELECT COUNT(DISTINCT node) FROM replicas r JOIN runs ON runs.id = r.run_id WHERE runs.label = 'swarm-3'`), 2);
    assert.equal(count(merged, `SELECT host_cpus FROM runs WHERE label = 'swarm-3'`), 4);
    const db = new Database(merged, { readonly: true });
    assert.equal(db.prepare(`SELECT collector_host FROM runs WHERE label = 'swarm-3'`).pluck().get(), 'node-a,node-b');
    assert.equal(db.prepare('SELECT COUNT(*) FROM samples s JOIN replicas r ON r.id = s.replica_id WHERE r.run_id <> s.run_id').pluck().get(), 0);
    db.close();
  });
  it('reports every replica of both nodes', () => {
    const summary = JSON.parse(readFileSync(join(dir, 'report', 'summary.json'), 'utf8')) as { replicas: Array<{ label: string }> };
    assert.equal(summary.replicas.filter((r) => r.label === 'swarm-3').length, 6);
  });
  it('keeps the node each replica was recorded on (replica_nodes) and reports per node', () => {
    const sql = `SELECT COUNT(*) FROM replica_nodes n JOIN replicas r ON r.id = n.replica_id JOIN runs ON runs.id = r.run_id WHERE runs.label = 'swarm-3' AND n.node = ?`;
    assert.equal(count(merged, sql, 'node-a'), 3);
    assert.equal(count(merged, sql, 'node-b'), 3);
    const report = readFileSync(join(dir, 'report', 'REPORT.md'), 'utf8');
    assert.match(report, /## Per node/);
    for (const node of ['node-a', 'node-b']) assert.match(report, new RegExp(`\\| swarm-3 +\\| ${node} +\\| 3 `), node);
  });
  it('gives each node\'s CPU as a rate over its replicas\' readings, as their sampled CPU % says, not growth ÷ window', () => {
    // The fixture's cumulative CPU grows by each reading's cpu_percent × interval, so over the readings in the
    // window the rate is the mean cpu_percent of all but the first (which covers the interval before it).
    const db = new Database(merged, { readonly: true });
    const sampled = new Map(db.prepare(`
      WITH r AS (SELECT n.node, s.replica_id, s.cpu_percent, ROW_NUMBER() OVER (PARTITION BY s.replica_id ORDER BY s.ts_ms) AS k
                 FROM report_windows w JOIN samples s ON s.run_id = w.run_id AND s.error IS NULL AND s.ts_ms BETWEEN w.start_ms AND w.end_ms
                 JOIN replica_nodes n ON n.replica_id = s.replica_id JOIN replicas rp ON rp.id = s.replica_id AND rp.role = 'service'
                 WHERE w.phase IS NULL AND w.label = 'swarm-3')
      SELECT node, SUM(m) FROM (SELECT node, replica_id, AVG(cpu_percent) AS m FROM r WHERE k > 1 GROUP BY node, replica_id) GROUP BY node`).raw().all() as Array<[string, number]>);
    db.close();
    const report = readFileSync(join(dir, 'report', 'REPORT.md'), 'utf8');
    for (const node of ['node-a', 'node-b']) {
      const cells = new RegExp(`\\| swarm-3 +\\| ${node} +\\|[^|]+\\|[^|]+\\|[^|]+\\| ([\\d.]+) % \\|`).exec(report);
      assert.ok(cells && sampled.has(node), node);
      assert.ok(Math.abs(Number(cells[1]) - sampled.get(node)!) <= 0.06, `${node}: table ${cells[1]} %, sampled ${sampled.get(node)} %`);
    }
  });
  it('only reads the inputs', () => {
    assert.deepEqual([hash(a), hash(b)], hashes);
  });
  it('refuses the same database given twice', async () => {
    const r = await runCli(['build', '--db', a, '--db', a, '--out', join(dir, 'x')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'reporter: --db: the same database given twice\n');
  });
});
