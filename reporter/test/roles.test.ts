// Recording schema v2 (replica roles) as the reporter sees it: a version-1 recording (the committed real
// fixture) is read as it is — never written — and builds the same report as the same recording migrated
// to version 2 by the collector; and platform and client rows in a version-2 recording leave the service's
// figures as they were, adding the platform beside them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDb } from '../../collector/db.js';
import { schemaVersion } from '../../contracts/recording.js';
import { readSummary, type Summary } from '../../contracts/summary.js';
import { build } from '../build.js';
import { makeFixture, SMALL_SPEC } from '../fixture/make-fixture.js';
import { fixtureCopy, ROOT, tempDir } from '../fixture/workspace.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

async function report(db: string, runs: string, out: string): Promise<{ markdown: string; summary: Summary; figure: string }> {
  await build({ dbs: [db], csvDirs: [runs], csvExplicit: true, labels: null, outDir: out, log: () => {}, warn: () => {} });
  return {
    // the build time and the database's path are the only lines that name the build itself
    markdown: readFileSync(join(out, 'REPORT.md'), 'utf8').replace(/^Built .*$/m, '').replace(/\| Databases \| .* \|/, ''),
    summary: readSummary(join(out, 'summary.json')),
    figure: readFileSync(join(out, 'figures', 'comparison.vl.json'), 'utf8'),
  };
}

describe('a version-1 recording', () => {
  const ws = fixtureCopy('real');
  let asIs: Awaited<ReturnType<typeof report>>;
  let migrated: Awaited<ReturnType<typeof report>>;
  let before1: string;

  before(async () => {
    before1 = sha256(ws.db);
    asIs = await report(ws.db, ws.runs, join(ws.dir, 'as-is'));
    const copy = join(ws.dir, 'migrated.db');
    copyFileSync(ws.db, copy);
    openDb(copy, { create: true }).close(); // what the collector does to a version-1 file it records into
    migrated = await report(copy, ws.runs, join(ws.dir, 'migrated'));
  });

  it('is read as it is: the file is not written and stays version 1', () => {
    assert.equal(sha256(ws.db), before1);
    const db = new Database(ws.db, { readonly: true });
    assert.equal(schemaVersion(db), 1);
    db.close();
  });

  it('builds the same report as that recording migrated to version 2, with no platform figures', () => {
    assert.equal(asIs.markdown, migrated.markdown);
    assert.deepEqual(asIs.summary, migrated.summary);
    assert.equal(asIs.figure, migrated.figure);
    assert.doesNotMatch(asIs.markdown, /Service and platform/);
    assert.ok(asIs.summary.runs.every((r) => r.platform === undefined && r.loadGenerator === undefined && r.deploymentCpuMsPerRequest === undefined));
    assert.doesNotMatch(asIs.figure, /platform/);
  });
});

describe('a version-2 recording with platform and client rows', () => {
  let plain: Summary;
  let withParts: Awaited<ReturnType<typeof report>>;

  before(async () => {
    const dir = tempDir();
    makeFixture(join(dir, 'plain'), SMALL_SPEC, ROOT);
    makeFixture(join(dir, 'parts'), { ...SMALL_SPEC, platform: true }, ROOT);
    plain = (await report(join(dir, 'plain', 'bench.db'), join(dir, 'plain', 'runs'), join(dir, 'plain-report'))).summary;
    withParts = await report(join(dir, 'parts', 'bench.db'), join(dir, 'parts', 'runs'), join(dir, 'parts-report'));
  });

  it('keeps every service figure as it was: replicas, requests, CPU, memory, network, per replica', () => {
    const service = (s: Summary): unknown => ({
      runs: s.runs.map(({ platform: _p, loadGenerator: _l, deploymentCpuMsPerRequest: _c, deploymentMemMeanBytes: _m, ...rest }) => rest),
      replicas: s.replicas.map(({ replicaId: _id, ...rest }) => rest), // ids differ: the platform's rows are numbered in between
    });
    assert.deepEqual(service(withParts.summary), service(plain));
  });

  it('shows the platform beside the service in REPORT.md and the comparison figure, labelled', () => {
    assert.match(withParts.markdown, /### Service and platform/);
    for (const panel of ['platform CPU per request', 'service + platform CPU per request', 'platform memory', 'service + platform memory'])
      assert.ok(withParts.figure.includes(panel), panel);
    const phases = withParts.summary.phases.filter((p) => p.deployment !== 'native');
    assert.ok(phases.length > 0 && phases.every((p) => p.platform!.cpuMsPerRequest! > 0 && p.deploymentCpuMsPerRequest! > p.cpuMsPerRequest!));
  });
});
