// The whole experiment: for each deployment in turn, up → collector start → warm-up and measured
// phases → collector stop → collect service CSVs → down. A deployment that cannot run here is skipped
// with its reason; one that fails is reported and torn down, and the next one still runs. Ctrl-C (the
// signal) stops the load, tears down what was started, and runs nothing more.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Deployment, DeploymentName, RunContext, Target } from '../deploy/deployment.js';
import { ClientCsvWriter } from '../load/csv-writer.js';
import { progressPrinter } from '../load/progress.js';
import { runLoad } from '../load/run.js';
import { formatSummary, type LoadSummary } from '../load/stats.js';
import type { CollectorControl } from './collector.js';
import type { ExperimentOptions } from './options.js';
import { planPhases } from './phases.js';
import { overallCpuPercent, writeRunRecord, type ImageInfo, type RunRecord } from './run-record.js';
import type { DeploymentOutcome } from './summary-table.js';

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

class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl-C)');
  }
}

/** Resolves with up()'s target, or rejects as soon as the signal fires (up keeps running; down cleans). */
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

/** A new run of a label replaces the previous one's files (the database keeps every run). */
function resetRunDir(runDir: string): void {
  mkdirSync(runDir, { recursive: true });
  for (const f of ['client.csv', 'run.json', 'service']) rmSync(join(runDir, f), { recursive: true, force: true });
}

async function runOne(name: DeploymentName, options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome> {
  const runDir = resolve(deps.root, options.out, name);
  const ctx: RunContext = { root: deps.root, runDir, log: (m) => deps.log(`[${name}] ${m}`) };
  const deployment = deps.createDeployment(name);
  const why = await deployment.preflight(ctx);
  if (why) {
    ctx.log(`skipped: ${why}`);
    return { name, status: 'skipped', reason: why, summaries: [] };
  }
  resetRunDir(runDir);
  const record: RunRecord = {
    label: name, runId: null, deployment: deployment.kind, target: null, startedAtMs: Date.now(), endedAtMs: null,
    phases: [], image: null, loadgen: null, status: 'running', serviceCsvs: [],
    limits: deployment.kind === 'native' || (options.cpus === undefined && options.memoryBytes === undefined)
      ? null
      : { cpus: options.cpus ?? null, memoryBytes: options.memoryBytes ?? null },
  };
  const summaries: LoadSummary[] = [];
  const all: LoadSummary[] = [];
  let collecting = false;
  let upStarted: Promise<Target> | undefined;
  let upSettled = false;
  const writer = new ClientCsvWriter(join(runDir, 'client.csv'));
  const collect = async (): Promise<void> => {
    const files = await deployment.collectCsv(ctx);
    record.serviceCsvs = files.map((f) => relative(runDir, f));
    ctx.log(`service CSVs: ${record.serviceCsvs.join(', ') || 'none'}`);
  };
  try {
    ctx.log('up: starting');
    upStarted = deployment.up(ctx);
    upStarted.then(() => (upSettled = true), () => (upSettled = true));
    const target = await raceSignal(upStarted, deps.signal);
    record.target = target;
    ctx.log(`up: ${target.host}:${target.port} (${target.path}; userland proxy ${target.userlandProxy ?? 'n/a'})`);
    if (deps.collector) {
      record.runId = await deps.collector.start(name, [...deployment.collectorArgs(), ...(await modelArgs(target))]);
      collecting = true;
      ctx.log(`collector: recording run ${record.runId}`);
    } else {
      ctx.log('collector: dist/collector/cli.js not built, running without resource samples');
    }
    record.image = deployment.kind === 'native' ? null : await deps.inspectImage(deployment);
    writeRunRecord(runDir, record);

    for (const phase of planPhases(options)) {
      if (deps.signal?.aborted) throw new Interrupted();
      const what = phase.rateRps !== null ? `${phase.rateRps} req/s` : `${phase.concurrency} client(s)`;
      const much = phase.requests !== undefined ? `${phase.requests} requests` : `${(phase.durationMs ?? 0) / 1000} s`;
      ctx.log(`phase ${phase.name}: ${much}, ${what}`);
      const progress = progressPrinter(`phase ${phase.name}`, (line) => ctx.log(line.trimEnd()), 5000);
      const result = await runLoad(
        {
          target: { host: target.host, port: target.port, path: '/infer' },
          label: name, phase: phase.name, concurrency: phase.concurrency ?? 1, rateRps: phase.rateRps ?? undefined,
          requests: phase.requests, durationMs: phase.durationMs, timeoutMs: options.timeoutMs, texts: deps.texts,
        },
        {
          signal: deps.signal,
          keepRows: false, // client.csv has them; a long phase would otherwise hold them all in memory
          onRow: (row) => {
            writer.write(row);
            progress.row(row);
          },
        },
      );
      record.phases.push({
        name: phase.name, startMs: result.startMs, endMs: result.endMs, concurrency: phase.concurrency,
        rateRps: phase.rateRps, requests: result.summary.requests, loadgenCpuPercent: result.summary.cpuPercent,
      });
      all.push(result.summary);
      record.loadgen = { cpuPercent: overallCpuPercent(all) };
      writeRunRecord(runDir, record);
      ctx.log(formatSummary(result.summary).replace(/\n/g, `\n[${name}] `));
      if (deps.signal?.aborted) throw new Interrupted();
      if (result.summary.ok === 0) {
        const errs = Object.entries(result.summary.errors).map(([k, n]) => `${k}=${n}`).join(' ');
        throw new Error(`phase ${phase.name}: none of ${result.summary.requests} requests succeeded (${errs})`);
      }
      if (phase.measured) summaries.push(result.summary);
    }

    if (collecting) {
      collecting = false;
      await deps.collector!.stop(name);
      ctx.log('collector: stopped');
    }
    await collect();
    record.status = 'complete';
    return { name, status: 'done', summaries, runDir };
  } catch (err) {
    const interrupted = err instanceof Interrupted || deps.signal?.aborted === true;
    const message = (err as Error).message;
    ctx.log(`${interrupted ? 'interrupted' : 'FAILED'}: ${message}`);
    record.status = interrupted ? 'interrupted' : 'failed';
    record.error = message;
    if (collecting) {
      collecting = false;
      await deps.collector!.stop(name).catch((e: unknown) => ctx.log(`collector stop: ${(e as Error).message}`));
    }
    // Keep whatever the service logged before tearing down (best effort: the failure may be the cause).
    if (record.target) await collect().catch((e: unknown) => ctx.log(`collecting service CSVs: ${(e as Error).message}`));
    return { name, status: interrupted ? 'interrupted' : 'failed', reason: message, summaries, runDir };
  } finally {
    writer.close();
    record.endedAtMs = Date.now();
    if (existsSync(runDir)) writeRunRecord(runDir, record);
    const down = (): Promise<void> =>
      deployment.down(ctx).catch((e: unknown) => ctx.log(`down FAILED: ${(e as Error).message} — check for leftovers`));
    ctx.log('down: tearing down');
    if (upStarted && !upSettled) {
      // Interrupted during up(): stop what exists now (so a health wait ends early), let up() settle,
      // then down() again for anything it created meanwhile.
      await down();
      await upStarted.catch(() => undefined);
    }
    await down();
  }
}

export async function runExperiment(options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome[]> {
  const outcomes: DeploymentOutcome[] = [];
  for (const name of options.deployments) {
    if (deps.signal?.aborted) {
      outcomes.push({ name, status: 'interrupted', reason: 'not started (Ctrl-C)', summaries: [] });
      continue;
    }
    deps.log(`=== ${name} (${outcomes.length + 1}/${options.deployments.length})`);
    try {
      outcomes.push(await runOne(name, options, deps));
    } catch (err) {
      // Only reached when the driver cannot even be created or preflight itself throws: nothing is up.
      deps.log(`[${name}] FAILED: ${(err as Error).message}`);
      outcomes.push({ name, status: 'failed', reason: (err as Error).message, summaries: [] });
    }
  }
  return outcomes;
}
