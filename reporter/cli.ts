#!/usr/bin/env node
// The `reporter` bin: parses flags into one options object per command, then calls the library.
// Bad input is one line on stderr and exit code 2.
import { parseStrict } from '../common/cli-args.js';
import { errorText } from '../common/error-text.js';
import { UsageError } from '../contracts/usage-error.js';
import { build } from './build.js';
import { ReporterError } from './db.js';
import { type QueryFormat, runQuery } from './query.js';

const USAGE = `usage:
  reporter build [--db data/bench.db]... [--csv data/runs]... [--labels a,b] [--out reports/latest]
  reporter query "<SQL>" [--db data/bench.db] [--report reports/latest] [--format table|csv|json]`;

async function runBuild(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseStrict(args, {
    db: { type: 'string', multiple: true },
    csv: { type: 'string', multiple: true },
    labels: { type: 'string' },
    out: { type: 'string' },
  }, true);
  if (positionals.length > 0) throw new ReporterError(`build: unexpected argument "${positionals[0]}"`);
  const dbs = values.db ?? ['data/bench.db'];
  if (new Set(dbs).size !== dbs.length) throw new ReporterError(`--db: the same database given twice`);
  const labels = values.labels === undefined ? null : values.labels.split(',').map((l) => l.trim()).filter((l) => l !== '');
  if (labels !== null && labels.length === 0) throw new ReporterError(`--labels "${values.labels}": no label given`);
  const t0 = Date.now();
  const result = await build({
    dbs,
    csvDirs: values.csv ?? ['data/runs'],
    csvExplicit: values.csv !== undefined,
    labels,
    outDir: values.out ?? 'reports/latest',
    log: (m) => console.log(m),
    warn: (m) => console.error(m),
  });
  console.log(
    `report: ${result.runs} runs, ${result.imported.client} client + ${result.imported.service} service rows imported, ` +
      `${result.skippedRows} malformed rows skipped, ${result.figures.length} figures, ${Date.now() - t0} ms → ${result.outDir}/REPORT.md`,
  );
}

function runQueryCommand(args: readonly string[]): void {
  const { values, positionals } = parseStrict(args, { db: { type: 'string' }, report: { type: 'string' }, format: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new ReporterError('query: give exactly one SQL statement, quoted');
  const format = values.format ?? 'table';
  if (!['table', 'csv', 'json'].includes(format)) throw new ReporterError(`--format "${format}": expected table, csv or json`);
  process.stdout.write(runQuery({ db: values.db, report: values.report, sql: positionals[0]!, format: format as QueryFormat }));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') console.log(USAGE);
  else if (command === 'build') await runBuild(rest);
  else if (command === 'query') runQueryCommand(rest);
  else throw new ReporterError(command === undefined ? `no command\n${USAGE}` : `unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A usage message may carry the usage lines after its first line: print it whole.
  console.error(`reporter: ${err instanceof UsageError ? err.message : errorText(err)}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
