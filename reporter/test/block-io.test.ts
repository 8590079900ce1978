// Block I/O that did not grow is a measured 0, shown as one: the committed fixture with native's block
// counters held still (what a native service in its own cgroup v1 group records when every read comes
// from the page cache and its CSV writes are flushed later by the kernel) gives 0 in summary.json, a "0"
// where the comparison figure's bar would stand, and REPORT.md's sentence saying why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PROC_IO_BLOCK_SOURCE } from '../../contracts/recording.js';
import { readSummary, type Summary } from '../../contracts/summary.js';
import { build } from '../build.js';
import { fixtureCopy } from '../fixture/workspace.js';

describe('a deployment whose block I/O did not grow in the window', () => {
  let summary: Summary;
  let markdown: string;
  let comparison: { data: { values: Array<{ label: string; panel: string; value: number | null; flag: string }> } };
  let svg: string;

  before(async () => {
    const ws = fixtureCopy();
    // the test's private copy of the recording: native in a cgroup v1 group of its own, its counters still
    const db = new Database(ws.db);
    db.prepare(`UPDATE runs SET stats_source = 'cgroup-files', cgroup_version = 1 WHERE label = 'native'`).run();
    db.prepare(`UPDATE samples SET block_read_bytes = 4096, block_write_bytes = 0 WHERE error IS NULL AND run_id = (SELECT id FROM runs WHERE label = 'native')`).run();
    db.close();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    summary = readSummary(join(ws.out, 'summary.json'));
    markdown = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
    comparison = JSON.parse(readFileSync(join(ws.out, 'figures', 'comparison.vl.json'), 'utf8'));
    svg = readFileSync(join(ws.out, 'figures', 'comparison.svg'), 'utf8');
  });

  it('has 0 bytes and 0 per request in summary.json, not a missing figure', () => {
    const native = summary.runs.find((r) => r.label === 'native')!;
    assert.deepEqual([native.blockReadBytes, native.blockWriteBytes, native.blockReadBytesPerRequest, native.blockWriteBytesPerRequest], [0, 0, 0, 0]);
    for (const p of summary.phases.filter((x) => x.label === 'native')) assert.equal(p.blockReadBytesPerRequest, 0, p.phase);
    for (const r of summary.runs.filter((x) => x.label !== 'native')) assert.ok(r.blockReadBytesPerRequest! > 0, r.label);
  });

  it('writes "0" where native\'s block bars would stand in the comparison figure', () => {
    const block = comparison.data.values.filter((v) => v.panel.startsWith('block '));
    assert.deepEqual(block.filter((v) => v.flag !== '').map((v) => [v.label, v.value, v.flag]), [['native', 0, '0'], ['native', 0, '0']]);
    const texts = [...svg.matchAll(/<g[^>]*class="mark-text role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)]
      .flatMap((m) => [...m[1]!.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((t) => t[1]));
    assert.equal(texts.filter((t) => t === '0').length, 2, 'a "0" in each block panel');
  });

  it('says in REPORT.md that the zero is measured and why, in the answer and beside the resource table', () => {
    const sentence = 'Block I/O is a measured 0, not a missing figure (its counters did not grow): 0 B read by native: every read in the window came from the page cache (the model and libraries are read at start-up, before it); 0 B written by native: the service\'s CSV lines are buffered writes, written back by the kernel later, and cgroup v1 charges that writeback to no container\'s group.';
    assert.equal(markdown.split(sentence).length - 1, 2, markdown.slice(0, 3000));
    assert.match(markdown, /\| native \|.*\| 0 B \/ 0 B \| 0\.0 \/ 0\.0 \|/);
  });
});

describe('block I/O read from /proc/<pid>/io (a kernel whose cgroup v1 blkio files count nothing)', () => {
  it('is marked as such in summary.json and said in REPORT.md; the cgroup-file runs are not', async () => {
    const ws = fixtureCopy();
    // the collector's event for a run whose groups' blkio files count nothing (collector/cgroup.ts v1BlkioCounts)
    const db = new Database(ws.db);
    db.prepare(`INSERT INTO events (run_id, replica_id, ts_ms, kind, detail) SELECT id, NULL, started_at_ms, 'block-io-source', ? FROM runs WHERE label = 'docker'`)
      .run(PROC_IO_BLOCK_SOURCE);
    db.close();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    const runs = readSummary(join(ws.out, 'summary.json')).runs;
    // the fixture's native run was read from /proc, so its block I/O is its process's too
    assert.deepEqual(Object.fromEntries(runs.map((r) => [r.label, r.blockIoSource])),
      { native: 'proc', docker: 'proc', compose: 'cgroup', 'swarm-1': 'cgroup', 'swarm-3': 'cgroup' });
    assert.match(readFileSync(join(ws.out, 'REPORT.md'), 'utf8'), /Block I\/O of native, docker is \/proc\/<pid>\/io summed over each replica's processes \(read_bytes: /);
  });
});
