// `npm run bench -- service-ab`: two services side by side, A and B, each with its own settings, under
// the same closed-loop load in alternating rounds (A B, then B A, …), and the per-round ratio B/A.
// Why: a setting's effect (BATCH_MAX_SIZE, ONNX_THREADS, …) is a few per cent, while the throughput of
// one service on this shared machine moves by tens of per cent between runs minutes apart; only a
// ratio taken within a round, with the order balanced, survives that. With no settings both sides
// run the defaults: an A/A run, which shows the instrument's own spread.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../service/config.js';
import { findPackageRoot } from '../common/package-root.js';
import { median } from '../common/percentile.js';
import { formatTable } from '../common/text-table.js';
import { inferRequest } from './service-client.js';
import { Series, corpus, httpRound, startServiceProcess } from './service.js';

/** `KEY=VALUE KEY=VALUE` (the service's settings) → an environment; each value checked by the service's own parser. */
export function parseSettings(name: string, text: string | undefined, root: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const word of (text ?? '').split(/\s+/).filter((w) => w !== '')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!m) throw new Error(`${name}: "${word}" is not KEY=VALUE (e.g. ${name}="BATCH_MAX_SIZE=16 ONNX_THREADS=1")`);
    settings[m[1]!] = m[2]!;
  }
  // The service exits 2 on a bad value; checking here says so before anything starts. The keys the
  // parser reads are recorded, so a misspelt setting is named too instead of silently ignored.
  const read = new Set<string>();
  const env = new Proxy(settings, { get: (target, key) => (typeof key === 'string' && read.add(key), Reflect.get(target, key)) });
  try {
    parseConfig(env, { cwd: root, packageRoot: root });
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
  const unknown = Object.keys(settings).filter((k) => !read.has(k));
  if (unknown.length > 0) throw new Error(`${name}: ${unknown.join(', ')} is not a setting the service reads`);
  return settings;
}

const describeSettings = (s: Record<string, string>): string =>
  Object.keys(s).length === 0 ? 'defaults' : Object.entries(s).map(([k, v]) => `${k}=${v}`).join(' ');

export async function run(): Promise<void> {
  const root = findPackageRoot();
  const a = parseSettings('SERVICE_AB_A', process.env['SERVICE_AB_A'], root);
  const b = parseSettings('SERVICE_AB_B', process.env['SERVICE_AB_B'], root);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
  const clients = Number(process.env['SERVICE_AB_CLIENTS'] ?? 32);
  for (const [k, v] of [['BENCH_ROUNDS', rounds], ['SERVICE_AB_CLIENTS', clients]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a whole number ≥ 1, got ${JSON.stringify(process.env[k])}`);
  }
  console.log(
    `A: ${describeSettings(a)}; B: ${describeSettings(b)}; ${clients} clients, ${rounds} rounds, ` +
      `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load avg ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const texts = corpus(root);
  const dirs = [await mkdtemp(path.join(os.tmpdir(), 'bench-ab-a-')), await mkdtemp(path.join(os.tmpdir(), 'bench-ab-b-'))];
  const services = [await startServiceProcess(root, dirs[0]!, a), await startServiceProcess(root, dirs[1]!, b)];
  const series = [new Series(), new Series()];
  const rows: string[][] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const rate = [0, 0];
      for (const i of order) {
        const svc = services[i]!;
        rate[i] = await httpRound(svc.port, texts.map((text) => inferRequest(svc.port, JSON.stringify({ text }))), clients, series[i]!);
      }
      rows.push([String(round + 1), order[0] === 0 ? 'A B' : 'B A', rate[0]!.toFixed(0), rate[1]!.toFixed(0), (rate[1]! / rate[0]!).toFixed(3), os.loadavg()[0]!.toFixed(2)]);
    }
  } finally {
    for (const svc of services) await svc.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  console.log(formatTable(['round', 'order', 'A req/s', 'B req/s', 'B/A', 'load'], rows));
  const ratios = rows.map((r) => Number(r[4]));
  const bFaster = ratios.filter((r) => r > 1).length;
  console.log(
    `median A ${series[0]!.rate.toFixed(0)} req/s, B ${series[1]!.rate.toFixed(0)} req/s; B/A median ${median(ratios)!.toFixed(3)} ` +
      `(rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; B faster in ${bFaster} of ${rounds}); ` +
      `p50 A ${series[0]!.percentile(50).toFixed(2)} ms, B ${series[1]!.percentile(50).toFixed(2)} ms`,
  );
}
