// data/runs/<label>/run.json: what one deployment's run was (collector run id, target, phase times).
// Rewritten after every phase (atomically), so a crash keeps what was already measured.
import { execFile } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentKind, Target } from '../deploy/deployment.js';

export interface PhaseRecord {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly concurrency: number | null;
  readonly rateRps: number | null;
  readonly requests: number;
  /** The load generator's own CPU over this phase; 100 = one core. */
  readonly loadgenCpuPercent: number;
}

export interface ImageInfo {
  readonly id: string;
  readonly sizeBytes: number;
}

export interface RunRecord {
  label: string;
  /** Collector run id in the database; null when no collector ran. */
  runId: number | null;
  deployment: DeploymentKind;
  target: Target | null;
  startedAtMs: number;
  endedAtMs: number | null;
  phases: PhaseRecord[];
  image: ImageInfo | null;
  /** Per-replica limits asked for on the command line (containers only); null = unlimited. */
  limits: { cpus: number | null; memoryBytes: number | null } | null;
  loadgen: { cpuPercent: number } | null;
  /** running while phases are under way; complete, failed or interrupted at the end. */
  status: 'running' | 'complete' | 'failed' | 'interrupted';
  error?: string;
  /** Service CSVs collected under service/, relative to the run folder. */
  serviceCsvs: string[];
}

export function writeRunRecord(runDir: string, record: RunRecord): string {
  const file = join(runDir, 'run.json');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

/** CPU of the load generator over all phases, weighted by phase length. */
export function overallCpuPercent(phases: readonly { cpuPercent: number; durationMs: number }[]): number {
  const total = phases.reduce((s, p) => s + p.durationMs, 0);
  return total > 0 ? phases.reduce((s, p) => s + p.cpuPercent * p.durationMs, 0) / total : 0;
}

/** `docker image inspect` → id and size; null when there is no engine or no such image. */
export function inspectImage(image: string): Promise<ImageInfo | null> {
  return new Promise((resolve) => {
    execFile('docker', ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', image], { timeout: 15_000 }, (err, stdout) => {
      const m = /^(\S+) (\d+)$/.exec(stdout.trim());
      resolve(err || !m ? null : { id: m[1]!, sizeBytes: Number(m[2]) });
    });
  });
}
