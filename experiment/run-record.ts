// Writing data/runs/<label>/round-<k>/run.json (its shape is contracts/run-record.ts). Rewritten after every phase,
// atomically, so a crash keeps what was already measured and a reader never sees half a file.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRunRecord, RUN_RECORD_FILE, type RunRecordInput } from '../contracts/run-record.js';

export function writeRunRecord(runDir: string, record: RunRecordInput): string {
  const file = join(runDir, RUN_RECORD_FILE);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, formatRunRecord(record));
  renameSync(tmp, file);
  return file;
}

/** CPU of the load generator over all phases, weighted by phase length. */
export function overallCpuPercent(phases: readonly { cpuPercent: number; durationMs: number }[]): number {
  const total = phases.reduce((s, p) => s + p.durationMs, 0);
  return total > 0 ? phases.reduce((s, p) => s + p.cpuPercent * p.durationMs, 0) / total : 0;
}
