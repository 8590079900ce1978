#!/usr/bin/env node
// `npm run experiment`: thin bin over runExperiment. Every option is checked before anything starts.
// After the runs, `reporter build` makes the report, and the closing table, the target checks and
// summary.md are formatted from its summary.json. Exit 0 when every deployment that could run did
// (skipped ones are fine as long as one ran), 1 when one failed, none ran, the report failed or Ctrl-C
// stopped the run, 2 for bad options.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { wantsHelp } from '../common/cli-args.js';
import { errorText } from '../common/error-text.js';
import { findPackageRoot } from '../common/package-root.js';
import { runCommand } from '../common/run-command.js';
import { readSummary, SUMMARY_FILE, type Summary } from '../contracts/summary.js';
import { UsageError } from '../contracts/usage-error.js';
import { createDeployment, type DriverOptions } from '../deploy/drivers/index.js';
import { defaultImage, inspectImage } from '../deploy/drivers/image.js';
import { defaultPort, type DeploymentName } from '../contracts/deployments.js';
import { openCorpus } from '../load/corpus.js';
import { nodeCollectors } from './node-collectors.js';
import { withNodes } from './nodes.js';
import { cliCollector } from './collector.js';
import { runExperiment, type DeploymentOutcome } from './experiment.js';
import { EXPERIMENT_USAGE, parseExperimentArgs, serviceEnv, type ExperimentOptions } from './options.js';
import { formatClosingTable, formatWithoutFigures } from './summary-table.js';

const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** The reporter's figures, or why there are none. */
type Figures = { readonly summary: Summary } | { readonly why: string; readonly failed: boolean };

/**
 * Runs `reporter build` over the run folders that finished (one per label and round, each named with
 * --csv) and reads the summary.json it wrote.
 */
async function buildReport(root: string, options: ExperimentOptions, done: readonly DeploymentOutcome[], dbs: readonly string[]): Promise<Figures> {
  const cli = join(root, 'dist/reporter/cli.js');
  if (!existsSync(cli)) return { why: 'dist/reporter/cli.js is not built, so no report was made', failed: false };
  const outDir = options.reportDir ?? join(root, 'reports/latest');
  const labels = [...new Set(done.map((o) => o.label))];
  log(`reporter: building the report for ${labels.join(', ')} (${done.length} runs)`);
  const folders = done.flatMap((o) => (o.runDir === undefined ? [] : ['--csv', o.runDir]));
  const args = [cli, 'build', ...dbs.flatMap((db) => ['--db', db]), ...folders, '--labels', labels.join(','), '--out', outDir];
  const r = await runCommand(process.execPath, args, { cwd: root });
  process.stderr.write(r.stdout + r.stderr);
  if (r.code !== 0) {
    const last = r.failure ?? (r.stderr.trim().split('\n').pop() || `exit ${r.code}`);
    return { why: `reporter build failed: ${last}`, failed: true };
  }
  try {
    return { summary: readSummary(join(outDir, SUMMARY_FILE)) };
  } catch (err) {
    return { why: errorText(err), failed: true };
  }
}

async function figuresFor(root: string, options: ExperimentOptions, outcomes: readonly DeploymentOutcome[], stopped: boolean, dbs: readonly string[]): Promise<Figures> {
  const done = outcomes.filter((o) => o.status === 'done');
  if (done.length === 0) return { why: 'no deployment was measured', failed: false };
  if (stopped) return { why: 'stopped (Ctrl-C) before the report was built', failed: false };
  if (!options.report) return { why: 'the report was not built (--no-report); the per-phase lines above are progress figures', failed: false };
  if (dbs.length === 0) return { why: 'no node database could be copied out, so no report was made', failed: true };
  return buildReport(root, options, done, dbs);
}

/** What the drivers get from the command line; anything unset keeps the driver's default. */
function driverOptions(o: ExperimentOptions): DriverOptions {
  return {
    env: serviceEnv(process.env, o.dtype),
    ...(o.port === undefined ? {} : { port: o.port }),
    ...(o.cpus === undefined ? {} : { cpus: o.cpus }),
    ...(o.memoryBytes === undefined ? {} : { memoryBytes: o.memoryBytes }),
    ...(o.nodes === undefined ? {} : { nodes: o.nodes }),
  };
}

/** SIGINT and SIGTERM (a CI timeout, `kill`) stop the load and tear down; a second one exits at once. */
function stopOnSignals(): AbortController {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log(`second ${signal}: exiting without finishing the teardown; check \`docker ps\` for leftovers`);
      process.exit(130);
    }
    log(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the load and tearing down what was started (Ctrl-C again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${EXPERIMENT_USAGE}\n`);
    return 0;
  }
  const parsed = parseExperimentArgs(argv);
  // Paths on the command line are relative to where the user is, not to the package root.
  const options: ExperimentOptions = {
    ...parsed,
    db: resolve(parsed.db),
    out: resolve(parsed.out),
    reportDir: parsed.reportDir === undefined ? undefined : resolve(parsed.reportDir),
  };
  const root = findPackageRoot();
  const corpus = openCorpus(options.corpus, root);
  const stop = stopOnSignals();
  const deps = {
    root,
    createDeployment: (name: DeploymentName, front?: boolean) => createDeployment(name, { ...driverOptions(options), front }),
    collector: cliCollector({ root, db: options.db, intervalMs: options.intervalMs }),
    inspectImage: () => inspectImage(),
    texts: corpus.texts,
    corpus: corpus.name,
    serviceSettings: serviceEnv(process.env, options.dtype),
    log,
    signal: stop.signal,
  };
  let outcomes: DeploymentOutcome[];
  let dbs = [options.db];
  let nodesFailed = false;
  if (options.nodes === undefined) {
    outcomes = await runExperiment(options, deps);
  } else {
    const settings = { root, count: options.nodes, port: options.port ?? defaultPort('swarm-3'), out: options.out, image: defaultImage(), log, signal: stop.signal };
    const run = await withNodes(settings, (cluster) =>
      runExperiment(options, { ...deps, collector: nodeCollectors(cluster.nodes, options.intervalMs, log) }));
    if (run.result === undefined) throw run.error;
    nodesFailed = run.error !== undefined;
    if (nodesFailed) log(`experiment: ${errorText(run.error)}`);
    outcomes = run.result;
    dbs = run.dbs;
  }

  const figures = await figuresFor(root, options, outcomes, stop.signal.aborted, dbs);
  const table = 'summary' in figures ? formatClosingTable(figures.summary, outcomes) : formatWithoutFigures(figures.why, outcomes);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, 'summary.md'), `# Experiment summary (${new Date().toISOString()})\n\n${table}\n`);
  log(`summary table written to ${join(options.out, 'summary.md')}`);

  const measured = outcomes.some((o) => o.status === 'done');
  if (!measured) log('experiment: no deployment was measured');
  const bad = outcomes.some((o) => o.status === 'failed' || o.status === 'interrupted');
  return bad || nodesFailed || !measured || ('failed' in figures && figures.failed) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    log(`experiment: ${errorText(err)}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
