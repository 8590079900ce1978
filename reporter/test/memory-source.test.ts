// What native memory is, said wherever memory is shown: the committed fixture's native run was read from
// /proc (RSS: not comparable with the containers' used memory); the same recording with that run marked as
// read from its own cgroup (what the native driver and the collector do now) says so instead.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readSummary } from '../../contracts/summary.js';
import { build } from '../build.js';
import { fixtureCopy, type Workspace } from '../fixture/workspace.js';

async function built(ws: Workspace): Promise<{ markdown: string; comparisonSvg: string; memSource: Record<string, string | undefined> }> {
  await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
  const summary = readSummary(join(ws.out, 'summary.json'));
  return {
    markdown: readFileSync(join(ws.out, 'REPORT.md'), 'utf8'),
    comparisonSvg: readFileSync(join(ws.out, 'figures', 'comparison.svg'), 'utf8'),
    memSource: Object.fromEntries(summary.runs.map((r) => [r.label, r.memSource])),
  };
}

describe('where native memory comes from, in the report', () => {
  it('a native run read from /proc: RSS, not comparable (summary.json, REPORT.md, the comparison figure, data quality)', async () => {
    const r = await built(fixtureCopy());
    assert.deepEqual(r.memSource, { native: 'rss', docker: 'cgroup', compose: 'cgroup', 'swarm-1': 'cgroup', 'swarm-3': 'cgroup' });
    assert.match(r.markdown, /Native memory \(native\) is the process's RSS \(no cgroup of its own could be made\): not comparable/);
    assert.match(r.markdown, /!\[Latency, throughput, CPU, memory, MEM %, network and block I\/O per deployment: [^\]]*\(native memory: RSS, not comparable\)\]/);
    assert.match(r.markdown, /- native: .*memory is the process's RSS/);
    assert.ok(r.comparisonSvg.includes('native memory: RSS, not comparable'));
  });

  it('a native run read from its own cgroup: says so, and no RSS caveat', async () => {
    const ws = fixtureCopy();
    // the test's private copy of the recording, as the collector writes it for a native process in its own cgroup
    const db = new Database(ws.db);
    db.prepare(`UPDATE runs SET stats_source = 'cgroup-files', cgroup_version = 1 WHERE label = 'native'`).run();
    db.close();
    const r = await built(ws);
    assert.equal(r.memSource['native'], 'cgroup');
    assert.match(r.markdown, /Native memory \(native\) comes from the process's own cgroup \(usage − inactive file\), measured as the containers' is\./);
    assert.doesNotMatch(r.markdown, /RSS/);
    assert.ok(r.comparisonSvg.includes("native memory: from its own cgroup, as the containers'"));
  });
});
