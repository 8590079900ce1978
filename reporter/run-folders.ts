// Finds run folders (data/runs/<label>/) and parses their run.json once, tolerating missing optional
// fields. A folder without run.json is still a run: its label is the folder name.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ReporterError } from './db.js';

export interface Phase {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly concurrency: number | null;
  readonly rateRps: number | null;
  readonly requests: number | null;
}

export interface RunManifest {
  readonly label: string;
  readonly runId: number | null;
  readonly deployment: string | null;
  readonly target: { host: string; port: number; userlandProxy: boolean | null; path: string } | null;
  readonly startedAtMs: number | null;
  readonly endedAtMs: number | null;
  readonly phases: Phase[];
  readonly image: { id: string; sizeBytes: number | null } | null;
  readonly loadgen: { cpuPercent: number | null } | null;
  /** The experiment's own verdict: running, complete, failed or interrupted (null in older files). */
  readonly status: string | null;
  readonly error: string | null;
}

export interface RunFolder {
  readonly label: string;
  readonly dir: string;
  readonly manifest: RunManifest | null;
  readonly clientCsv: string | null;
  readonly serviceCsvs: string[];
}

export class RunFolderError extends ReporterError {}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parsePhase(v: unknown, i: number, file: string): Phase {
  if (!isObj(v) || typeof v['name'] !== 'string') throw new RunFolderError(`${file}: phases[${i}] has no name`);
  const startMs = numOrNull(v['startMs']);
  const endMs = numOrNull(v['endMs']);
  if (startMs === null || endMs === null) throw new RunFolderError(`${file}: phase "${v['name']}" needs startMs and endMs`);
  return {
    name: v['name'],
    startMs,
    endMs,
    concurrency: numOrNull(v['concurrency']),
    rateRps: numOrNull(v['rateRps']),
    requests: numOrNull(v['requests']),
  };
}

/** Parses run.json text; `file` names it in errors. */
export function parseManifest(text: string, file: string, fallbackLabel: string): RunManifest {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (err) {
    throw new RunFolderError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!isObj(j)) throw new RunFolderError(`${file}: expected a JSON object`);
  const t = j['target'];
  const img = j['image'];
  const lg = j['loadgen'];
  return {
    label: strOrNull(j['label']) ?? fallbackLabel,
    runId: numOrNull(j['runId']),
    deployment: strOrNull(j['deployment']),
    target: isObj(t)
      ? {
          host: String(t['host'] ?? ''),
          port: numOrNull(t['port']) ?? 0,
          userlandProxy: typeof t['userlandProxy'] === 'boolean' ? t['userlandProxy'] : null,
          path: String(t['path'] ?? ''),
        }
      : null,
    startedAtMs: numOrNull(j['startedAtMs']),
    endedAtMs: numOrNull(j['endedAtMs']),
    phases: Array.isArray(j['phases']) ? j['phases'].map((p, i) => parsePhase(p, i, file)) : [],
    image: isObj(img) && typeof img['id'] === 'string' ? { id: img['id'], sizeBytes: numOrNull(img['sizeBytes']) } : null,
    loadgen: isObj(lg) ? { cpuPercent: numOrNull(lg['cpuPercent']) } : null,
    status: strOrNull(j['status']),
    error: strOrNull(j['error']),
  };
}

function isRunFolder(dir: string): boolean {
  return ['run.json', 'client.csv', 'service'].some((f) => existsSync(join(dir, f)));
}

function readFolder(dir: string): RunFolder {
  const name = basename(dir);
  const manifestFile = join(dir, 'run.json');
  const manifest = existsSync(manifestFile) ? parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile, name) : null;
  const serviceDir = join(dir, 'service');
  const serviceCsvs = existsSync(serviceDir)
    ? readdirSync(serviceDir)
        .filter((f) => f.toLowerCase().endsWith('.csv'))
        .sort()
        .map((f) => join(serviceDir, f))
    : [];
  const client = join(dir, 'client.csv');
  return { label: manifest?.label ?? name, dir, manifest, clientCsv: existsSync(client) ? client : null, serviceCsvs };
}

/**
 * Each --csv directory is either one run folder (it has run.json, client.csv or service/) or a parent
 * of run folders. A missing directory is an error only when the user named it.
 */
export function findRunFolders(dirs: readonly string[], explicit: boolean): RunFolder[] {
  const out: RunFolder[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) {
      if (explicit) throw new RunFolderError(`--csv ${dir}: no such directory`);
      continue;
    }
    if (!statSync(dir).isDirectory()) throw new RunFolderError(`--csv ${dir}: not a directory`);
    if (isRunFolder(dir)) out.push(readFolder(dir));
    else
      for (const entry of readdirSync(dir).sort()) {
        const sub = join(dir, entry);
        if (statSync(sub).isDirectory() && isRunFolder(sub)) out.push(readFolder(sub));
      }
  }
  return out;
}
