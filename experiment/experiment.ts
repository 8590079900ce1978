// The whole experiment: for each deployment in turn, up → collector start → warm-up and measured
// phases → collector stop → collect service CSVs → down. Each of those is a resource nested in the one
// before it, so whatever was started is stopped on every path, in reverse order. A deployment that
// cannot run here is skipped with its reason; one that fails is reported and torn down, and the next
// one still runs. Ctrl-C (the signal) stops the load, tears down what was started, and runs nothing more.
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { errorText } from '../common/error-text.js';
import { withResource } from '../common/resource.js';
import type { DeploymentName } from '../contracts/deployments.js';
import type { ImageInfo, RunRecordInput, Target } from '../contracts/run-record.js';
import type { Deployment, RunContext } from '../deploy/deployment.js';
import { ClientCsvWriter } from '../load/csv-writer.js';
import { progressPrinter } from '../load/progress.js';
import { runLoad } from '../load/run.js';
import { formatLoadSummary, type LoadSummary } from '../load/stats.js';
import type { CollectorControl } from './collector.js';
import type { ExperimentOptions } from './options.js';
import { planPhases, type PhasePlan } from './phases.js';
import { overallCpuPercent, writeRunRecord } from './run-record.js';

export interface ExperimentDeps {
  readonly root: string;
  createDeployment(name: DeploymentName): Deployment;
  /** undefined when the collector is not built: runs go on without resource samples (runId null). */
  readonly collector: CollectorControl | undefined;
  inspectImage(deployment: Deployment): Promise<ImageInfo | null>;
  readonly texts: readonly string[];
  log(message: string): void;
  readonly signal?: AbortSignal;
}

export interface DeploymentOutcome {
  readonly name: DeploymentName;
  readonly status: 'done' | 'skipped' | 'failed' | 'interrupted';
  /** Why it was skipped or what failed. */
  readonly reason?: string;
  /** The measured phases that ran to their end (no warm-up), in order. */
  readonly phases: readonly string[];
  readonly runDir?: string;
}

class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl-C)');
  }
}

/** What one deployment's run writes as it goes: run.json (rewritten after each step) and client.csv. */
interface RunFiles {
  readonly dir: string;
  readonly record: RunRecordInput & { phases: NonNullable<RunRecordInput['phases']> };
  readonly writer: ClientCsvWriter;
  /** Measured phases that ran to their end. */
  readonly measured: string[];
  /** Every phase's load summary (for the load generator's CPU over the whole run). */
  readonly loads: LoadSummary[];
}

/** Resolves with `work`, or rejects with Interrupted as soon as the signal fires (`work` keeps running). */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((res, rej) => {
    const onAbort = (): void => rej(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', onAbort); res(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); rej(e); },
    );
  });
}

async function down(deployment: Deployment, ctx: RunContext): Promise<void> {
  ctx.log('down: tearing down');
  await deployment.down(ctx).catch((e: unknown) => ctx.log(`down FAILED: ${errorText(e)} — check for leftovers`));
}

/**
 * up() that Ctrl-C can cut short: on the signal, what exists so far is torn down at once (so a health wait
 * ends early), up() is let settle, and Interrupted is thrown; the caller's down() then removes anything
 * up() created meanwhile.
 */
async function upInterruptibly(deployment: Deployment, ctx: RunContext, signal: AbortSignal | undefined): Promise<Target> {
  ctx.log('up: starting');
  const up = deployment.up(ctx);
  try {
    return await raceSignal(up, signal);
  } catch (err) {
    if (err instanceof Interrupted) {
      await down(deployment, ctx);
      await up.catch(() => undefined);
    }
    throw err;
  }
}

/** The deployment as a resource: down() runs on every path, also after a failed or interrupted up(). */
async function withDeployment<T>(deployment: Deployment, ctx: RunContext, signal: AbortSignal | undefined, use: (target: Target) => Promise<T>): Promise<T> {
  try {
    const target = await upInterruptibly(deployment, ctx, signal);
    ctx.log(`up: ${target.host}:${target.port} (${target.path}; userland proxy ${target.userlandProxy ?? 'n/a'})`);
    return await use(target);
  } finally {
    await down(deployment, ctx);
  }
}

/** `--model-id/--model-dtype` for the collector's runs row, from the service's /health (none if it says nothing). */
async function modelArgs(target: Target): Promise<string[]> {
  try {
    const res = await fetch(`http://${target.host}:${target.port}/health`, { signal: AbortSignal.timeout(5000) });
    const health = (await res.json()) as { modelId?: unknown; dtype?: unknown };
    return [
      ...(typeof health.modelId === 'string' && health.modelId ? ['--model-id', health.modelId] : []),
      ...(typeof health.dtype === 'string' && health.dtype ? ['--model-dtype', health.dtype] : []),
    ];
  } catch {
    return [];
  }
}

/** The collector's recording as a resource: started once the deployment is up, stopped before down(). */
async function withRecording<T>(deployment: Deployment, target: Target, files: RunFiles, ctx: RunContext, deps: ExperimentDeps, use: () => Promise<T>): Promise<T> {
  const collector = deps.collector;
  if (!collector) {
    ctx.log('collector: dist/collector/cli.js not built, running without resource samples');
    return use();
  }
  const label = files.record.label;
  return withResource(
    async () => {
      files.record.runId = await collector.start(label, [...deployment.collectorArgs(), ...(await modelArgs(target))]);
      ctx.log(`collector: recording run ${files.record.runId}`);
    },
    use,
    async () => {
      await collector.stop(label);
      ctx.log('collector: stopped');
    },
    (e) => ctx.log(`collector stop: ${errorText(e)}`),
  );
}

/** Copies the service CSVs once the work is over; after a failure it is best effort (the failure may be the cause). */
async function withServiceCsvs<T>(deployment: Deployment, files: RunFiles, ctx: RunContext, use: () => Promise<T>): Promise<T> {
  return withResource(
    async () => undefined,
    use,
    async () => {
      const found = await deployment.collectCsv(ctx);
      files.record.serviceCsvs = found.map((f) => relative(files.dir, f));
      ctx.log(`service CSVs: ${files.record.serviceCsvs.join(', ') || 'none'}`);
    },
    (e) => ctx.log(`collecting service CSVs: ${errorText(e)}`),
  );
}

/** One load phase against the target; its requests go to client.csv and its times to run.json. */
async function runPhase(phase: PhasePlan, target: Target, files: RunFiles, ctx: RunContext, options: ExperimentOptions, deps: ExperimentDeps): Promise<void> {
  const what = phase.rateRps !== null ? `${phase.rateRps} req/s` : `${phase.concurrency} client(s)`;
  const much = phase.requests !== undefined ? `${phase.requests} requests` : `${(phase.durationMs ?? 0) / 1000} s`;
  ctx.log(`phase ${phase.name}: ${much}, ${what}`);
  const progress = progressPrinter(`phase ${phase.name}`, (line) => ctx.log(line.trimEnd()), 5000);
  const { summary, startMs, endMs } = await runLoad(
    {
      target: { host: target.host, port: target.port, path: '/infer' },
      label: files.record.label, phase: phase.name, concurrency: phase.concurrency ?? 1, rateRps: phase.rateRps ?? undefined,
      requests: phase.requests, durationMs: phase.durationMs, timeoutMs: options.timeoutMs, texts: deps.texts,
    },
    {
      signal: deps.signal,
      keepRows: false, // client.csv has them; a long phase would otherwise hold them all in memory
      onRow: (row) => {
        files.writer.write(row);
        progress.row(row);
      },
    },
  );
  files.record.phases.push({
    name: phase.name, startMs, endMs, concurrency: phase.concurrency, rateRps: phase.rateRps,
    requests: summary.requests, loadgenCpuPercent: summary.cpuPercent,
  });
  files.loads.push(summary);
  files.record.loadgen = { cpuPercent: overallCpuPercent(files.loads) };
  writeRunRecord(files.dir, files.record);
  ctx.log(formatLoadSummary(summary).replace(/\n/g, `\n[${files.record.label}] `));
  if (deps.signal?.aborted) throw new Interrupted();
  if (summary.ok === 0) {
    const errs = Object.entries(summary.errors).map(([k, n]) => `${k}=${n}`).join(' ');
    throw new Error(`phase ${phase.name}: none of ${summary.requests} requests succeeded (${errs})`);
  }
  if (phase.measured) files.measured.push(phase.name);
}

/** Everything done while the deployment is up: record, load, collect. */
async function measure(deployment: Deployment, target: Target, files: RunFiles, ctx: RunContext, options: ExperimentOptions, deps: ExperimentDeps): Promise<void> {
  files.record.target = target;
  await withServiceCsvs(deployment, files, ctx, () =>
    withRecording(deployment, target, files, ctx, deps, async () => {
      files.record.image = deployment.kind === 'native' ? null : await deps.inspectImage(deployment);
      writeRunRecord(files.dir, files.record);
      for (const phase of planPhases(options)) {
        if (deps.signal?.aborted) throw new Interrupted();
        await runPhase(phase, target, files, ctx, options, deps);
      }
    }),
  );
}

/** A new run of a label replaces the previous one's files (the database keeps every run). */
function openRunFiles(dir: string, name: DeploymentName, deployment: Deployment, options: ExperimentOptions): RunFiles {
  mkdirSync(dir, { recursive: true });
  for (const f of ['client.csv', 'run.json', 'service']) rmSync(join(dir, f), { recursive: true, force: true });
  const unlimited = deployment.kind === 'native' || (options.cpus === undefined && options.memoryBytes === undefined);
  const record = {
    label: name, deployment: deployment.kind, startedAtMs: Date.now(), phases: [], status: 'running',
    limits: unlimited ? null : { cpus: options.cpus ?? null, memoryBytes: options.memoryBytes ?? null },
  };
  return { dir, record, writer: new ClientCsvWriter(join(dir, 'client.csv')), measured: [], loads: [] };
}

async function runOne(name: DeploymentName, options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome> {
  const runDir = resolve(deps.root, options.out, name);
  const ctx: RunContext = { root: deps.root, runDir, log: (m) => deps.log(`[${name}] ${m}`) };
  const deployment = deps.createDeployment(name);
  const why = await deployment.preflight(ctx);
  if (why) {
    ctx.log(`skipped: ${why}`);
    return { name, status: 'skipped', reason: why, phases: [] };
  }
  const files = openRunFiles(runDir, name, deployment, options);
  try {
    await withDeployment(deployment, ctx, deps.signal, (target) => measure(deployment, target, files, ctx, options, deps));
    files.record.status = 'complete';
    return { name, status: 'done', phases: files.measured, runDir };
  } catch (err) {
    const status = err instanceof Interrupted || deps.signal?.aborted === true ? 'interrupted' : 'failed';
    const message = errorText(err);
    ctx.log(`${status === 'interrupted' ? 'interrupted' : 'FAILED'}: ${message}`);
    files.record.status = status;
    files.record.error = message;
    return { name, status, reason: message, phases: files.measured, runDir };
  } finally {
    files.writer.close();
    files.record.endedAtMs = Date.now();
    writeRunRecord(runDir, files.record);
  }
}

export async function runExperiment(options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome[]> {
  const outcomes: DeploymentOutcome[] = [];
  for (const name of options.deployments) {
    if (deps.signal?.aborted) {
      outcomes.push({ name, status: 'interrupted', reason: 'not started (Ctrl-C)', phases: [] });
      continue;
    }
    deps.log(`=== ${name} (${outcomes.length + 1}/${options.deployments.length})`);
    try {
      outcomes.push(await runOne(name, options, deps));
    } catch (err) {
      // Only reached when the driver cannot even be created or preflight itself throws: nothing is up.
      deps.log(`[${name}] FAILED: ${errorText(err)}`);
      outcomes.push({ name, status: 'failed', reason: errorText(err), phases: [] });
    }
  }
  return outcomes;
}
