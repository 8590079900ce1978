#!/usr/bin/env node
// Thin bin over runLoad: npm run load -- --port 5000 --requests 160 --concurrency 1 --out client.csv
import { wantsHelp } from '../common/cli-args.js';
import { errorText } from '../common/error-text.js';
import { findPackageRoot } from '../common/package-root.js';
import { UsageError } from '../contracts/usage-error.js';
import { openCorpus } from './corpus.js';
import { ClientCsvWriter } from './csv-writer.js';
import { LOAD_USAGE, parseLoadArgs, type LoadCliOptions } from './options.js';
import { progressPrinter } from './progress.js';
import { runLoad } from './run.js';
import { formatLoadSummary } from './stats.js';

/** Reads the corpus and opens --out before any request goes out; a problem with either is a usage error. */
function openInputs(options: LoadCliOptions): { texts: string[]; writer: ClientCsvWriter | undefined } {
  const { texts } = openCorpus(options.corpus, findPackageRoot());
  try {
    return { texts, writer: options.out === undefined ? undefined : new ClientCsvWriter(options.out) };
  } catch (err) {
    throw new UsageError(`--out ${options.out}: ${errorText(err)}`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  const options = parseLoadArgs(argv);
  const { texts, writer } = openInputs(options);
  const stop = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nstopping: waiting for requests in flight to be cancelled\n');
    stop.abort();
  };
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(`${options.label}/${options.phase}`, (line) => process.stderr.write(line));
  try {
    const result = await runLoad(
      {
        target: { host: options.host, port: options.port, path: options.path },
        label: options.label,
        phase: options.phase,
        concurrency: options.concurrency,
        rateRps: options.rateRps,
        requests: options.requests,
        durationMs: options.durationMs,
        timeoutMs: options.timeoutMs,
        texts,
      },
      {
        signal: stop.signal,
        keepRows: false, // rows go to --out as they complete; a long run would otherwise hold them all
        onRow: (row) => {
          writer?.write(row);
          progress.row(row);
        },
      },
    );
    progress.done();
    process.stdout.write(options.json ? `${JSON.stringify(result.summary)}\n` : `${formatLoadSummary(result.summary)}\n`);
    if (writer) process.stderr.write(`${writer.rowsWritten} rows appended to ${writer.path}\n`);
    return result.summary.ok === result.summary.requests && !stop.signal.aborted ? 0 : 1;
  } finally {
    writer?.close();
    process.off('SIGINT', onSigint);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`load: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
