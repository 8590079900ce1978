// Test harness for the service's tests: a real service on an ephemeral loopback port, writing its CSV
// into a fresh temp folder. Not in a test/ folder so node --test does not run it as a test file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { parse } from 'csv-parse/sync';
import { parseConfig, type ServiceConfig } from '../config.js';
import { findPackageRoot } from '../../common/package-root.js';
import { startService, type RunningService, type StartOptions } from '../service.js';

/** A fresh temp folder for the enclosing suite (made before its tests, removed after); call in describe. */
export function suiteTempDir(prefix: string): () => string {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('suiteTempDir used outside its suite');
    return dir;
  };
}

export interface TestService {
  readonly url: string;
  readonly dir: string;
  readonly csvFile: string;
  readonly svc: RunningService;
  /** Stops the service and removes the temp folder. */
  stop(): Promise<void>;
}

/** A config as main.ts would build it, on 127.0.0.1:0 with the CSV in `dir`. */
export function testConfig(dir: string, env: Record<string, string> = {}): ServiceConfig {
  return parseConfig(
    { PORT: '0', HOST: '127.0.0.1', METRICS_LOG_FILE: 'metrics.csv', ...env },
    { cwd: dir, packageRoot: findPackageRoot() },
  );
}

export async function startTestService(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TestService> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'service-test-'));
  const cfg = testConfig(dir, env);
  const svc = await startService(cfg, { replica: 'test-replica', ...opts });
  if (opts.loadModel === undefined) await svc.modelReady;
  return {
    url: `http://127.0.0.1:${svc.port}`,
    dir,
    csvFile: cfg.metricsLogFile,
    svc,
    stop: async () => {
      await svc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** POST /infer with a JSON body (or a raw string body when `raw` is set). */
export function postInfer(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; raw?: boolean } = {},
): Promise<Response> {
  return fetch(`${url}/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: init.raw === true ? (body as string) : JSON.stringify(body),
  });
}

export type CsvRecord = Record<string, string>;

/** Parses CSV text with a standard parser (csv-parse), header row as keys. */
export function parseCsv(text: string): CsvRecord[] {
  return parse(text, { columns: true, skip_empty_lines: false }) as CsvRecord[];
}

export async function readCsvFile(file: string): Promise<CsvRecord[]> {
  return parseCsv(await readFile(file, 'utf8'));
}
