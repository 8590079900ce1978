import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../load/args.js';
import type { LoadSummary } from '../../load/stats.js';
import { parseDeployments, parseExperimentArgs, serviceEnv } from '../options.js';
import { planPhases } from '../phases.js';
import { targetChecks } from '../targets.js';
import { overallCpuPercent } from '../run-record.js';
import { formatTable, tableRows, type DeploymentOutcome } from '../summary-table.js';

const summary = (phase: string, p50: number, over: Partial<LoadSummary> = {}): LoadSummary => ({
  label: 'x', phase, requests: 10, ok: 10, errors: {}, durationMs: 1000, rps: 10,
  latencyMs: { p50, p90: p50 + 1, p99: p50 + 2, max: p50 + 3 }, serverLatencyP50Ms: 1, replicaShares: { r: 1 }, cpuPercent: 5, ...over,
});

describe('experiment, pure parts', () => {
  describe('options', () => {
    it('runs every deployment with the classic load by default', () => {
      const o = parseExperimentArgs([]);
      assert.deepEqual(o.deployments, ['native', 'docker', 'compose', 'swarm-1', 'swarm-3']);
      assert.equal(o.requests, 160);
      assert.equal(o.concurrency, 16);
      assert.equal(o.rateRps, undefined);
      assert.equal(o.report, true);
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
        message: "--deployments: unknown deployment 'kubernetes' (known: native, docker, compose, swarm-1, swarm-3)",
      });
      assert.throws(() => parseDeployments('native,native'), /'native' is listed twice/);
      assert.throws(() => parseDeployments(','), UsageError);
    });
    it('rejects bad load values, naming them', () => {
      assert.throws(() => parseExperimentArgs(['--requests=-3']), /--requests: .*'-3'/);
      assert.throws(() => parseExperimentArgs(['--interval', 'soon']), /--interval: .*'soon'/);
      assert.throws(() => parseExperimentArgs(['--warmup', 'x']), /--warmup: .*'x'/);
      assert.throws(() => parseExperimentArgs(['--port', '0']), /--port/);
      assert.throws(() => parseExperimentArgs(['--what']), /Unknown option '--what'$/);
    });
  });

  describe('phases', () => {
    it('defaults to warm-up, the classic 160 sequential, then 16 clients for 10 s', () => {
      const o = parseExperimentArgs([]);
      assert.deepEqual(planPhases(o).map((x) => [x.name, x.concurrency, x.requests, x.durationMs, x.measured]), [
        ['warmup', 1, 20, undefined, false], ['sequential', 1, 160, undefined, true], ['closed-c16', 16, undefined, 10_000, true],
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

  describe('summary table', () => {
    const outcomes: DeploymentOutcome[] = [
      { name: 'native', status: 'done', summaries: [summary('sequential', 2), summary('closed-c16', 40)] },
      { name: 'docker', status: 'done', summaries: [summary('sequential', 2.5), summary('closed-c16', 44)] },
      { name: 'swarm-3', status: 'done', summaries: [summary('sequential', 3, { replicaShares: { aaa: 0.34, bbb: 0.33, ccc: 0.33 } })] },
      { name: 'compose', status: 'skipped', reason: 'no Docker engine', summaries: [] },
    ];
    it('gives the overhead against native in ms and % at p50, phase by phase', () => {
      const rows = tableRows(outcomes);
      const docker = rows.filter((r) => r.deployment === 'docker');
      assert.deepEqual(docker.map((r) => [r.phase, r.overheadMs, r.overheadPercent]), [['sequential', 0.5, 25], ['closed-c16', 4, 10]]);
      assert.equal(rows.find((r) => r.deployment === 'native')!.overheadMs, null);
    });
    it('shows replica shares only where there are several replicas, and says why a deployment did not run', () => {
      const text = formatTable(outcomes);
      assert.match(text, /\| swarm-3 .*\| aaa 34%, bbb 33%, ccc 33% \|/);
      assert.match(text, /\| docker +\| sequential .*\| \+0\.50 ms \(\+25\.0%\)/);
      assert.match(text, /^compose: skipped \(no Docker engine\)$/m);
      assert.match(text, /^target: docker adds <= 1 ms p50 over native at concurrency 1: \+0\.50 ms, met$/m);
    });
    it('has no overhead figure when native did not run', () => {
      assert.ok(tableRows(outcomes.slice(1)).every((r) => r.overheadMs === null));
    });
  });

  describe('targets', () => {
    it('checks docker/compose p50 overhead at c1, swarm-3 shares and swarm-3 vs swarm-1 throughput', () => {
      const lines = targetChecks([
        { name: 'native', status: 'done', summaries: [summary('sequential', 2)] },
        { name: 'docker', status: 'done', summaries: [summary('sequential', 2.4)] },
        { name: 'compose', status: 'done', summaries: [summary('sequential', 3.5)] },
        { name: 'swarm-1', status: 'done', summaries: [summary('closed-c16', 30, { rps: 100 })] },
        { name: 'swarm-3', status: 'done', summaries: [summary('closed-c16', 30, { rps: 85, replicaShares: { a: 0.4, b: 0.3, c: 0.3 } })] },
      ]);
      assert.deepEqual(lines, [
        'target: docker adds <= 1 ms p50 over native at concurrency 1: +0.40 ms, met',
        'target: compose adds <= 1 ms p50 over native at concurrency 1: +1.50 ms, MISSED',
        'target: swarm-3 gives each of 3 replicas 33 ± 5 % (closed-c16): 40.0% / 30.0% / 30.0%, MISSED',
        'target: swarm-3 loses <= 10 % throughput against swarm-1 (closed-c16): 85.0 vs 100.0 req/s (-15.0%), MISSED',
      ]);
    });
    it('says nothing about deployments that did not run', () => {
      assert.deepEqual(targetChecks([{ name: 'native', status: 'done', summaries: [summary('sequential', 2)] }]), []);
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
});
