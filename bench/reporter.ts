// Reporter speed: a generated recording of 5 runs × 3 replicas × 1 h at a 100 ms poll interval
// (540k samples) with 100k client + 100k service request rows; `reporter build` must write the full
// report in ≤ 10 s and ≤ 500 MB peak RSS. The build runs in a child process so its RSS is its own.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FixtureSpec, makeFixture, SMALL_SPEC } from '../reporter/fixture/make-fixture.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HOUR = 3_600_000;
const REQUESTS_PER_RUN = 20_000;

export const BENCH_SPEC: FixtureSpec = {
  // The fixture's five deployments, each with 3 replicas.
  runs: SMALL_SPEC.runs.map((r) => ({ ...r, replicas: 3 })),
  phases: [
    { name: 'warmup', durationMs: 60_000, requests: 200, concurrency: 1, rateRps: null },
    { name: 'sequential', durationMs: HOUR / 2 - 60_000, requests: REQUESTS_PER_RUN / 2 - 200, concurrency: 1, rateRps: null },
    { name: 'closed-c16', durationMs: HOUR / 2, requests: REQUESTS_PER_RUN / 2, concurrency: 16, rateRps: null },
  ],
  intervalMs: 100,
  idleMs: 0,
  startMs: Date.UTC(2026, 10, 23, 0, 0, 0),
  seed: 11,
};

interface Measured {
  ms: number;
  cpuMs: number;
  maxRssMB: number;
  runs: number;
  client: number;
  service: number;
}

function buildInChild(dir: string): Promise<Measured> {
  const buildUrl = pathToFileURL(join(ROOT, 'dist', 'reporter', 'build.js')).href;
  const script = `
    const t0 = performance.now();
    const { build } = await import(${JSON.stringify(buildUrl)});
    const r = await build({ dbs: [${JSON.stringify(join(dir, "bench.db"))}], csvDirs: [${JSON.stringify(join(dir, 'runs'))}],
      csvExplicit: true, labels: null, outDir: ${JSON.stringify(join(dir, 'report'))}, log: (m) => console.error('  ' + m), warn: (m) => console.error(m) });
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024,
      runs: r.runs, client: r.imported.client, service: r.imported.service }));`;
  return new Promise((done, fail) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) fail(err);
      else done(JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured);
    });
    child.stderr?.pipe(process.stderr);
  });
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reporter-'));
  try {
    let t = performance.now();
    makeFixture(dir, BENCH_SPEC, ROOT);
    const samples = BENCH_SPEC.runs.length * 3 * (HOUR / BENCH_SPEC.intervalMs);
    console.log(`generated ${BENCH_SPEC.runs.length} runs × 3 replicas × 1 h @ ${BENCH_SPEC.intervalMs} ms (~${samples} samples) ` +
      `+ ${BENCH_SPEC.runs.length * REQUESTS_PER_RUN * 2} request rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const m = await buildInChild(dir);
    const wall = (performance.now() - t) / 1000;
    console.log(`reporter build: ${m.runs} runs, ${m.client} client + ${m.service} service rows`);
    console.log(`  time  ${(m.ms / 1000).toFixed(2)} s (process wall ${wall.toFixed(2)} s)   target ≤ 10 s   ${m.ms <= 10_000 ? 'OK' : 'OVER'}`);
    // CPU time does not grow when other processes share the cores; wall time does.
    console.log(`  CPU time (user + system) ${(m.cpuMs / 1000).toFixed(2)} s   load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
    console.log(`  peak RSS ${m.maxRssMB.toFixed(0)} MB   target ≤ 500 MB   ${m.maxRssMB <= 500 ? 'OK' : 'OVER'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
