// The whole experiment: round after round, every deployment once per round in that round's order
// (order.ts), each run: up → collector start → warm-up and measured phases (each in a fresh load
// generator process) → collector stop → collect service CSVs → down. Each of those is a resource nested
// in the one before it, so whatever was started is stopped on every path, in reverse order. A deployment
// that cannot run here is skipped with its reason in every round; one that fails is reported and torn
// down, and the next one still runs. Ctrl-C (the signal) stops the load, tears down what was started,
// and runs nothing more.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { errorText } from '../common/error-text.js';
import { withResource } from '../common/resource.js';
import { frontLabel, repeatLabel, type DeploymentName, type EventDeploymentName } from '../contracts/deployments.js';
import type { ImageInfo, NodeClock, RunRecordInput, Target } from '../contracts/run-record.js';
import type { Deployment, RunContext } from '../deploy/deployment.js';
import { clockText } from '../deploy/nodes/clock-offset.js';
import { runLoadInProcess } from '../load/phase-process.js';
import { formatLoadSummary, type LoadSummary } from '../load/stats.js';
import type { CollectorControl } from './collector.js';
import { Interrupted, modelArgs, servedModel, withDeployment } from './deployment-resource.js';
import type { ExperimentOptions } from './options.js';
import { drawSeed, roundOrders } from './order.js';
import { planPhases, type PhasePlan } from './phases.js';
import { overallCpuPercent, writeRunRecord } from './run-record.js';
import { DEFAULT_EVENT_TIMES, driveEvent, type EventRun } from './swarm-event.js';

export interface ExperimentDeps {
  readonly root: string;
  /** `front`: the deployment behind the HAProxy front (a `<name>-front` run of --front). */
  createDeployment(name: DeploymentName, front: boolean): Deployment;
  /** undefined when the collector is not built: runs go on without resource samples (runId null). */
  readonly collector: CollectorControl | undefined;
  inspectImage(deployment: Deployment): Promise<ImageInfo | null>;
  readonly texts: readonly string[];
  /** The corpus the texts come from (a bundled name or a file), recorded in run.json: the run's work level. */
  readonly corpus: string;
  /** The service settings given to every deployment, recorded in run.json (none: the defaults). */
  readonly serviceSettings?: Readonly<Record<string, string>>;
  log(message: string): void;
  readonly signal?: AbortSignal;
}

/** One label in one round. */
export interface DeploymentOutcome {
  readonly name: DeploymentName;
  /** The run's label: the deployment's name, or `<name>#k` for its k-th listing (repeatLabel). */
  readonly label: string;
  /** 1-based. */
  readonly round: number;
  readonly status: 'done' | 'skipped' | 'failed' | 'interrupted';
  /** Why it was skipped or what failed. */
  readonly reason?: string;
  /** The measured phases that ran to their end (no warm-up), in order. */
  readonly phases: readonly string[];
  readonly runDir?: string;
}

/** What one deployment's run writes as it goes: run.json (rewritten after each step) and client.csv. */
interface RunFiles {
  readonly dir: string;
  readonly record: RunRecordInput & { phases: NonNullable<RunRecordInput['phases']> };
  /** client.csv, appended to by each phase's load generator process. */
  readonly csv: string;
  /** Measured phases that ran to their end. */
  readonly measured: string[];
  /** Every phase's load summary (for the load generator's CPU over the whole run). */
  readonly loads: LoadSummary[];
}

/** The nodes' clock offsets into run.json (collectors on several nodes only); a failed reading is logged, not fatal. */
async function readClocks(collector: CollectorControl, at: NodeClock['at'], files: RunFiles, ctx: RunContext): Promise<void> {
  if (!collector.clocks) return;
  try {
    const read = await collector.clocks(at);
    files.record.nodeClocks = [...(files.record.nodeClocks ?? []), ...read];
    ctx.log(`clocks (${at}): ${read.map((c) => `${c.node} ${clockText(c)}`).join(', ')}`);
  } catch (err) {
    ctx.log(`clocks (${at}): not read: ${errorText(err)}`);
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
      // --client-pid: the load generator is this process's child, one per phase (load/phase-process.ts); the
      // collector records each as a client row, measured apart from the deployment's cost
      const client = ['--client-pid', String(process.pid)];
      files.record.runId = await collector.start(label, [...deployment.collectorArgs(), ...(await modelArgs(target)), ...client]);
      ctx.log(`collector: recording run ${files.record.runId}`);
      await readClocks(collector, 'start', files, ctx);
    },
    use,
    async () => {
      await readClocks(collector, 'end', files, ctx);
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

/**
 * One load phase against the target, in a fresh load generator process; its requests go to client.csv and
 * its times to run.json. `finish` ends it cleanly before its duration (the event phases).
 */
async function runPhase(phase: PhasePlan, target: Target, files: RunFiles, ctx: RunContext, options: ExperimentOptions, deps: ExperimentDeps, finish?: AbortSignal): Promise<void> {
  const what = phase.rateRps !== null ? `${phase.rateRps} req/s` : `${phase.concurrency} client(s)`;
  const much = phase.requests !== undefined ? `${phase.requests} requests` : `${(phase.durationMs ?? 0) / 1000} s`;
  ctx.log(`phase ${phase.name}: ${much}, ${what}`);
  const { summary, startMs, endMs, pid } = await runLoadInProcess(
    {
      target: { host: target.host, port: target.port, path: '/infer' },
      label: files.record.label, phase: phase.name, concurrency: phase.concurrency ?? 1, rateRps: phase.rateRps ?? undefined,
      requests: phase.requests, durationMs: phase.durationMs, timeoutMs: options.timeoutMs, texts: deps.texts,
    },
    {
      csv: files.csv,
      signal: deps.signal,
      finish,
      onProgress: (done, failed) => ctx.log(`  phase ${phase.name}: ${done} done, ${failed} failed`),
    },
  );
  files.record.phases.push({
    name: phase.name, startMs, endMs, concurrency: phase.concurrency, rateRps: phase.rateRps,
    requests: summary.requests, loadgenCpuPercent: summary.cpuPercent,
  });
  files.loads.push(summary);
  files.record.loadgen = { cpuPercent: overallCpuPercent(files.loads) };
  writeRunRecord(files.dir, files.record);
  ctx.log(`${formatLoadSummary(summary)} (load generator pid ${pid})`.replace(/\n/g, `\n[${files.record.label}] `));
  if (deps.signal?.aborted) throw new Interrupted();
  if (summary.ok === 0) {
    const errs = Object.entries(summary.errors).map(([k, n]) => `${k}=${n}`).join(' ');
    throw new Error(`phase ${phase.name}: none of ${summary.requests} requests succeeded (${errs})`);
  }
  if (phase.measured) files.measured.push(phase.name);
}

/** An event phase (swarm-scale, swarm-failover): its load, and the event driven while it runs. */
async function runEventPhase(phase: PhasePlan & { event: EventDeploymentName }, deployment: Deployment, target: Target, files: RunFiles,
  ctx: RunContext, options: ExperimentOptions, deps: ExperimentDeps): Promise<void> {
  const finish = new AbortController();
  const load = runPhase(phase, target, files, ctx, options, deps, finish.signal);
  const run: EventRun = {
    dir: files.dir,
    csv: files.csv,
    record: (event) => {
      files.record.event = event;
      writeRunRecord(files.dir, files.record);
    },
  };
  const times = { settleMs: options.durationMs, ...DEFAULT_EVENT_TIMES };
  const driven = driveEvent(phase.event, phase.name, deployment, run, times, ctx, load, finish, deps.signal);
  const [loaded, event] = await Promise.allSettled([load, driven]);
  if (event.status === 'rejected') throw event.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
}

/** Everything done while the deployment is up: record, load, collect. */
async function measure(deployment: Deployment, target: Target, files: RunFiles, ctx: RunContext, options: ExperimentOptions, deps: ExperimentDeps): Promise<void> {
  files.record.target = target;
  // The dtype the service reports, not the one asked for: a service left with another MODEL_DTYPE shows as such.
  files.record.dtype = (await servedModel(target)).dtype ?? null;
  await withServiceCsvs(deployment, files, ctx, () =>
    withRecording(deployment, target, files, ctx, deps, async () => {
      files.record.image = deployment.kind === 'native' ? null : await deps.inspectImage(deployment);
      writeRunRecord(files.dir, files.record);
      for (const phase of planPhases(options, deployment.name)) {
        if (deps.signal?.aborted) throw new Interrupted();
        if (phase.event !== undefined) await runEventPhase({ ...phase, event: phase.event }, deployment, target, files, ctx, options, deps);
        else await runPhase(phase, target, files, ctx, options, deps);
      }
    }),
  );
}

/** Where this run sits in the experiment: recorded in run.json for the reporter to group rounds by. */
export interface RoundPlace {
  readonly round: number;
  readonly rounds: number;
  readonly position: number;
  readonly order: readonly string[];
  readonly seed: number;
}

/** One label measured in one round; its folder is data/runs/<label>/round-<k>/. */
interface RunEntry {
  readonly name: DeploymentName;
  /** Measured behind the HAProxy front (--front). */
  readonly front: boolean;
  readonly label: string;
  readonly place: RoundPlace;
}

function openRunFiles(dir: string, entry: RunEntry, deployment: Deployment, options: ExperimentOptions, deps: ExperimentDeps): RunFiles {
  mkdirSync(dir, { recursive: true });
  const unlimited = deployment.kind === 'native' || (options.cpus === undefined && options.memoryBytes === undefined);
  const record = {
    label: entry.label, deployment: deployment.kind, startedAtMs: Date.now(), phases: [], status: 'running', corpus: deps.corpus,
    serviceSettings: { ...deps.serviceSettings },
    limits: unlimited ? null : { cpus: options.cpus ?? null, memoryBytes: options.memoryBytes ?? null },
    ...entry.place, order: [...entry.place.order],
  };
  return { dir, record, csv: join(dir, 'client.csv'), measured: [], loads: [] };
}

async function runOne(entry: RunEntry, options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome> {
  const { name, front, label, place } = entry;
  const runDir = resolve(deps.root, options.out, label, `round-${place.round}`);
  const tag = place.rounds > 1 ? `${label} r${place.round}` : label;
  const ctx: RunContext = { root: deps.root, runDir, log: (m) => deps.log(`[${tag}] ${m}`) };
  const deployment = deps.createDeployment(name, front);
  const files = openRunFiles(runDir, entry, deployment, options, deps);
  const outcome = { name, label, round: place.round, runDir };
  try {
    await withDeployment(deployment, ctx, deps.signal, (target) => measure(deployment, target, files, ctx, options, deps));
    files.record.status = 'complete';
    return { ...outcome, status: 'done', phases: files.measured };
  } catch (err) {
    const status = err instanceof Interrupted || deps.signal?.aborted === true ? 'interrupted' : 'failed';
    const message = errorText(err);
    ctx.log(`${status === 'interrupted' ? 'interrupted' : 'FAILED'}: ${message}`);
    files.record.status = status;
    files.record.error = message;
    return { ...outcome, status, reason: message, phases: files.measured };
  } finally {
    files.record.endedAtMs = Date.now();
    writeRunRecord(runDir, files.record);
  }
}

/**
 * A new experiment replaces its labels' earlier folders (the database keeps every run): the round
 * folders, and the files of the one-folder-per-label layout, so no stale round is read with the new ones.
 */
function clearLabelFolders(out: string, labels: readonly string[]): void {
  for (const label of labels) {
    const dir = join(out, label);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (/^round-\d+$/.test(f) || ['client.csv', 'run.json', 'service'].includes(f)) rmSync(join(dir, f), { recursive: true, force: true });
    }
  }
}

/** Why a deployment cannot run here, asked once per deployment and per front (the answer holds for every round). */
function preflightOnce(deps: ExperimentDeps, root: string): (entry: Pick<RunEntry, 'name' | 'front'>) => Promise<Omit<DeploymentOutcome, 'label' | 'round'> | undefined> {
  const answers = new Map<string, Promise<Omit<DeploymentOutcome, 'label' | 'round'> | undefined>>();
  const ask = async (name: DeploymentName, front: boolean, tag: string): Promise<Omit<DeploymentOutcome, 'label' | 'round'> | undefined> => {
    const log = (m: string): void => deps.log(`[${tag}] ${m}`);
    try {
      const why = await deps.createDeployment(name, front).preflight({ root, runDir: root, log });
      if (!why) return undefined;
      log(`skipped: ${why}`);
      return { name, status: 'skipped', reason: why, phases: [] };
    } catch (err) {
      // The driver cannot even be created or its preflight throws: nothing is up.
      log(`FAILED: ${errorText(err)}`);
      return { name, status: 'failed', reason: errorText(err), phases: [] };
    }
  };
  return ({ name, front }) => {
    const tag = front ? frontLabel(name) : name;
    if (!answers.has(tag)) answers.set(tag, ask(name, front, tag));
    return answers.get(tag)!;
  };
}

/**
 * Every label once per round, each round in its own order (experiment/order.ts); returns one outcome per
 * label and round, round by round in the order they ran.
 */
export async function runExperiment(options: ExperimentOptions, deps: ExperimentDeps): Promise<DeploymentOutcome[]> {
  const counts = new Map<DeploymentName, number>();
  const entries = [
    ...options.deployments.map((name) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return { name, front: false, label: repeatLabel(name, counts.get(name)!) };
    }),
    ...options.front.map((name) => ({ name, front: true, label: frontLabel(name) })),
  ];
  const byLabel = new Map(entries.map((e) => [e.label, e]));
  const seed = options.seed ?? drawSeed();
  const orders = roundOrders(entries.map((e) => e.label), options.repeat, seed);
  deps.log(`${orders.length} round(s) of ${entries.length} deployment(s); orders from seed ${seed} (--seed ${seed} gives the same orders)`);
  clearLabelFolders(resolve(deps.root, options.out), entries.map((e) => e.label));
  const preflight = preflightOnce(deps, deps.root);
  const outcomes: DeploymentOutcome[] = [];
  for (const [r, order] of orders.entries()) {
    deps.log(`=== round ${r + 1}/${orders.length}: ${order.join(', ')}`);
    for (const [position, label] of order.entries()) {
      const { name, front } = byLabel.get(label)!;
      const place = { round: r + 1, rounds: orders.length, position, order, seed };
      if (deps.signal?.aborted) {
        outcomes.push({ name, label, round: place.round, status: 'interrupted', reason: 'not started (Ctrl-C)', phases: [] });
        continue;
      }
      const cannot = await preflight({ name, front });
      if (cannot) {
        outcomes.push({ ...cannot, label, round: place.round });
        continue;
      }
      deps.log(`=== ${label} (round ${place.round}/${place.rounds}, ${position + 1}/${order.length})`);
      outcomes.push(await runOne({ name, front, label, place }, options, deps));
    }
  }
  return outcomes;
}
