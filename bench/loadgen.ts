// `npm run bench -- loadgen`: what our load generator costs beside autocannon and wrk (where installed),
// on the same service and corpus: the real service on the bundled model (a native process on
// 127.0.0.1), 16 clients back to back, the 160 reviews of data/reviews.csv. Each generator runs in its
// own process, in alternating rounds (the order rotates each round). Figures, over a window that starts
// after a warm-up so process start-up is left out:
// - CPU per request: the generator process's utime+stime from /proc/<pid>/stat over the window, divided
//   by the requests the service answered in the window (its own /metrics counter, the same count for
//   every generator);
// - throughput: those requests over the window;
// - p50: as each generator reports it over its whole run (ours: exact nearest rank; autocannon: HDR;
//   wrk: its own histogram).
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProcPidStat } from '../collector/procfs-parse.js';
import { findPackageRoot } from '../common/package-root.js';
import { median } from '../common/percentile.js';
import { runCommand } from '../common/run-command.js';
import { lastLine, startProcess } from '../common/start-process.js';
import { formatTable } from '../common/text-table.js';
import { closedPhase } from '../contracts/deployments.js';
import { loadCorpus } from '../load/corpus.js';
import { startServiceProcess } from './service.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WINDOW_SECONDS = Number(process.env['BENCH_LOADGEN_SECONDS'] ?? 6);
const WARM_SECONDS = 2;
const CLIENTS = 16;

interface Generator {
  readonly name: string;
  /** The command for a run of `seconds` against `port`. */
  command(port: number, seconds: number): [string, string[]];
  /** Its p50 in ms from what it printed. */
  p50(output: string): number;
}

interface Measured {
  readonly cpuUsPerRequest: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
}

const jsonLine = (output: string, prefix = '{'): Record<string, unknown> => {
  const line = output.split('\n').reverse().find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no JSON summary in: ${lastLine(output)}`);
  return JSON.parse(line.slice(prefix.length - 1)) as Record<string, unknown>;
};

function generators(root: string, dir: string, corpus: string, wrk: boolean): Generator[] {
  const list: Generator[] = [
    {
      name: 'ours (load CLI, CSV rows written)',
      command: (port, seconds) => [process.execPath, [
        path.join(root, 'dist/load/cli.js'), '--port', String(port), '--concurrency', String(CLIENTS), '--duration', `${seconds}s`,
        '--corpus', corpus, '--label', 'bench', '--phase', closedPhase(CLIENTS), '--json', '--out', path.join(dir, `client-${Date.now()}.csv`),
      ]],
      p50: (out) => (jsonLine(out).latencyMs as { p50: number }).p50,
    },
    {
      name: 'autocannon',
      command: (port, seconds) => [process.execPath, [path.join(root, 'dist/bench/autocannon-run.js'), String(port), String(CLIENTS), String(seconds), corpus]],
      p50: (out) => jsonLine(out).p50Ms as number,
    },
  ];
  if (wrk) {
    const script = path.join(dir, 'corpus.lua');
    writeFileSync(script, wrkScript(corpus));
    list.push({
      name: 'wrk (1 thread)',
      command: (port, seconds) => ['wrk', ['-t1', `-c${CLIENTS}`, `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}/infer`]],
      p50: (out) => (jsonLine(out, 'WRK {').p50Us as number) / 1000,
    });
  }
  return list;
}

/** A wrk script that cycles through the corpus bodies and prints its p50 as JSON at the end. */
function wrkScript(corpus: string): string {
  const bodies = loadCorpus(corpus).map((r) => `[==[${JSON.stringify({ text: r.text })}]==]`);
  return `local bodies = {${bodies.join(',\n')}}
local i = 0
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/infer", headers, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("WRK {\\"requests\\":%d,\\"p50Us\\":%d}\\n", summary.requests, latency:percentile(50)))
end
`;
}

/** /infer requests the service has answered so far (its Prometheus counter). */
async function served(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^http_requests_total\{[^}]*route="\/infer"[^}]*\} (\d+(?:\.\d+)?)/gm)) total += Number(m[1]);
  return total;
}

const cpuTicks = (pid: number): number => parseProcPidStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuTicks;

async function measure(gen: Generator, port: number, ticksPerSecond: number): Promise<Measured> {
  const [file, args] = gen.command(port, WARM_SECONDS + WINDOW_SECONDS + 1);
  const child = startProcess(file, args, { stopGraceMs: 2000 });
  try {
    await sleep(WARM_SECONDS * 1000);
    const pid = child.pid!;
    const a = { cpu: cpuTicks(pid), served: await served(port), at: performance.now() };
    await sleep(WINDOW_SECONDS * 1000);
    const b = { cpu: cpuTicks(pid), served: await served(port), at: performance.now() };
    const end = await child.exited;
    if (end.code !== 0) throw new Error(`${gen.name} exited ${end.code ?? end.signal}: ${lastLine(child.output())}`);
    const requests = b.served - a.served;
    return {
      cpuUsPerRequest: (((b.cpu - a.cpu) / ticksPerSecond) * 1e6) / requests,
      reqPerSec: requests / ((b.at - a.at) / 1000),
      p50Ms: gen.p50(child.output()),
    };
  } finally {
    await child.stop();
  }
}

async function hasWrk(): Promise<boolean> {
  return (await runCommand('wrk', ['--version'], { timeoutMs: 5000 })).failure === undefined;
}

export async function run(): Promise<void> {
  const root = findPackageRoot();
  const corpus = path.join(root, 'data', 'reviews.csv');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ldb-loadgen-'));
  const tck = Number((await runCommand('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  const wrk = await hasWrk();
  const gens = generators(root, dir, corpus, wrk);
  const service = await startServiceProcess(root, dir);
  try {
    console.log(
      `load generators on the real service (bundled model, native, 127.0.0.1), ${CLIENTS} clients, data/reviews.csv; ` +
        `${ROUNDS} rotating rounds, ${WINDOW_SECONDS} s window after ${WARM_SECONDS} s (medians)${wrk ? '' : '; wrk not installed'}`,
    );
    const results = new Map<string, Measured[]>(gens.map((g) => [g.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < gens.length; i++) {
        const gen = gens[(i + round) % gens.length]!;
        results.get(gen.name)!.push(await measure(gen, service.port, tck));
      }
    }
    const mid = (xs: number[]): number => median(xs) ?? NaN;
    const cannon = mid(results.get('autocannon')!.map((m) => m.cpuUsPerRequest));
    const rows = gens.map((g) => {
      const ms = results.get(g.name)!;
      const cpu = mid(ms.map((m) => m.cpuUsPerRequest));
      return [g.name, cpu.toFixed(0), (cpu / cannon).toFixed(2), mid(ms.map((m) => m.reqPerSec)).toFixed(0), mid(ms.map((m) => m.p50Ms)).toFixed(2)];
    });
    console.log(formatTable(['generator', 'CPU µs/request', '× autocannon', 'req/s', 'p50 ms'], rows, { align: ['left', 'right', 'right', 'right', 'right'] }));
  } finally {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
