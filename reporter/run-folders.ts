// Finds run folders (data/runs/<label>/, or data/runs/<label>/round-<k>/ when the experiment ran rounds) and parses their run.json once (contracts/run-record.ts: fields
// added later are optional). A folder without run.json is still a run: its label is the folder name.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorText } from '../common/error-text.js';
import { type PhaseRecord, parseRunRecord, RUN_RECORD_FILE, type RunRecord } from '../contracts/run-record.js';
import { ReporterError } from './db.js';

/** A load phase as run.json records it. */
export type Phase = PhaseRecord;
/** run.json as read (the experiment's record of the run). */
export type RunManifest = RunRecord;

export interface RunFolder {
  readonly label: string;
  readonly dir: string;
  readonly manifest: RunManifest | null;
  readonly clientCsv: string | null;
  readonly serviceCsvs: string[];
}

export class RunFolderError extends ReporterError {}

/**
 * Parses run.json text with the one run.json schema; `file` names it in errors. A run.json without a
 * label (written by hand) takes the folder name, as a folder without run.json does.
 */
export function parseManifest(text: string, file: string, fallbackLabel: string): RunManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunFolderError(`${file}: not JSON (${errorText(err)})`);
  }
  const labelled = typeof json === 'object' && json !== null && !Array.isArray(json) && !('label' in json) ? { ...json, label: fallbackLabel } : json;
  try {
    return parseRunRecord(JSON.stringify(labelled), file);
  } catch (err) {
    throw new RunFolderError(errorText(err));
  }
}

function isRunFolder(dir: string): boolean {
  return [RUN_RECORD_FILE, 'client.csv', 'service'].some((f) => existsSync(join(dir, f)));
}

/** A folder's own name, or for round-<k>/ its parent's: the label a folder without run.json gets. */
function folderLabel(dir: string): string {
  const name = basename(dir);
  return /^round-\d+$/.test(name) ? basename(dirname(dir)) : name;
}

function readFolder(dir: string): RunFolder {
  const name = folderLabel(dir);
  const manifestFile = join(dir, RUN_RECORD_FILE);
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

/** The run folders in `dir` and one level below it (<label>/round-<k>/), by name. */
function runFoldersUnder(dir: string, depth: number): RunFolder[] {
  const out: RunFolder[] = [];
  for (const entry of readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const sub = join(dir, entry);
    if (!statSync(sub).isDirectory()) continue;
    if (isRunFolder(sub)) out.push(readFolder(sub));
    else if (depth > 1) out.push(...runFoldersUnder(sub, depth - 1));
  }
  return out;
}

/**
 * Each --csv directory is either one run folder (it has run.json, client.csv or service/) or a parent
 * of run folders, directly or one level down (<label>/round-<k>/). A missing directory is an error only
 * when the user named it.
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
    else out.push(...runFoldersUnder(dir, 2));
  }
  return out;
}
