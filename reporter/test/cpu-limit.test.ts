// CPU % normalised three ways: docker-CLI style (100 = one core), to the host (÷ host_cpus) and to the
// replica's --cpus limit when one was recorded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { build } from '../build.js';
import { fixtureCopy } from '../fixture/workspace.js';

interface Figures {
  label: string;
  cpu: { mean: number };
  cpuHostPct: number;
  cpuLimitPct?: number;
}

describe('CPU normalised to a limit', () => {
  let summary: { runs: Figures[]; replicas: Figures[] };
  let hostCpus: number;
  before(async () => {
    const ws = fixtureCopy();
    const db = new Database(ws.db);
    db.exec(`UPDATE replicas SET cpu_limit = 0.5 WHERE run_id = (SELECT id FROM runs WHERE label = 'docker')`);
    hostCpus = db.prepare(`SELECT host_cpus FROM runs WHERE label = 'docker'`).pluck().get() as number;
    db.close();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: ['docker', 'swarm-3'], outDir: ws.out, log: () => {}, warn: () => {} });
    summary = JSON.parse(readFileSync(join(ws.out, 'summary.json'), 'utf8'));
  });

  it('divides by the limit when the replica has one', () => {
    const run = summary.runs.find((r) => r.label === 'docker')!;
    assert.ok(Math.abs(run.cpuLimitPct! - run.cpu.mean / 0.5) < 1e-9);
    const replica = summary.replicas.find((r) => r.label === 'docker')!;
    assert.ok(Math.abs(replica.cpuLimitPct! - replica.cpu.mean / 0.5) < 1e-9);
  });
  it('divides by the host CPUs always', () => {
    const run = summary.runs.find((r) => r.label === 'docker')!;
    assert.ok(Math.abs(run.cpuHostPct - run.cpu.mean / hostCpus) < 1e-9);
  });
  it('has no limit figure for unlimited replicas', () => {
    assert.equal(summary.runs.find((r) => r.label === 'swarm-3')!.cpuLimitPct, undefined);
  });
});
