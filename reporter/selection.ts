// Which runs a build reports on: every run folder, joined to its recording (run.json's runId, else the
// latest recorded run with that label), plus recorded labels that have no folder. Missing parts are
// kept and shown as missing, never dropped.
import type Database from 'better-sqlite3';
import { ALL_DEPLOYMENT_NAMES, isDeploymentKind, isMeasuredPhase } from '../contracts/deployments.js';
import { listRuns } from '../contracts/recording.js';
import { ReporterError } from './db.js';
import type { Phase, RunFolder, RunManifest } from './run-folders.js';
import { levelLabel, splitLevel, UNKNOWN_DTYPE, type WorkLevel, workLevelOf } from './work-level.js';

export interface RecordedRun {
  readonly id: number;
  readonly label: string;
  readonly deployment: string;
  readonly status: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly intervalMs: number;
  readonly hostCpus: number;
  readonly hostMemoryBytes: number;
  readonly collectorHost: string;
  readonly kernel: string | null;
  readonly cgroupVersion: number | null;
  readonly dockerVersion: string | null;
  readonly imageId: string | null;
  readonly modelId: string | null;
  readonly modelDtype: string | null;
  readonly cpuLimit: number | null;
  readonly statsSource: string;
}

export interface ReportRun {
  /** Unique in the report: the experiment's label, with `@r<round>` when it ran several rounds. */
  readonly label: string;
  /** The experiment's label (`native`, `native#2`, `docker` …): the rounds of one deployment share it. */
  readonly group: string;
  /** The round it was measured in; 1 for a recording without rounds. */
  readonly round: number;
  readonly deployment: string;
  readonly recorded: RecordedRun | null;
  readonly folder: RunFolder | null;
  readonly manifest: RunManifest | null;
  readonly phases: Phase[];
  /** Measured window: the load phases except the warm-up; null when nothing says when the load ran. */
  readonly windowStartMs: number | null;
  readonly windowEndMs: number | null;
  /** The run's corpus and dtype (work-level.ts); when the report holds several, `group` carries its key. */
  readonly level: WorkLevel;
}

export function readRecordedRuns(db: Database.Database): RecordedRun[] {
  return listRuns(db).map((r) => ({
    id: r.id,
    label: r.label,
    deployment: r.deployment,
    status: r.status,
    startedAtMs: r.started_at_ms,
    endedAtMs: r.ended_at_ms,
    intervalMs: r.interval_ms,
    hostCpus: r.host_cpus,
    hostMemoryBytes: r.host_memory_bytes,
    collectorHost: r.collector_host,
    kernel: r.kernel,
    cgroupVersion: r.cgroup_version,
    dockerVersion: r.docker_version,
    imageId: r.image_id,
    modelId: r.model_id,
    modelDtype: r.model_dtype,
    cpuLimit: r.cpu_limit,
    statsSource: r.stats_source,
  }));
}

/**
 * native, docker, compose, swarm-1, swarm-3, swarm-scale, swarm-failover first (the experiment's order), a second label of one of them
 * (`native#2`) right after it, then the rest by name.
 */
export function labelOrder(a: string, b: string): number {
  const [la, lb] = [splitLevel(a), splitLevel(b)];
  // Runs of one work level together, levels by name.
  if (la.key !== lb.key) return (la.key ?? '').localeCompare(lb.key ?? '', 'en');
  [a, b] = [la.label, lb.label];
  const known = ALL_DEPLOYMENT_NAMES as readonly string[];
  const ia = known.indexOf(a.split('#')[0]!);
  const ib = known.indexOf(b.split('#')[0]!);
  if ((ia >= 0 || ib >= 0) && ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return a.localeCompare(b, 'en', { numeric: true });
}

function kindFromLabel(label: string): string {
  const head = label.split(/[-_#]/)[0] ?? label;
  return isDeploymentKind(head) ? head : 'other';
}

export function measuredWindow(phases: readonly Phase[], fallback: [number | null, number | null]): [number | null, number | null] {
  const measured = phases.filter((p) => isMeasuredPhase(p.name));
  if (measured.length === 0) return fallback;
  return [Math.min(...measured.map((p) => p.startMs)), Math.max(...measured.map((p) => p.endMs))];
}

export interface Selection {
  readonly runs: ReportRun[];
  readonly warnings: string[];
}

/** A run's key in the report: its label, or `<label>@r<round>` when the experiment ran several rounds. */
export function runKey(label: string, round: number, rounds: number): string {
  return rounds > 1 ? `${label}@r${round}` : label;
}

export function selectRuns(recorded: readonly RecordedRun[], folders: readonly RunFolder[], labels: readonly string[] | null): Selection {
  const warnings: string[] = [];
  const latestByLabel = new Map<string, RecordedRun>();
  for (const r of recorded) latestByLabel.set(r.label, r); // ordered by start: the last one wins
  const byId = new Map(recorded.map((r) => [r.id, r]));
  /**
   * run.json's runId, if that recorded run has the folder's label; else (ids move when several recordings
   * are merged, merge.ts) the run of that label the collector started while this run ran.
   */
  const recordedOf = (folder: RunFolder): RecordedRun | null => {
    const m = folder.manifest;
    if (m?.runId == null) return null;
    const same = byId.get(m.runId);
    if (same?.label === folder.label) return same;
    const [start, end] = [m.startedAtMs ?? -Infinity, m.endedAtMs ?? Infinity];
    return recorded.find((r) => r.label === folder.label && r.startedAtMs >= start && r.startedAtMs <= end) ?? null;
  };
  // Several work levels (e.g. two experiments' folders): the same label at each level is another run.
  // A folder whose dtype nothing records (no run.json, no recording) does not make a level of its own.
  const levelsKnown = folders.map((f) => workLevelOf(f.manifest, recordedOf(f))).filter((l) => l.dtype !== UNKNOWN_DTYPE);
  const leveled = new Set(levelsKnown.map((l) => l.key)).size > 1;
  const runs = new Map<string, ReportRun>();
  for (const folder of folders) {
    const level = workLevelOf(folder.manifest, recordedOf(folder));
    const group = leveled ? levelLabel(folder.label, level.key) : folder.label;
    const key = runKey(group, folder.manifest?.round ?? 1, folder.manifest?.rounds ?? 1);
    if (runs.has(key)) {
      warnings.push(`${folder.dir}: run "${key}" already read from ${runs.get(key)?.folder?.dir}, skipped`);
      continue;
    }
    const m = folder.manifest;
    let rec: RecordedRun | null = null;
    if (m?.runId != null) {
      rec = recordedOf(folder);
      const fallback = latestByLabel.get(folder.label);
      if (!rec)
        warnings.push(`${folder.dir}: run.json runId ${m.runId} is not in the database; ${fallback ? `using run ${fallback.id}, the latest "${folder.label}" run` : `no "${folder.label}" run is recorded`}`);
    }
    rec ??= latestByLabel.get(folder.label) ?? null;
    runs.set(key, makeRun(key, group, rec, folder));
  }
  const groups = new Set([...runs.values()].map((r) => r.group));
  const folderLabels = new Set(folders.map((f) => f.label));
  for (const [label, rec] of latestByLabel) if (!runs.has(label) && !groups.has(label) && !folderLabels.has(label)) runs.set(label, makeRun(label, label, rec, null));
  const known = new Set([...runs.keys(), ...groups]);
  let chosen = [...runs.values()];
  if (labels) {
    const unknown = labels.filter((l) => !known.has(l));
    if (unknown.length > 0)
      throw new ReporterError(
        `unknown label${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...known].sort(labelOrder).join(', ') || 'none'})`,
      );
    chosen = chosen.filter((r) => labels.includes(r.label) || labels.includes(r.group));
  }
  if (chosen.length === 0) throw new ReporterError('nothing to report: no recorded runs and no run folders');
  chosen.sort((a, b) => labelOrder(a.group, b.group) || a.round - b.round);
  return { runs: chosen, warnings };
}

function makeRun(label: string, group: string, rec: RecordedRun | null, folder: RunFolder | null): ReportRun {
  const m = folder?.manifest ?? null;
  const phases = [...(m?.phases ?? [])].sort((a, b) => a.startMs - b.startMs);
  const [windowStartMs, windowEndMs] = measuredWindow(phases, [
    m?.startedAtMs ?? rec?.startedAtMs ?? null,
    m?.endedAtMs ?? rec?.endedAtMs ?? null,
  ]);
  return {
    label,
    group,
    round: m?.round ?? 1,
    deployment: m?.deployment ?? rec?.deployment ?? kindFromLabel(group),
    recorded: rec,
    folder,
    manifest: m,
    phases,
    windowStartMs,
    windowEndMs,
    level: workLevelOf(m, rec),
  };
}
