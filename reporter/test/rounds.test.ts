// Verdicts from rounds, end to end: the real experiment (runExperiment, balanced round orders) over
// stand-in deployments on local HTTP servers, then a real report build. One stand-in adds a fixed 3 ms,
// one is identical to the baseline, and the baseline is measured twice (native, native#2: the A/A pair).
// A drift is injected by order: whatever runs later in a round answers slower, by an amount that grows
// from round to round. The report must find the delayed one with the right sign, call the identical one
// and the A/A pair noise, and let the drift create no verdict. A second build from a single round must
// make no "real difference" claim at all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import type { DeploymentName } from '../../contracts/deployments.js';
import type { Target } from '../../contracts/run-record.js';
import { type RoundComparison, readSummary, type Summary } from '../../contracts/summary.js';
import type { Deployment } from '../../deploy/deployment.js';
import { runExperiment } from '../../experiment/experiment.js';
import { parseExperimentArgs } from '../../experiment/options.js';
import { type Handler, type LocalServer, startLocalServer } from '../../test-support/local-servers.js';
import { build } from '../build.js';
import { makeEmptyRecording } from '../fixture/make-fixture.js';
import { fixtureCopy, tempDir } from '../fixture/workspace.js';

const LABELS = 4; // native, native#2, docker, compose
const BASE_MS = 1;
const ADDED_MS = 3;
/** Later in a round is slower: position × this × round (ms). */
const DRIFT_MS = 0.05;

/** Busy-waits: sub-millisecond delays that setTimeout cannot give. */
function delayed(ms: () => number): Handler {
  return (req, res) => {
    const until = performance.now() + ms();
    while (performance.now() < until);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Replica', 'stand-in');
    const id = req.headers['x-request-id'];
    if (typeof id === 'string') res.setHeader('X-Request-Id', id);
    res.end(JSON.stringify({ prediction: 'POSITIVE', score: 0.9 }));
  };
}

/** Counts up() calls over the whole experiment: the n-th is position n mod 4 of round ⌊n/4⌋ + 1. */
class Sequence {
  private ups = 0;
  drift = 0;
  next(): void {
    const position = this.ups % LABELS;
    const round = Math.floor(this.ups / LABELS) + 1;
    this.drift = position * DRIFT_MS * round;
    this.ups++;
  }
}

class StandIn implements Deployment {
  readonly kind = 'docker' as const;
  private server: LocalServer | undefined;
  constructor(readonly name: DeploymentName, private readonly extraMs: number, private readonly sequence: Sequence) {}
  async preflight(): Promise<string | undefined> {
    return undefined;
  }
  async up(): Promise<Target> {
    this.sequence.next();
    const drift = this.sequence.drift;
    this.server = await startLocalServer(delayed(() => BASE_MS + this.extraMs + drift));
    return { host: '127.0.0.1', port: this.server.port, userlandProxy: false, path: 'stand-in' };
  }
  collectorArgs(): string[] {
    return [];
  }
  async collectCsv(): Promise<string[]> {
    return [];
  }
  async down(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}

const find = (s: Summary, label: string, metric = 'p50', phase = 'sequential'): RoundComparison => {
  const c = s.acrossRounds!.comparisons.find((x) => x.label === label && x.metric === metric && x.phase === phase);
  assert.ok(c, `no ${metric} comparison for ${label} in ${phase}`);
  return c;
};

describe('verdicts across rounds (stand-in deployments, order drift)', () => {
  let summary: Summary;
  let markdown: string;

  before(async () => {
    const dir = tempDir('reporter-rounds-');
    const sequence = new Sequence();
    const options = parseExperimentArgs(['--deployments', 'native,native,docker,compose', '--repeat', '4', '--seed', '11', '--requests', '60',
      '--warmup', '10', '--concurrency', '1', '--no-report', '--out', join(dir, 'runs')]);
    const outcomes = await runExperiment(options, {
      root: findPackageRoot(), collector: undefined, texts: ['a fine film.', 'a dull film.'], corpus: 'reviews',
      createDeployment: (name) => new StandIn(name, name === 'docker' ? ADDED_MS : 0, sequence),
      inspectImage: async () => null,
      log: () => {},
    });
    assert.deepEqual([...new Set(outcomes.map((o) => o.status))], ['done']);
    const db = makeEmptyRecording(join(dir, 'bench.db'));
    const out = join(dir, 'report');
    await build({ dbs: [db], csvDirs: [join(dir, 'runs')], csvExplicit: true, labels: null, outDir: out, log: () => {}, warn: () => {} });
    summary = readSummary(join(out, 'summary.json'));
    markdown = readFileSync(join(out, 'REPORT.md'), 'utf8');
  });

  it('groups the 16 runs into 4 labels of 4 rounds, every label in every position once', () => {
    const across = summary.acrossRounds!;
    assert.equal(across.rounds, 4);
    assert.equal(across.baseline, 'native');
    assert.equal(across.aaLabel, 'native#2');
    assert.equal(summary.runs.length, 16);
    assert.deepEqual(find(summary, 'compose').perRound.map((v) => v.round), [1, 2, 3, 4]);
  });

  it('finds the delayed deployment, with the right sign, beyond the A/A interval', () => {
    const docker = find(summary, 'docker');
    assert.equal(docker.verdict, 'real difference', JSON.stringify(docker));
    assert.ok(docker.diff.low! > 0 && Math.abs(docker.diff.estimate - ADDED_MS) < 1, JSON.stringify(docker.diff));
    assert.ok(docker.aa && docker.diff.low! > docker.aa.high!, 'outside the A/A interval');
    assert.match(markdown, /- docker: p50 latency in sequential \+\d\.\d\d ms .*: real difference/);
  });

  it('calls the identical deployment and the A/A pair noise: the drift creates no verdict', () => {
    for (const label of ['compose', 'native#2'])
      for (const metric of ['p50', 'p90', 'mean']) {
        const c = find(summary, label, metric);
        assert.equal(c.verdict, 'noise', `${label} ${metric}: ${JSON.stringify(c)}`);
        assert.ok(c.diff.low! <= 0 && c.diff.high! >= 0, `${label} ${metric} interval contains 0`);
      }
  });

  it('leads REPORT.md with the answer, the A/A floor and the figures with intervals', () => {
    const answer = markdown.indexOf('## What each deployment costs against native');
    assert.ok(answer > 0 && answer < markdown.indexOf('## Environment and provenance'));
    assert.match(markdown, /- docker against native: p50 latency \(sequential\) \+\d\.\d\d ms \([^)]*95 % CI [^)]*A\/A [^)]*\), real difference/);
    assert.match(markdown, /- A\/A floor \(native#2 against native/);
    assert.ok(markdown.indexOf('figures/overheads.svg') < markdown.indexOf('## Environment and provenance'));
  });
});

describe('a single-round report', () => {
  it('says run-level noise cannot be separated and claims no real difference', async () => {
    const ws = fixtureCopy();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    const s = readSummary(join(ws.out, 'summary.json'));
    const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
    assert.equal(s.acrossRounds!.rounds, 1);
    assert.ok(s.acrossRounds!.comparisons.length > 0);
    assert.ok(s.acrossRounds!.comparisons.every((c) => c.verdict === 'not decided' && c.diff.low === undefined), 'every verdict "not decided"');
    assert.match(md, /With a single round, run-level noise .* cannot be separated from the deployments/);
    assert.doesNotMatch(md, /real difference(?!")/);
    assert.doesNotMatch(readFileSync(join(ws.out, 'report.html'), 'utf8').replace(/<script[\s\S]*?<\/script>/g, ''), /real difference(?!&quot;|")/);
  });
});
