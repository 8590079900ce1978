// `reporter build`: import the run folders' CSVs, join, summarise, plot, and write REPORT.md,
// report.html, summary.json and figures/ (SVG, PNG and the Vega-Lite spec of each figure).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openRecording } from './db.js';
import { buildDocument, type FigureRef } from './document.js';
import { renderHtml } from './html.js';
import { clearReportTables, importRun } from './importer.js';
import { renderMarkdown } from './markdown.js';
import { mergeRecordings } from './merge.js';
import { overheads as computeOverheads, referencePhase } from './overhead.js';
import { specToSvg, svgToPng } from './plots/render.js';
import { latencyEcdf, latencyVsCpu, phaseBands } from './plots/series.js';
import { comparisonSpec, latencyEcdfSpec, latencyVsCpuSpec, replicaSpreadSpec, resourcesSpec } from './plots/specs.js';
import { ensureReportSchema } from './report-schema.js';
import { findRunFolders } from './run-folders.js';
import { readRecordedRuns, type ReportRun, selectRuns } from './selection.js';
import { summarize, type Summaries } from './summarize.js';

export interface BuildOptions {
  /** One recording, or several nodes' recordings to merge (into <outDir>/merged.db). */
  readonly dbs: string[];
  readonly csvDirs: string[];
  /** The user named the --csv directories (a missing one is then an error, not "no CSVs yet"). */
  readonly csvExplicit: boolean;
  readonly labels: string[] | null;
  readonly outDir: string;
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;
}

export interface BuildResult {
  readonly outDir: string;
  readonly runs: number;
  readonly imported: { client: number; service: number };
  readonly skippedRows: number;
  readonly warnings: string[];
  readonly figures: string[];
}

const MAX_PRINTED_WARNINGS = 20;

export async function build(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  let dbPath = opts.dbs[0]!;
  if (opts.dbs.length > 1) {
    mkdirSync(opts.outDir, { recursive: true });
    const merged = mergeRecordings(opts.dbs, join(opts.outDir, 'merged.db'));
    opts.log(`merged ${opts.dbs.length} databases into ${merged.path}: ${merged.runs} runs (${merged.folded} folded as other nodes' view of a run)`);
    dbPath = merged.path;
  }
  const db = openRecording(dbPath, 'write');
  try {
    ensureReportSchema(db);
    const folders = findRunFolders(opts.csvDirs, opts.csvExplicit);
    const selection = selectRuns(readRecordedRuns(db), folders, opts.labels);
    const warnings = [...selection.warnings];
    let skippedRows = 0;
    let client = 0;
    let service = 0;
    // One transaction per run, not one for all: a collector recording into the same file meanwhile waits
    // for the write lock (its busy timeout is 10 s), so no transaction may hold it for long.
    db.transaction(() => clearReportTables(db))();
    for (const run of selection.runs) {
      const counts = db.transaction(() => importRun(db, run, (w) => warnings.push(`${w.file}:${w.line}: ${w.reason}`)))();
      skippedRows += counts.skipped;
      client += counts.clientRows;
      service += counts.serviceRows;
      opts.log(`imported ${run.label}: ${counts.clientRows} client rows, ${counts.serviceRows} service rows${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
    }
    for (const w of warnings.slice(0, MAX_PRINTED_WARNINGS)) opts.warn(`warning: ${w}`);
    if (warnings.length > MAX_PRINTED_WARNINGS) opts.warn(`warning: … and ${warnings.length - MAX_PRINTED_WARNINGS} more (listed in REPORT.md)`);

    opts.log(`imported and joined (${Date.now() - started} ms)`);
    const summaries = summarize(db, selection.runs);
    opts.log(`summarised ${selection.runs.length} runs (${Date.now() - started} ms)`);
    const overheads = computeOverheads(db, selection.runs);
    opts.log(`bootstrapped ${overheads.length} overhead intervals (${Date.now() - started} ms)`);

    rmSync(join(opts.outDir, 'figures'), { recursive: true, force: true });
    mkdirSync(join(opts.outDir, 'figures'), { recursive: true });
    const reference = referencePhase(selection.runs);
    const specs = figureSpecs(db, selection.runs, summaries, reference);
    // SVGs are drawn on this thread; sharp rasterises the PNGs on its own threads meanwhile.
    const pngs: Array<Promise<void>> = [];
    for (const { name, spec } of specs) {
      const base = join(opts.outDir, 'figures', name);
      const svg = await specToSvg(spec);
      writeFileSync(`${base}.vl.json`, `${JSON.stringify(spec, null, 2)}\n`);
      writeFileSync(`${base}.svg`, svg);
      pngs.push(svgToPng(svg).then((png) => writeFileSync(`${base}.png`, png)));
    }
    await Promise.all(pngs);
    opts.log(`rendered ${specs.length} figures (${Date.now() - started} ms)`);

    const blocks = buildDocument({
      summaries,
      overheads,
      referencePhase: reference,
      figures: specs.map(({ name, title }) => ({ name, title })),
      warnings,
      skippedRows,
      dbPaths: opts.dbs.length > 1 ? [...opts.dbs, `merged into ${dbPath}`] : opts.dbs,
      builtAtMs: Date.now(),
    });
    writeFileSync(join(opts.outDir, 'REPORT.md'), renderMarkdown(blocks));
    writeFileSync(join(opts.outDir, 'report.html'), renderHtml(blocks, Object.fromEntries(specs.map((s) => [s.name, s.spec]))));
    writeFileSync(join(opts.outDir, 'summary.json'), `${JSON.stringify(summaryJson(summaries, overheads), null, 2)}\n`);
    opts.log(`wrote ${join(opts.outDir, 'REPORT.md')}, report.html, summary.json (${Date.now() - started} ms)`);
    return { outDir: opts.outDir, runs: selection.runs.length, imported: { client, service }, skippedRows, warnings, figures: specs.map((s) => s.name) };
  } finally {
    db.close();
  }
}

interface NamedSpec extends FigureRef {
  readonly spec: Record<string, unknown>;
}

function figureSpecs(db: Database.Database, runs: readonly ReportRun[], summaries: Summaries, phase: string | undefined): NamedSpec[] {
  const labels = runs.map((r) => r.label);
  const out: NamedSpec[] = [
    { name: 'comparison', title: 'CPU, memory, network I/O and latency across deployments', spec: comparisonSpec(summaries.runs, summaries.phases, phase) },
    { name: 'latency-ecdf', title: 'Latency distribution per deployment', spec: latencyEcdfSpec(latencyEcdf(db, runs, phase), labels, phase) },
  ];
  const joined = latencyVsCpu(db, runs);
  if (joined.length > 0)
    out.push({ name: 'latency-vs-cpu', title: 'Request latency against the serving replica\'s CPU (the request→sample join)', spec: latencyVsCpuSpec(joined, labels) });
  for (const run of runs) {
    const points = summaries.series.get(run.label) ?? [];
    if (points.length > 0)
      out.push({ name: `resources-${slug(run.label)}`, title: `${run.label}: CPU and memory per replica over time`, spec: resourcesSpec(run.label, points, phaseBands(run)) });
  }
  for (const run of runs) {
    const replicas = summaries.replicas.filter((r) => r.label === run.label);
    if (replicas.length > 1)
      out.push({ name: `replicas-${slug(run.label)}`, title: `${run.label}: network I/O and requests per replica`, spec: replicaSpreadSpec(run.label, replicas) });
  }
  return out;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** summary.json: the report's numbers for scripts (and tests), without the run objects' internals. */
function summaryJson(s: Summaries, overheads: unknown): unknown {
  return {
    runs: s.runs.map(({ run, ...rest }) => ({ label: run.label, deployment: run.deployment, runId: run.recorded?.id ?? null,
      windowStartMs: run.windowStartMs, windowEndMs: run.windowEndMs, ...rest })),
    replicas: s.replicas,
    phases: s.phases,
    overheads,
  };
}
