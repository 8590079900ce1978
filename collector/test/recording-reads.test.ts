import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  eventsOfRun, labelsOfReplica, listRuns, RECORDED_TABLES, RECORDING_SCHEMA_VERSION, recordingRuns, replicasOfRun, runById,
  runByLabel, SAMPLE_COLUMNS, sampleCount, samplesOfRun, sampleSpan, schemaVersion, tickSummaryOfRun,
} from '../../contracts/recording.js';
import { startDetached, stopRun, tempDir, waitFor } from '../testing/helpers.js';

describe('the recording read through contracts/recording.ts', () => {
  const tmp = tempDir('reads');
  const path = join(tmp.dir, 'bench.db');
  let db: Database.Database;
  let first: number;
  let second: number;

  before(async () => {
    const watch = ['--db', path, '--pid', String(process.pid), '--interval', '100ms'];
    first = await startDetached(['--label', 'native', ...watch]);
    await stopRun('native', path);
    second = await startDetached(['--label', 'native', ...watch]);
    db = new Database(path, { readonly: true });
    await waitFor('three samples of the second run', () => sampleCount(db, second) >= 3);
  });
  after(async () => {
    db.close();
    await stopRun('native', path);
    tmp.cleanup();
  });

  it('knows the schema the collector wrote: version, tables, sample columns', () => {
    assert.equal(schemaVersion(db), RECORDING_SCHEMA_VERSION);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    for (const t of RECORDED_TABLES) assert.ok(tables.includes(t), t);
    assert.deepEqual(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('samples'), SAMPLE_COLUMNS);
  });

  it('lists runs oldest first; a label recorded twice resolves to its latest run', () => {
    assert.deepEqual(listRuns(db).map((r) => [r.id, r.status]), [[first, 'complete'], [second, 'recording']]);
    assert.equal(runByLabel(db, 'native')?.id, second);
    assert.equal(runByLabel(db, 'nosuch'), undefined);
    assert.equal(runById(db, first)?.stats_source, 'proc');
    assert.deepEqual(recordingRuns(db).map((r) => r.id), [second]);
    assert.deepEqual(recordingRuns(db, 'other'), []);
  });

  it("reads a run's replicas, samples and their time span", () => {
    const [replica] = replicasOfRun(db, first);
    assert.equal(replica?.kind, 'process');
    assert.equal(replica?.pid, process.pid);
    assert.deepEqual(labelsOfReplica(db, replica!.id), {});
    const all = [...samplesOfRun(db, first)];
    assert.equal(all.length, sampleCount(db, first));
    assert.ok(all.every((s) => s.replica_id === replica!.id && s.run_id === first));
    const span = sampleSpan(db, first)!;
    assert.deepEqual([span.firstMs, span.lastMs], [all[0]!.ts_ms, all.at(-1)!.ts_ms]);
    const some = [...samplesOfRun(db, first, ['ts_ms', 'cpu_percent'])];
    assert.deepEqual(Object.keys(some[0]!), ['ts_ms', 'cpu_percent']);
    assert.throws(() => samplesOfRun(db, first, ['ts_ms; DROP TABLE runs' as 'ts_ms']), /no column/);
  });

  it('gives the tick summary of a finished run, none for one still recording', () => {
    const summary = tickSummaryOfRun(db, first)!;
    assert.ok(summary.ticks >= 1);
    assert.equal(typeof summary.lagP99Ms, 'number');
    assert.equal(tickSummaryOfRun(db, second), undefined);
    assert.deepEqual(eventsOfRun(db, first, 'replica-started').length, 1);
    assert.ok(eventsOfRun(db, first).some((e) => e.kind === 'tick-summary'));
  });
});
