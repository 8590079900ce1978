// The work axis: each run's model time per request, and with two work levels the overhead-vs-model-time
// figure's data: from hand-made across-round figures (the formulas) and from the committed real
// recording read as two levels (the wiring: leveled labels, each level against its own baseline).
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { AcrossRounds, RoundComparison, Summary } from '../../contracts/summary.js';
import { build } from '../build.js';
import { fixtureCopy, type Workspace } from '../fixture/workspace.js';
import { workAxisRows, workAxisSpec } from '../plots/work-axis-spec.js';
import { labelOrder } from '../selection.js';
import { type LevelFigures, workPoints, workSentences } from '../work-axis.js';
import { levelLabel, splitLevel } from '../work-level.js';

const comparison = (label: string, metric: 'p50' | 'cpuMsPerRequest', phase: string, diff: [number, number, number], baselineMean: number): RoundComparison => ({
  label, baseline: 'native', phase, metric, unit: 'ms', perRound: [{ round: 1, value: diff[1] }, { round: 2, value: diff[2] }],
  diff: { estimate: diff[0], low: diff[1], high: diff[2] }, relative: diff[0] / baselineMean, aa: null, verdict: 'noise', reason: '',
});

const level = (key: string, corpus: string, dtype: string, modelMs: number, comparisons: RoundComparison[]): LevelFigures => ({
  level: { key, corpus, dtype },
  across: { rounds: 2, method: '', baseline: 'native', aaLabel: null, figures: [], comparisons } satisfies AcrossRounds,
  answer: { latency: 'sequential', throughput: 'closed-c16', resources: 'closed-c16' },
  modelMs,
});

describe('work axis: the figure\'s data from two work levels', () => {
  // docker adds ~0.3 ms at both levels (fixed); swarm-1's CPU per request grows with the work.
  const light = level('reviews-q8', 'reviews', 'q8', 1, [
    comparison('docker~reviews-q8', 'p50', 'sequential', [0.3, 0.2, 0.4], 2),
    comparison('swarm-1~reviews-q8', 'cpuMsPerRequest', 'closed-c16', [0.1, 0.05, 0.15], 1),
    comparison('docker~reviews-q8', 'p50', 'closed-c16', [9, 8, 10], 2), // not the latency phase: left out
  ]);
  const heavy = level('long-reviews-fp32', 'long-reviews', 'fp32', 100, [
    comparison('docker~long-reviews-fp32', 'p50', 'sequential', [0.35, 0.1, 0.6], 105),
    comparison('swarm-1~long-reviews-fp32', 'cpuMsPerRequest', 'closed-c16', [3, 2, 4], 100),
  ]);

  it('takes latency where the answer reads latency and CPU per request where it reads resources, per level, labels without the level', () => {
    const points = workPoints([light, heavy]);
    assert.deepEqual(points.map((p) => [p.level, p.label, p.metric, p.phase, p.modelMs]), [
      ['reviews-q8', 'docker', 'p50', 'sequential', 1],
      ['reviews-q8', 'swarm-1', 'cpuMsPerRequest', 'closed-c16', 1],
      ['long-reviews-fp32', 'docker', 'p50', 'sequential', 100],
      ['long-reviews-fp32', 'swarm-1', 'cpuMsPerRequest', 'closed-c16', 100],
    ]);
    // relative interval: the absolute one ÷ the baseline's mean (diff ÷ relative)
    const docker = points[0]!;
    assert.deepEqual(docker.relative, { estimate: 0.15, low: 0.1, high: 0.2 });
    assert.equal(workPoints([light]).length, 0, 'one level: no work axis');
  });

  it('gives each point an absolute and a relative row in its own panel, on the model-time axis', () => {
    const rows = workAxisRows(workPoints([light, heavy]));
    const docker = rows.filter((r) => r.label === 'docker');
    assert.deepEqual(docker.map((r) => [r.panel, r.modelMs, r.value, r.low, r.high]), [
      ['p50 latency, sequential: overhead (ms)', 1, 0.3, 0.2, 0.4],
      ['p50 latency, sequential: overhead (% of baseline)', 1, 15, 10, 20],
      ['p50 latency, sequential: overhead (ms)', 100, 0.35, 0.1, 0.6],
      ['p50 latency, sequential: overhead (% of baseline)', 100, 0.33, 0.1, 0.57],
    ]);
    const spec = workAxisSpec(workPoints([light, heavy])) as { data: { values: unknown[] }; spec: { layer: Array<{ mark: { type: string } }> } };
    assert.equal(spec.data.values.length, 8);
    assert.deepEqual(spec.spec.layer.map((l) => l.mark.type), ['rule', 'line', 'rule', 'point']);
  });

  it('calls overlapping intervals a fixed cost per request and a higher heavy interval growing with the work', () => {
    const words = workSentences(workPoints([light, heavy]));
    assert.equal(words.length, 2);
    assert.match(words[0]!, /^docker, p50 latency \(sequential\): 0\.30 ms \(15\.0 %\) at 1\.00 ms .* → 0\.35 ms \(0\.3 %\) at 100\.00 ms .*a fixed cost per request is not ruled out/);
    assert.match(words[1]!, /^swarm-1, CPU per request .*grows with the work/);
  });

  it('names runs of several levels <label>~<level>, keeping #k last, and orders them level by level', () => {
    assert.equal(levelLabel('native#2', 'long-reviews-fp32'), 'native~long-reviews-fp32#2');
    assert.deepEqual(splitLevel('native~long-reviews-fp32#2'), { label: 'native#2', key: 'long-reviews-fp32' });
    assert.deepEqual(splitLevel('docker'), { label: 'docker', key: undefined });
    const labels = ['docker~reviews-q8', 'native~long-reviews-fp32#2', 'native~reviews-q8', 'native~long-reviews-fp32', 'docker~long-reviews-fp32'];
    assert.deepEqual(labels.sort(labelOrder), ['native~long-reviews-fp32', 'native~long-reviews-fp32#2', 'docker~long-reviews-fp32', 'native~reviews-q8', 'docker~reviews-q8']);
  });
});

describe('work axis: the committed real recording read as two work levels', () => {
  let ws: Workspace;
  let summary: Summary;
  let markdown: string;
  const HEAVY = 50; // the copy's service CSVs say the model took 50 × as long

  before(async () => {
    ws = fixtureCopy('real');
    // The same runs once more as another experiment at the heavy level: run.json says so, the service CSVs' model time is scaled.
    const heavy = join(ws.dir, 'runs-heavy');
    cpSync(ws.runs, heavy, { recursive: true });
    for (const label of readdirSync(heavy)) {
      const file = join(heavy, label, 'run.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), corpus: 'long-reviews', dtype: 'fp32', serviceSettings: { MODEL_SESSIONS: '2' } }));
      for (const csv of readdirSync(join(heavy, label, 'service'))) {
        const path = join(heavy, label, 'service', csv);
        const lines = readFileSync(path, 'utf8').split('\r\n');
        writeFileSync(path, lines.map((l, i) => (i === 0 ? l : l.replace(/^([\d.]+),/, (_, ms: string) => `${(Number(ms) * HEAVY).toFixed(2)},`))).join('\r\n'));
      }
    }
    await build({ dbs: [ws.db], csvDirs: [ws.runs, heavy], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    summary = JSON.parse(readFileSync(join(ws.out, 'summary.json'), 'utf8')) as Summary;
    markdown = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
  });

  it('reads every run at both levels, with its corpus, dtype and model time per request (independent SQL)', () => {
    assert.equal(summary.runs.length, 10);
    const db = new Database(ws.reportDb, { readonly: true });
    try {
      for (const r of summary.runs) {
        const expected = db.prepare(`SELECT AVG(latency_ms) FROM service_requests WHERE label = ? AND phase = 'sequential'`).pluck().get(r.label) as number;
        assert.ok(Math.abs(r.modelMsPerRequest! - expected) < 1e-9, `${r.label}: ${r.modelMsPerRequest} ≠ ${expected}`);
        assert.deepEqual([r.corpus, r.dtype], r.label.includes('~long-reviews-fp32') ? ['long-reviews', 'fp32'] : ['reviews', 'q8']);
      }
    } finally {
      db.close();
    }
    const light = summary.runs.find((r) => r.label === 'docker~reviews-q8')!;
    const heavy = summary.runs.find((r) => r.label === 'docker~long-reviews-fp32')!;
    assert.ok(Math.abs(heavy.modelMsPerRequest! / light.modelMsPerRequest! - HEAVY) < 0.5, `${heavy.modelMsPerRequest} vs ${light.modelMsPerRequest}`);
  });

  it('compares each level with its own baseline only, and puts both on the work axis', () => {
    const comparisons = summary.acrossRounds!.comparisons;
    assert.ok(comparisons.length > 0);
    for (const c of comparisons) assert.equal(splitLevel(c.baseline).key, splitLevel(c.label).key, `${c.label} against ${c.baseline}`);
    const points = summary.workAxis!;
    assert.deepEqual([...new Set(points.map((p) => p.level))].sort(), ['long-reviews-fp32', 'reviews-q8']);
    assert.deepEqual([...new Set(points.map((p) => p.label))], ['docker', 'compose', 'swarm-1', 'swarm-3']);
    for (const p of points) {
      // the level's model time is its baseline's (native's) model time per request
      const native = summary.runs.find((r) => r.label === `native~${p.level}`)!;
      assert.ok(Math.abs(p.modelMs - native.modelMsPerRequest!) < 1e-9, `${p.level}: ${p.modelMs} ≠ native's ${native.modelMsPerRequest}`);
    }
    assert.match(markdown, /## Overhead against model time \(work levels\)/);
    assert.match(markdown, /!\[[^\]]*\]\(figures\/work-axis\.(svg|png)\)/);
    assert.match(markdown, /## Work level: model time per request/);
    // run.json's serviceSettings per run, and a warning when the runs differ in them
    assert.match(markdown, /\| docker~long-reviews-fp32 \| long-reviews \| fp32 \| MODEL_SESSIONS=2 \|/);
    assert.match(markdown, /\| docker~reviews-q8 \| reviews \| q8 \| defaults \|/);
    assert.match(markdown, /measured with different service settings \(defaults; MODEL_SESSIONS=2\)/);
    const spec = JSON.parse(readFileSync(join(ws.out, 'figures', 'work-axis.vl.json'), 'utf8')) as { data: { values: Array<{ modelMs: number }> } };
    assert.equal(new Set(spec.data.values.map((v) => v.modelMs)).size, 2);
  });
});
