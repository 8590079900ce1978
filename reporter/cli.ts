#!/usr/bin/env node
// The `reporter` bin: parses flags into one options object per command, then calls the library.
// Bad input is one line on stderr and exit code 2.
import { parseStrict, wantsHelp } from '../common/cli-args.js';
import { errorText } from '../common/error-text.js';
import { UsageError } from '../contracts/usage-error.js';
import { build } from './build.js';
import { ReporterError } from './db.js';
import { type QueryFormat, runQuery } from './query.js';
import { parseTimeZone } from './time-zone.js';

const BUILD_USAGE = `usage: reporter build [--db FILE]... [--csv DIR]... [--labels a,b] [--out DIR] [--tz ZONE]
  Builds REPORT.md, report.html, summary.json, report.db and figures/ from a recording and its run folders.
  --db FILE      the collector's recording, read only (default data/bench.db); several: one per node, merged
  --csv DIR      a run folder or a folder of run folders (default data/runs); repeatable
  --labels a,b   report only these runs (default: all)
  --out DIR      where the report goes (default reports/latest)
  --tz ZONE      the zone of CSV timestamps written without one: an IANA name such as Europe/Berlin, or UTC
                 (default: this machine's local zone, from TZ); timestamps with Z or an offset are read as written
  -h, --help     this help`;

const QUERY_USAGE = `usage: reporter query "<SQL>" [--db FILE] [--report DIR] [--format table|csv|json]
  Runs one read-only SQL statement and prints its rows.
  --db FILE      the recording (default data/bench.db when --report is not given; with it: attached as rec)
  --report DIR   a report's report.db (or its folder): the reporter's tables and views
  --format F     table (default), csv or json
  -h, --help     this help`;

const USAGE = `usage: reporter <command> [options]   (reporter <command> --help for its options)
  reporter build [--db FILE]... [--csv DIR]... [--labels a,b] [--out DIR] [--tz ZONE]
  reporter query "<SQL>" [--db FILE] [--report DIR] [--format table|csv|json]
  reporter help [command]`;

const COMMAND_USAGE: Record<string, string> = { build: BUILD_USAGE, query: QUERY_USAGE };

async function runBuild(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseStrict(args, {
    db: { type: 'string', multiple: true },
    csv: { type: 'string', multiple: true },
    labels: { type: 'string' },
    out: { type: 'string' },
    tz: { type: 'string' },
  }, true);
  if (positionals.length > 0) throw new ReporterError(`build: unexpected argument "${positionals[0]}"`);
  const dbs = values.db ?? ['data/bench.db'];
  if (new Set(dbs).size !== dbs.length) throw new ReporterError(`--db: the same database given twice`);
  const labels = values.labels === undefined ? null : values.labels.split(',').map((l) => l.trim()).filter((l) => l !== '');
  if (labels !== null && labels.length === 0) throw new ReporterError(`--labels "${values.labels}": no label given`);
  const timeZone = values.tz === undefined ? undefined : parseTimeZone('tz', values.tz);
  const t0 = Date.now();
  const result = await build({
    dbs,
    csvDirs: values.csv ?? ['data/runs'],
    csvExplicit: values.csv !== undefined,
    labels,
    outDir: values.out ?? 'reports/latest',
    ...(timeZone ? { timeZone } : {}),
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

/** `help [command]`, `--help`/`-h` anywhere: the usage asked for, on stdout. */
function help(command: string | undefined): string {
  if (command === undefined || command === 'help' || command.startsWith('-')) return USAGE;
  const usage = COMMAND_USAGE[command];
  if (usage === undefined) throw new ReporterError(`help: unknown command "${command}"\n${USAGE}`);
  return usage;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'help') console.log(help(rest[0]));
  else if (wantsHelp(argv)) console.log(help(command));
  else if (command === 'build') await runBuild(rest);
  else if (command === 'query') runQueryCommand(rest);
  else throw new ReporterError(command === undefined ? `no command\n${USAGE}` : `unknown command "${command}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A usage message may carry the usage lines after its first line: print it whole.
  console.error(`reporter: ${err instanceof UsageError ? err.message : errorText(err)}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
