#!/usr/bin/env node
// `npm run experiment`: thin bin over runExperiment. Exit 0 when every deployment that could run did
// (skipped ones are fine as long as one ran), 1 when one failed, none ran, the report failed or Ctrl-C
// stopped the run, 2 for bad options.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDeployment, type DriverOptions } from '../deploy/drivers/index.js';
import { UsageError } from '../load/args.js';
import { loadCorpus } from '../load/corpus.js';
import { findPackageRoot } from '../common/package-root.js';
import { cliCollector } from './collector.js';
import { runExperiment } from './experiment.js';
import { EXPERIMENT_USAGE, parseExperimentArgs, serviceEnv, type ExperimentOptions } from './options.js';
import { inspectImage } from './run-record.js';
import { formatTable } from './summary-table.js';

const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** Runs `reporter build` when it is built; resolves false only when it ran and failed. */
function runReporter(root: string, db: string, out: string, labels: string[], reportDir: string | undefined): Promise<boolean> {
  const cli = join(root, 'dist/reporter/cli.js');
  if (!existsSync(cli)) {
    log('reporter: dist/reporter/cli.js not built, no report');
    return Promise.resolve(true);
  }
  log(`reporter: building the report for ${labels.join(', ')}`);
  return new Promise((done) => {
    const args = [cli, 'build', '--db', db, '--csv', out, '--labels', labels.join(','), ...(reportDir ? ['--out', reportDir] : [])];
    const child = execFile(process.execPath, args, { cwd: root }, (err) => {
      if (err) log(`reporter build failed: ${err.message.split('\n')[0]}`);
      done(!err);
    });
    child.stdout?.pipe(process.stderr);
    child.stderr?.pipe(process.stderr);
  });
}

/** What the drivers get from the command line; anything unset keeps the driver's default. */
function driverOptions(o: ExperimentOptions): DriverOptions {
  return {
    env: serviceEnv(process.env),
    ...(o.port === undefined ? {} : { port: o.port }),
    ...(o.cpus === undefined ? {} : { cpus: o.cpus }),
    ...(o.memoryBytes === undefined ? {} : { memoryBytes: o.memoryBytes }),
  };
}

async function main(): Promise<number> {
  const parsed = parseExperimentArgs(process.argv.slice(2));
  // Paths on the command line are relative to where the user is, not to the package root.
  const options = {
    ...parsed,
    db: resolve(parsed.db),
    out: resolve(parsed.out),
    reportDir: parsed.reportDir === undefined ? undefined : resolve(parsed.reportDir),
  };
  if (options.help) {
    process.stdout.write(`${EXPERIMENT_USAGE}\n`);
    return 0;
  }
  const root = findPackageRoot();
  let texts: string[];
  try {
    texts = loadCorpus(join(root, 'data/reviews.csv')).map((r) => r.text);
  } catch (err) {
    throw new Error(`cannot read the review corpus data/reviews.csv: ${(err as Error).message}`);
  }
  const stop = new AbortController();
  // SIGTERM (a CI timeout, `kill`) gets the same clean teardown as Ctrl-C.
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
  const collector = cliCollector({ root, db: options.db, interval: options.interval });
  const outcomes = await runExperiment(options, {
    root,
    createDeployment: (name) => createDeployment(name, driverOptions(options)),
    collector,
    inspectImage: () => inspectImage('llm-inference-image'),
    texts,
    log,
    signal: stop.signal,
  });

  const table = formatTable(outcomes);
  process.stdout.write(`\n${table}\n`);
  const outDir = resolve(root, options.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'summary.md'), `# Experiment summary (${new Date().toISOString()})\n\n${table}\n`);
  log(`summary table written to ${join(outDir, 'summary.md')}`);

  const done = outcomes.filter((o) => o.status === 'done').map((o) => o.name);
  const reported =
    options.report && done.length > 0 && !stop.signal.aborted ? await runReporter(root, options.db, options.out, done, options.reportDir) : true;
  if (done.length === 0) log('experiment: no deployment was measured');
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'interrupted');
  return bad.length > 0 || done.length === 0 || !reported ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) {
      log(`experiment: ${err.message}`);
      process.exitCode = 2;
    } else {
      log(`experiment: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  },
);
