// `reporter build`: copy the recording (opened read-only) into report.db, import the run folders' CSVs
// there, join, summarise, plot, and write REPORT.md, report.html, summary.json and figures/ (SVG, PNG
// and the Vega-Lite spec of each figure). The recording is never written.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { type AcrossRounds, formatSummaryJson, type Overhead, type Summary, SUMMARY_FILE, type WorkPoint } from '../contracts/summary.js';
import { buildDocument, type FigureRef } from './document.js';
import type { LabelledTimeline } from './events/document.js';
import { eventRuns, readEventTimeline } from './events/read.js';
import { type AnswerPhases, answerPhases, nativeMemoryNote } from './findings.js';
import { renderHtml } from './html.js';
import { importRun } from './importer.js';
import { renderMarkdown } from './markdown.js';
import { nodeSection } from './nodes.js';
import { overheads as computeOverheads, referencePhase } from './overhead.js';
import { specToSvg, svgToPng } from './plots/render.js';
import { latencyEcdf, latencyVsCpu, phaseBands } from './plots/series.js';
import { answerPanels, comparisonSpec, overheadsSpec, roundsSpec } from './plots/round-specs.js';
import { eventSpec } from './plots/event-specs.js';
import { latencyEcdfSpec, latencyVsCpuSpec, replicaSpreadSpec, resourcesSpec } from './plots/specs.js';
import { createReportDb, REPORT_DB_FILE } from './report-db.js';
import { acrossRounds } from './rounds.js';
import { findRunFolders } from './run-folders.js';
import { readRecordedRuns, type ReportRun, type Selection, selectRuns } from './selection.js';
import { type Summaries, summarizeRuns } from './summarize.js';
import { localTimeZone, type TimeZone, timestampNote } from './time-zone.js';
import { modelMsPerRequest } from './model-time.js';
import { workAxisSpec } from './plots/work-axis-spec.js';
import { type LevelFigures, workPoints } from './work-axis.js';
import { byLevel } from './work-level.js';

export interface BuildOptions {
  /** One recording, or several nodes' recordings to merge; only read, copied into <outDir>/report.db. */
  readonly dbs: string[];
  readonly csvDirs: string[];
  /** The user named the --csv directories (a missing one is then an error, not "no CSVs yet"). */
  readonly csvExplicit: boolean;
  readonly labels: string[] | null;
  readonly outDir: string;
  /** The zone timestamps without one are read in; absent: this process's local zone (TZ). */
  readonly timeZone?: TimeZone;
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;
}

export interface BuildResult {
  readonly outDir: string;
  /** <outDir>/report.db: the recorded rows reported on, the imported requests, the views. */
  readonly reportDb: string;
  readonly runs: number;
  readonly imported: { client: number; service: number };
  readonly skippedRows: number;
  readonly warnings: string[];
  readonly figures: string[];
}

const MAX_PRINTED_WARNINGS = 20;

export async function build(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const since = (): string => `${Date.now() - started} ms`;
  const { db, path: reportDb, copied } = await createReportDb(opts.outDir, opts.dbs);
  try {
    if (opts.dbs.length > 1) opts.log(`merged ${opts.dbs.length} databases into ${reportDb}: ${copied.runs} runs (${copied.folded} folded as other nodes' view of a run)`);
    else opts.log(`copied the recording into ${reportDb} (${since()})`);
    const folders = findRunFolders(opts.csvDirs, opts.csvExplicit);
    const selection = selectRuns(readRecordedRuns(db), folders, opts.labels);
    const zone = opts.timeZone ?? localTimeZone(opts.warn);
    const imported = importRuns(db, selection, zone, opts);
    opts.log(`imported and joined (${since()})`);
    const summaries = summarizeRuns(db, selection.runs);
    opts.log(`summarised ${selection.runs.length} runs (${since()})`);
    // An event run (swarm-scale, swarm-failover) is a timeline around a scale or a crash, not a steady
    // state: it has its own section and stays out of the comparisons against native.
    const steady = selection.runs.filter((r) => (r.manifest?.event ?? null) === null);
    // Each work level is compared with its own baseline only (work-level.ts); one level: the whole report.
    const levels = byLevel(steady);
    const overheads = levels.flatMap((l) => computeOverheads(db, l.runs));
    opts.log(`bootstrapped ${overheads.length} overhead intervals (${since()})`);
    const modelTimes = new Map(selection.runs.map((r) => [r.label, modelMsPerRequest(db, r)]));
    const perLevel = levels.map((l) => levelFigures(l, summaries, modelTimes));
    const across = perLevel.length > 1 ? mergeLevels(perLevel.map((l) => l.across)) : (perLevel[0]?.across ?? acrossRounds(steady, summaries.phases));
    const reference = referencePhase(steady);
    const answer = answerPhases(summaries.phases.filter((p) => steady.some((r) => r.label === p.label)), reference);
    const points = workPoints(perLevel);
    const answerSpecs = answerFigureSpecs(steady, across, answer, nativeMemoryNote(summaries.runs.filter((r) => steady.includes(r.run)))?.footnote);
    const workSpecs: NamedSpec[] = points.length > 0
      ? [{ name: 'work-axis', title: 'Overhead against model time per request, per work level (95 % intervals across rounds)', spec: workAxisSpec(points) }]
      : [];
    const events: LabelledTimeline[] = eventRuns(selection.runs).map((r) => ({ label: r.label, timeline: readEventTimeline(db, r), figure: `event-${slug(r.label)}` }));
    const eventSpecs = events.map((e) => ({ name: e.figure, title: `${e.label}: the timeline around the event`, spec: eventSpec(e.label, e.timeline) }));
    const otherSpecs = figureSpecs(db, selection.runs, summaries, reference);
    const specs = [...answerSpecs, ...workSpecs, ...otherSpecs, ...eventSpecs];
    await writeFigures(opts.outDir, specs);
    opts.log(`rendered ${specs.length} figures (${since()})`);
    const blocks = buildDocument({
      summaries,
      overheads,
      across,
      answer,
      answerFigures: answerSpecs.map(({ name, title }) => ({ name, title })),
      work: { modelTimes, points, figure: workSpecs[0] && { name: workSpecs[0].name, title: workSpecs[0].title } },
      figures: otherSpecs.map(({ name, title }) => ({ name, title })),
      events,
      warnings: imported.warnings,
      skippedRows: imported.skipped,
      timestamps: timestampNote(zone, opts.timeZone !== undefined, imported.zoneless),
      dbPaths: opts.dbs.length > 1 ? [...opts.dbs, `merged into ${reportDb}`] : opts.dbs,
      builtAtMs: Date.now(),
      nodes: nodeSection(db, selection.runs),
    });
    writeFileSync(join(opts.outDir, 'REPORT.md'), renderMarkdown(blocks));
    writeFileSync(join(opts.outDir, 'report.html'), renderHtml(blocks, Object.fromEntries(specs.map((s) => [s.name, s.spec]))));
    writeFileSync(join(opts.outDir, SUMMARY_FILE), formatSummaryJson(summaryJson(summaries, overheads, across, modelTimes, points)));
    opts.log(`wrote ${join(opts.outDir, 'REPORT.md')}, report.html, ${SUMMARY_FILE}, ${REPORT_DB_FILE} (${since()})`);
    return {
      outDir: opts.outDir,
      reportDb,
      runs: selection.runs.length,
      imported: { client: imported.client, service: imported.service },
      skippedRows: imported.skipped,
      warnings: imported.warnings,
      figures: specs.map((s) => s.name),
    };
  } finally {
    db.close();
  }
}

interface Imported {
  readonly client: number;
  readonly service: number;
  readonly skipped: number;
  readonly zoneless: number;
  readonly warnings: string[];
}

/** Every selected run's CSVs into report.db, one transaction per run; warnings printed (the first few). */
function importRuns(db: Database.Database, selection: Selection, zone: TimeZone, opts: BuildOptions): Imported {
  const warnings = [...selection.warnings];
  const total = { client: 0, service: 0, skipped: 0, zoneless: 0 };
  for (const run of selection.runs) {
    const counts = db.transaction(() => importRun(db, run, zone, (w) => warnings.push(`${w.file}:${w.line}: ${w.reason}`)))();
    total.skipped += counts.skipped;
    total.client += counts.clientRows;
    total.service += counts.serviceRows;
    total.zoneless += counts.zonelessRows;
    opts.log(`imported ${run.label}: ${counts.clientRows} client rows, ${counts.serviceRows} service rows${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  }
  for (const w of warnings.slice(0, MAX_PRINTED_WARNINGS)) opts.warn(`warning: ${w}`);
  if (warnings.length > MAX_PRINTED_WARNINGS) opts.warn(`warning: … and ${warnings.length - MAX_PRINTED_WARNINGS} more (listed in REPORT.md)`);
  return { ...total, warnings };
}

/**
 * figures/<name>.{vl.json,svg,png}: SVGs drawn on this thread while sharp rasterises PNGs on its own,
 * one PNG at a time. Rasterised side by side, the 9 figures of a report took 75 s instead of 4.7 s
 * (rounds.png alone 75 s; 2026-12-02, 2 vCPU VM): librsvg renders under sharp contend with each other.
 */
async function writeFigures(outDir: string, specs: readonly NamedSpec[]): Promise<void> {
  rmSync(join(outDir, 'figures'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'figures'), { recursive: true });
  let pngs: Promise<void> = Promise.resolve();
  for (const { name, spec } of specs) {
    const base = join(outDir, 'figures', name);
    const svg = await specToSvg(spec);
    writeFileSync(`${base}.vl.json`, `${JSON.stringify(spec, null, 2)}\n`);
    writeFileSync(`${base}.svg`, svg);
    pngs = pngs.then(async () => writeFileSync(`${base}.png`, await svgToPng(svg)));
    pngs.catch(() => {}); // a failure is thrown by the await below, not left unhandled meanwhile
  }
  await pngs;
}

interface NamedSpec extends FigureRef {
  readonly spec: Record<string, unknown>;
}

/**
 * The figures shown with the answer: values with intervals, overheads beside the A/A band, every round's
 * value. `footnote` says what native memory is (its own cgroup, or RSS: not comparable) under each.
 */
function answerFigureSpecs(runs: readonly ReportRun[], across: AcrossRounds, answer: AnswerPhases, footnote: string | undefined): NamedSpec[] {
  const labels = [...new Set(runs.map((r) => r.group))];
  const panels = answerPanels(across, answer);
  const note = footnote ? ` (${footnote})` : '';
  const out: NamedSpec[] = [
    { name: 'comparison', title: `Latency, throughput, CPU, memory, MEM %, network and block I/O per deployment: mean over rounds with 95 % interval${note}`, spec: comparisonSpec(across, labels, panels, footnote) },
  ];
  if (across.comparisons.length > 0)
    out.push({ name: 'overheads', title: `Overhead against ${across.baseline} with 95 % interval, the A/A interval in grey${note}`, spec: overheadsSpec(across, labels, panels, footnote) });
  out.push({ name: 'rounds', title: `Each round's value per deployment: how much rounds disagree${note}`, spec: roundsSpec(across, labels, panels, footnote) });
  return out;
}

/** Per-run figures, for the first round of each label (later rounds look alike and would multiply the figures). */
function figureSpecs(db: Database.Database, allRuns: readonly ReportRun[], summaries: Summaries, phase: string | undefined): NamedSpec[] {
  const runs = allRuns.filter((r) => r === allRuns.find((x) => x.group === r.group));
  const labels = runs.map((r) => r.label);
  const out: NamedSpec[] = [
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

/**
 * One work level's across-round figures, each against that level's baseline, and its model time: the
 * baseline's mean over rounds (a deployment that crowds the CPU, e.g. three replicas on two cores, slows
 * its own model; that is its overhead, not the level's work). All the level's runs when it has no baseline.
 */
function levelFigures(l: { level: ReportRun['level']; runs: ReportRun[] }, summaries: Summaries, modelTimes: ReadonlyMap<string, number | undefined>): LevelFigures {
  const labels = new Set(l.runs.map((r) => r.label));
  const phases = summaries.phases.filter((p) => labels.has(p.label));
  const across = acrossRounds(l.runs, phases);
  const base = l.runs.filter((r) => r.group === across.baseline);
  const times = (base.length > 0 ? base : l.runs).map((r) => modelTimes.get(r.label)).filter((t): t is number => t !== undefined);
  return {
    level: l.level,
    across,
    answer: answerPhases(phases, referencePhase(l.runs)),
    modelMs: times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : undefined,
  };
}

/** Several levels' figures in one list; the first level's baseline names the report's (each comparison names its own). */
function mergeLevels(levels: readonly AcrossRounds[]): AcrossRounds {
  return {
    rounds: Math.max(0, ...levels.map((l) => l.rounds)),
    method: `${levels[0]!.method}; each work level against its own baseline`,
    baseline: levels[0]!.baseline,
    aaLabel: levels[0]!.aaLabel,
    figures: levels.flatMap((l) => l.figures),
    comparisons: levels.flatMap((l) => l.comparisons),
  };
}

/** summary.json (contracts/summary.ts): the report's numbers for scripts, without the run objects' internals. */
function summaryJson(s: Summaries, overheads: Overhead[], across: AcrossRounds, modelTimes: ReadonlyMap<string, number | undefined>, points: WorkPoint[]): Summary {
  return {
    runs: s.runs.map(({ run, ...rest }) => ({ label: run.label, deployment: run.deployment, group: run.group, round: run.round, runId: run.recorded?.id ?? null,
      windowStartMs: run.windowStartMs, windowEndMs: run.windowEndMs, corpus: run.level.corpus, dtype: run.level.dtype,
      modelMsPerRequest: modelTimes.get(run.label), ...rest })),
    replicas: s.replicas,
    phases: s.phases,
    overheads,
    acrossRounds: across,
    ...(points.length > 0 ? { workAxis: points } : {}),
  };
}
