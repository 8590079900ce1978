// The 4-column service CSV of the 160-review latency test (no Replica, no Request ID, zone-less timestamps) in a run folder
// without run.json: the folder name is the label, it joins the latest recorded run with that label,
// and its rows go to the run's only replica, or stay unattributed when the run has several.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { build } from '../build.js';
import { fixtureCopy, type Workspace } from '../fixture/workspace.js';
import { timeZone } from '../time-zone.js';

const SHORT_HEADER = 'Inference Latency (ms),Prediction,Input Text,Timestamp\n';

/** Rows one second apart starting at startMs, written the short form's way: no zone, microseconds. */
function shortRows(startMs: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const ts = new Date(startMs + i * 1000).toISOString().replace('Z', '537');
    out += `${(10 + i).toFixed(2)},POSITIVE,"Nice, really",${ts}\n`;
  }
  return out;
}

describe('a run folder with only a 4-column service CSV', () => {
  let ws: Workspace;
  let db: Database.Database;
  let result: Awaited<ReturnType<typeof build>>;
  before(async () => {
    ws = fixtureCopy();
    const folders = join(ws.dir, 'short');
    const rec = new Database(ws.db, { readonly: true });
    const start = (label: string): number => rec.prepare('SELECT started_at_ms FROM runs WHERE label = ?').pluck().get(label) as number;
    for (const label of ['native', 'swarm-3']) {
      mkdirSync(join(folders, label, 'service'), { recursive: true });
      writeFileSync(join(folders, label, 'service', 'system_inference_metrics.csv'), SHORT_HEADER + shortRows(start(label) + 5000, 10));
    }
    rec.close();
    result = await build({ dbs: [ws.db], csvDirs: [folders], csvExplicit: true, labels: ['native', 'swarm-3'], outDir: ws.out, timeZone: timeZone('UTC'), log: () => {}, warn: () => {} });
    db = new Database(ws.reportDb, { readonly: true });
  });

  it('imports every row, taking the zone-less time as UTC with its microseconds', () => {
    assert.equal(result.imported.service, 20);
    assert.equal(result.skippedRows, 0);
    const native = db.prepare(`SELECT ts_ms - (SELECT started_at_ms FROM runs WHERE label = 'native') FROM service_requests WHERE label = 'native' ORDER BY ts_ms`).pluck().all() as number[];
    // ms since 1970 as a double keeps about 0.2 µs at this magnitude.
    assert.ok(Math.abs(native[0]! - 5000.537) < 1e-3, String(native[0]));
  });
  it('gives a single-replica run\'s rows to its only replica and joins them to samples', () => {
    const rows = db.prepare(`SELECT attribution, replica_id IS NOT NULL AS has, sample_id IS NOT NULL AS joined FROM service_requests WHERE label = 'native'`).all() as Array<{ attribution: string; has: number; joined: number }>;
    assert.ok(rows.every((r) => r.attribution === 'only-replica' && r.has === 1 && r.joined === 1));
  });
  it('leaves a multi-replica run\'s rows unattributed and says so in the report', async () => {
    assert.equal(db.prepare(`SELECT COUNT(*) FROM service_requests WHERE label = 'swarm-3' AND replica_id IS NULL`).pluck().get(), 10);
    const { readFileSync } = await import('node:fs');
    const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
    assert.match(md, /swarm-3: 10 service rows not attributed to a replica/);
    assert.match(md, /native: no run\.json; no client CSV/);
  });
});
