#!/usr/bin/env node
// Thin bin over runLoad: npm run load -- --port 5000 --requests 160 --concurrency 1 --out client.csv
import { UsageError } from './args.js';
import { loadCorpus } from './corpus.js';
import { ClientCsvWriter } from './csv-writer.js';
import { LOAD_USAGE, parseLoadArgs } from './options.js';
import { progressPrinter } from './progress.js';
import { runLoad } from './run.js';
import { formatSummary } from './stats.js';

async function main(): Promise<number> {
  const options = parseLoadArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  let texts: string[];
  try {
    texts = loadCorpus(options.corpus).map((r) => r.text);
  } catch (err) {
    throw new UsageError(`--corpus ${options.corpus}: ${(err as Error).message}`);
  }
  let writer: ClientCsvWriter | undefined;
  try {
    writer = options.out === undefined ? undefined : new ClientCsvWriter(options.out);
  } catch (err) {
    throw new UsageError(`--out ${options.out}: ${(err as Error).message}`);
  }
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
    process.stdout.write(options.json ? `${JSON.stringify(result.summary)}\n` : `${formatSummary(result.summary)}\n`);
    if (writer) process.stderr.write(`${writer.rowsWritten} rows appended to ${writer.path}\n`);
    return result.summary.ok === result.summary.requests && !stop.signal.aborted ? 0 : 1;
  } finally {
    writer?.close();
    process.off('SIGINT', onSigint);
  }
}

main().then(
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
