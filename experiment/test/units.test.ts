import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SummarySchema, type Overhead, type PhaseSummary, type Summary } from '../../contracts/summary.js';
import { UsageError } from '../../contracts/usage-error.js';
import type { DeploymentOutcome } from '../experiment.js';
import { parseDeployments, parseExperimentArgs, serviceEnv } from '../options.js';
import { planPhases } from '../phases.js';
import { overallCpuPercent } from '../run-record.js';
import { closingRows, formatClosingTable, formatWithoutFigures } from '../summary-table.js';
import { targetChecks } from '../targets.js';

let clock = 0;
/** One measured phase as the reporter summarises it (only what the tests look at is set). */
const phase = (label: string, name: string, p50: number, over: Partial<PhaseSummary> = {}): PhaseSummary => ({
  label, deployment: label.startsWith('swarm') ? 'swarm' : label, phase: name, startMs: ++clock, endMs: clock + 0.5,
  concurrency: name === 'sequential' ? 1 : 16, rateRps: null, requests: 10, ok: 10, errors: 0, reqPerSec: 10,
  client: { count: 10, p50, p99: p50 + 2 }, server: { count: 10, p50: 1 }, replicaShares: { r: 1 },
  samples: 3, missedSamples: 0, cpu: {}, memBytes: {}, memPercent: {}, cpuMsPerRequest: 1.25, netRxBytes: 2_500_000, netTxBytes: 1_000_000, ...over,
});
/** The reporter's p50 overhead of `label` against native in `name`. */
const overhead = (label: string, name: string, baselineMs: number, valueMs: number): Overhead => ({
  label, baseline: 'native', phase: name, percentile: 50, baselineMs, valueMs, diff: { estimate: valueMs - baselineMs, low: 0, high: 0 },
});
const summaryOf = (phases: PhaseSummary[], overheads: Overhead[] = []): Summary =>
  SummarySchema.parse({ runs: [], replicas: [], phases, overheads });
/** The summary with p50 overheads over rounds in the sequential phase: [label, estimate, low, high] (no low/high: one round). */
const withRounds = (summary: Summary, rows: Array<[string, number, number?, number?]>): Summary => ({
  ...summary,
  acrossRounds: {
    rounds: 3, method: '', baseline: 'native', aaLabel: null, figures: [],
    comparisons: rows.map(([label, estimate, low, high]) => ({
      label, baseline: 'native', phase: 'sequential', metric: 'p50', unit: 'ms', perRound: [1, 2, 3].map((round) => ({ round, value: estimate })),
      diff: { estimate, low, high }, relative: undefined, aa: null, verdict: 'noise', reason: '',
    })),
  },
});
const done = (...names: DeploymentOutcome['name'][]): DeploymentOutcome[] =>
  names.map((name) => ({ name, label: name, round: 1, status: 'done', phases: [] }));

describe('experiment, pure parts', () => {
  describe('options', () => {
    it('runs every deployment with the 160-review latency test load by default', () => {
      const o = parseExperimentArgs([]);
      assert.deepEqual(o.deployments, ['native', 'docker', 'compose', 'swarm-1', 'swarm-3', 'native']);
      assert.equal(o.aa, true, 'the A/A pair: native measured a second time');
      assert.equal(o.repeat, 4);
      assert.equal(o.seed, undefined);
      assert.equal(o.requests, 160);
      assert.equal(o.concurrency, 16);
      assert.equal(o.rateRps, undefined);
      assert.equal(o.report, true);
    });
    it('adds the A/A pair only to the default list unless asked, and never a third native', () => {
      assert.deepEqual(parseExperimentArgs(['--deployments', 'native,docker']).deployments, ['native', 'docker']);
      assert.deepEqual(parseExperimentArgs(['--deployments', 'native,docker', '--aa']).deployments, ['native', 'docker', 'native']);
      assert.deepEqual(parseExperimentArgs(['--deployments', 'native,native', '--aa']).deployments, ['native', 'native']);
      assert.deepEqual(parseExperimentArgs(['--no-aa']).deployments, ['native', 'docker', 'compose', 'swarm-1', 'swarm-3']);
      assert.deepEqual(parseExperimentArgs(['--deployments', 'docker', '--aa']).deployments, ['docker'], 'no baseline, no pair');
      assert.throws(() => parseExperimentArgs(['--aa', '--no-aa']), /--aa and --no-aa/);
    });
    it('reads --repeat and --seed, naming a bad value', () => {
      const o = parseExperimentArgs(['--repeat', '5', '--seed', '42']);
      assert.deepEqual([o.repeat, o.seed], [5, 42]);
      assert.throws(() => parseExperimentArgs(['--repeat', '0']), /--repeat: .*'0'/);
      assert.throws(() => parseExperimentArgs(['--seed=-1']), /--seed: expected a whole number from 0 to 4294967295, got '-1'/);
    });
    it('reads per-replica limits for the container deployments', () => {
      const o = parseExperimentArgs(['--cpus', '0.5', '--memory', '512m']);
      assert.equal(o.cpus, 0.5);
      assert.equal(o.memoryBytes, 512 * 1024 * 1024);
      assert.throws(() => parseExperimentArgs(['--memory', 'lots']), /--memory: .*'lots'/);
      assert.throws(() => parseExperimentArgs(['--memory', '1m']), /--memory: Docker needs at least 6m, got '1m'/);
      assert.throws(() => parseExperimentArgs(['--cpus', '0']), /--cpus/);
    });
    it('names an unknown deployment and lists the known ones', () => {
      assert.throws(() => parseDeployments('native,kubernetes'), {
        name: 'UsageError',
        message: "--deployments: unknown deployment 'kubernetes' (known: native, docker, compose, swarm-1, swarm-3, swarm-scale, swarm-failover)",
      });
      assert.deepEqual(parseDeployments('native,native'), ['native', 'native'], 'a repeat is measured again under its own label');
      assert.throws(() => parseDeployments(','), UsageError);
    });
    it('--front measures each native, docker and compose deployment listed once more behind the front; swarm alone is refused', () => {
      assert.deepEqual(parseExperimentArgs([]).front, [], 'no front without --front');
      const all = parseExperimentArgs(['--front']);
      assert.deepEqual(all.front, ['native', 'docker', 'compose'], 'the A/A native#2 gets no second front run');
      assert.deepEqual(all.deployments, ['native', 'docker', 'compose', 'swarm-1', 'swarm-3', 'native'], 'the direct runs stay');
      assert.deepEqual(parseExperimentArgs(['--deployments', 'docker,swarm-1,docker', '--front']).front, ['docker']);
      assert.throws(() => parseExperimentArgs(['--deployments', 'swarm-1,swarm-3', '--front']), {
        name: 'UsageError',
        message: /^--front: no deployment listed can go behind the front \(swarm-1 already runs behind a balancer of its own .*\); list native, docker or compose$/,
      });
      assert.throws(() => parseDeployments('native-front'), {
        name: 'UsageError',
        message: "--deployments: 'native-front' is a label, not a deployment: --deployments native --front measures native behind the front as native-front",
      });
    });
    it('rejects bad load values, naming them', () => {
      assert.throws(() => parseExperimentArgs(['--requests=-3']), /--requests: .*'-3'/);
      assert.throws(() => parseExperimentArgs(['--interval', 'soon']), /--interval: .*'soon'/);
      assert.throws(() => parseExperimentArgs(['--warmup', '-1']), /--warmup/);
      assert.throws(() => parseExperimentArgs(['--warmup', 'x']), /--warmup: .*'x'/);
      assert.throws(() => parseExperimentArgs(['--port', '0']), /--port/);
      assert.throws(() => parseExperimentArgs(['--what']), /Unknown option '--what'$/);
    });
  });

  describe('phases', () => {
    it('defaults to warm-up, the 160 sequential requests, then 16 clients for 5 s (in each of four rounds)', () => {
      const o = parseExperimentArgs([]);
      assert.deepEqual(planPhases(o).map((x) => [x.name, x.concurrency, x.requests, x.durationMs, x.measured]), [
        ['warmup', 1, 20, undefined, false], ['sequential', 1, 160, undefined, true], ['closed-c16', 16, undefined, 5_000, true],
      ]);
    });
    it('adds an open-loop phase with --rate for --duration, and drops warm-up and a c1 duplicate', () => {
      const p = planPhases(parseExperimentArgs(['--requests', '50', '--concurrency', '1', '--rate', '25', '--duration', '3s', '--warmup', '0']));
      assert.deepEqual(p.map((x) => [x.name, x.rateRps, x.durationMs]), [['sequential', null, undefined], ['open-rate25', 25, 3000]]);
    });
    it('sends a fixed count in the concurrent phase with --concurrent-requests', () => {
      const p = planPhases(parseExperimentArgs(['--concurrency', '4', '--concurrent-requests', '40', '--warmup', '0']));
      assert.deepEqual(p.map((x) => [x.name, x.requests, x.durationMs]), [['sequential', 160, undefined], ['closed-c4', 40, undefined]]);
    });
  });

  describe('duration flags', () => {
    const FORMS = 'a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m)';
    it('need a unit: a bare number is refused, naming the flag and the accepted forms', () => {
      for (const flag of ['duration', 'timeout', 'interval']) {
        for (const bad of ['1', '10', 'soon', '0s']) {
          assert.throws(() => parseExperimentArgs([`--${flag}`, bad]), {
            name: 'UsageError',
            message: `--${flag}: expected ${FORMS}, got '${bad}'`,
          });
        }
      }
    });
    it('keep --interval within what the collector samples at', () => {
      assert.throws(() => parseExperimentArgs(['--interval', '10ms']), {
        name: 'UsageError',
        message: "--interval: expected a duration from 50ms to 3600s, got '10ms'",
      });
      assert.equal(parseExperimentArgs(['--interval', '0.5s']).intervalMs, 500);
      assert.equal(parseExperimentArgs([]).intervalMs, 1000);
    });
  });

  describe('closing table (from the reporter\'s summary)', () => {
    const summary = summaryOf(
      [
        phase('native', 'sequential', 2), phase('native', 'closed-c16', 40),
        phase('docker', 'sequential', 2.5), phase('docker', 'closed-c16', 44, { ok: 9, errors: 1 }),
        phase('swarm-3', 'sequential', 3, { replicaShares: { aaa: 0.34, bbb: 0.33, ccc: 0.33 } }),
      ],
      [overhead('docker', 'sequential', 2, 2.5), overhead('docker', 'closed-c16', 40, 44), overhead('swarm-3', 'sequential', 2, 3)],
    );
    const outcomes: DeploymentOutcome[] = [
      ...done('native', 'docker', 'swarm-3'),
      { name: 'compose', label: 'compose', round: 1, status: 'skipped', reason: 'no Docker engine', phases: [] },
    ];
    it('gives the overhead against native in ms and % at p50, phase by phase', () => {
      const rows = closingRows(summary, outcomes);
      const docker = rows.filter((r) => r.deployment === 'docker');
      assert.deepEqual(docker.map((r) => [r.phase, r.overheadMs, r.overheadPercent]), [['sequential', 0.5, 25], ['closed-c16', 4, 10]]);
      assert.equal(rows.find((r) => r.deployment === 'native')!.overheadMs, undefined);
      assert.equal(docker[1]!.requests, '9/10 ok');
    });
    it('shows replica shares only where there are several replicas, and says why a deployment did not run', () => {
      const text = formatClosingTable(withRounds(summary, [['docker', 0.5, 0.2, 0.8]]), outcomes);
      assert.match(text, /\| swarm-3 .*\| aaa 34%, bbb 33%, ccc 33% \|/);
      assert.match(text, /\| docker +\| sequential .*\| \+0\.50 ms \(\+25\.0%\) \|/);
      assert.match(text, /\| native +\| sequential +\| 10 +\| +2\.00 \| +4\.00 \| +1\.00 \| +10\.0 \| +– \| +1\.25 \| +2\.50 \| +1\.00 \|/);
      assert.match(text, /^compose: skipped \(no Docker engine\)$/m);
      assert.match(text, /^target: docker adds <= 1 ms p50 over native at concurrency 1: \+0\.50 ms, interval 0\.20 to 0\.80 ms over 3 rounds, met$/m);
    });
    it('shows one row per label and phase when the summary holds several rounds of it, and a label once for all its rounds', () => {
      const rounds = summaryOf([phase('native', 'sequential', 2), phase('native', 'sequential', 3), phase('native#2', 'sequential', 2.1)]);
      const outcomes2: DeploymentOutcome[] = [1, 2].flatMap((round) => [
        { name: 'native', label: 'native#2', round, status: 'done', phases: [] },
        { name: 'native', label: 'native', round, status: 'done', phases: [] },
        { name: 'docker', label: 'docker', round, status: 'failed', reason: round === 2 ? 'port taken' : 'no image', phases: [] },
      ]);
      assert.deepEqual(closingRows(rounds, outcomes2).map((r) => [r.deployment, r.phase, r.p50]), [['native', 'sequential', 2], ['native#2', 'sequential', 2.1]]);
      assert.match(formatClosingTable(rounds, outcomes2), /^docker \(round 1\): failed \(no image\)\ndocker \(round 2\): failed \(port taken\)$/m);
    });
    it('has no overhead figure when native did not run', () => {
      assert.ok(closingRows(summaryOf(summary.phases.filter((p) => p.label !== 'native')), outcomes.slice(1)).every((r) => r.overheadMs === undefined));
    });
    it('without the reporter\'s figures, says why instead of showing any number', () => {
      const text = formatWithoutFigures('the report was not built (--no-report)', [
        { name: 'native', label: 'native', round: 1, status: 'done', phases: ['sequential', 'closed-c16'] },
        { name: 'docker', label: 'docker', round: 1, status: 'failed', reason: 'port 5000 is already taken', phases: [] },
      ]);
      assert.equal(text, 'no figures: the report was not built (--no-report)\nnative: done (sequential, closed-c16)\ndocker: failed (port 5000 is already taken)');
    });
  });

  describe('targets', () => {
    it('checks docker/compose p50 overhead at c1 on the interval over rounds, swarm-3 shares and swarm-3 vs swarm-1 throughput', () => {
      const lines = targetChecks(
        withRounds(summaryOf([
          phase('native', 'sequential', 2),
          phase('docker', 'sequential', 2.4),
          phase('compose', 'sequential', 3.5),
          phase('swarm-1', 'closed-c16', 30, { reqPerSec: 100 }),
          phase('swarm-3', 'closed-c16', 30, { reqPerSec: 85, replicaShares: { a: 0.4, b: 0.3, c: 0.3 } }),
        ]), [['docker', 0.4, 0.1, 0.7], ['compose', 1.5, 1.2, 1.8]]),
        done('native', 'docker', 'compose', 'swarm-1', 'swarm-3'),
      );
      assert.deepEqual(lines, [
        'target: docker adds <= 1 ms p50 over native at concurrency 1: +0.40 ms, interval 0.10 to 0.70 ms over 3 rounds, met',
        'target: compose adds <= 1 ms p50 over native at concurrency 1: +1.50 ms, interval 1.20 to 1.80 ms over 3 rounds, MISSED',
        'target: swarm-3 gives each of 3 replicas 33 ± 5 % (closed-c16): 40.0% / 30.0% / 30.0%, MISSED',
        'target: swarm-3 loses <= 10 % throughput against swarm-1 (closed-c16): 85.0 vs 100.0 req/s (-15.0%), MISSED',
      ]);
    });
    it('leaves the overhead target undecided when the interval spans 1 ms or there was one round', () => {
      const lines = targetChecks(withRounds(summaryOf([]), [['docker', 0.8, 0.4, 1.2], ['compose', 0.3]]), done('native', 'docker', 'compose'));
      assert.deepEqual(lines, [
        'target: docker adds <= 1 ms p50 over native at concurrency 1: +0.80 ms, interval 0.40 to 1.20 ms over 3 rounds, not decided (the interval spans 1 ms)',
        'target: compose adds <= 1 ms p50 over native at concurrency 1: +0.30 ms, single round: not decided',
      ]);
    });
    it('says nothing about deployments that did not run', () => {
      assert.deepEqual(targetChecks(summaryOf([phase('native', 'sequential', 2)]), done('native')), []);
      const failed: DeploymentOutcome[] = [...done('native'), { name: 'docker', label: 'docker', round: 1, status: 'failed', phases: [] }];
      assert.deepEqual(targetChecks(summaryOf([phase('native', 'sequential', 2), phase('docker', 'sequential', 9)]), failed), []);
    });
    it('leaves requests no replica was named for out of the shares', () => {
      const lines = targetChecks(
        summaryOf([phase('swarm-3', 'closed-c16', 30, { replicaShares: { a: 0.33, b: 0.33, c: 0.32, '(unattributed)': 0.02 } })]),
        done('swarm-3'),
      );
      assert.deepEqual(lines, ['target: swarm-3 gives each of 3 replicas 33 ± 5 % (closed-c16): 33.0% / 33.0% / 32.0%, met']);
    });
  });

  it('weights the load generator CPU by phase length', () => {
    assert.equal(overallCpuPercent([{ cpuPercent: 10, durationMs: 1000 }, { cpuPercent: 40, durationMs: 3000 }]), 32.5);
    assert.equal(overallCpuPercent([]), 0);
  });
});

describe('service settings given to every deployment', () => {
  it('passes the model and runtime settings set in the environment, and nothing else', () => {
    const env = { MODEL_ID: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english', ONNX_THREADS: '1', MODEL_DTYPE: '', PATH: '/bin', PORT: '9999' };
    assert.deepEqual(serviceEnv(env), { MODEL_ID: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english', ONNX_THREADS: '1' });
  });
  it('--dtype sets MODEL_DTYPE for every deployment, over the environment\'s', () => {
    assert.deepEqual(serviceEnv({ MODEL_DTYPE: 'q8', ONNX_THREADS: '1' }, 'fp32'), { MODEL_DTYPE: 'fp32', ONNX_THREADS: '1' });
    assert.deepEqual(serviceEnv({ MODEL_DTYPE: 'fp32' }), { MODEL_DTYPE: 'fp32' });
  });
  it('--dtype and --corpus are checked before anything starts', () => {
    assert.equal(parseExperimentArgs(['--dtype', 'fp32']).dtype, 'fp32');
    assert.equal(parseExperimentArgs([]).dtype, undefined);
    assert.throws(() => parseExperimentArgs(['--dtype', 'fp16']), (e: unknown) => e instanceof UsageError && /--dtype: expected one of fp32, q8, got 'fp16'/.test(e.message));
    assert.equal(parseExperimentArgs([]).corpus, 'reviews');
    assert.equal(parseExperimentArgs(['--corpus', 'long-reviews']).corpus, 'long-reviews');
  });
});
