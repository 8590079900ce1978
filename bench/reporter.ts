// Reporter speed: a generated recording of 5 runs × 3 replicas × 1 h at a 100 ms poll interval
// (540k samples) with 100k client + 100k service request rows; `reporter build` must write the full
// report in ≤ 10 s and ≤ 500 MB peak RSS. The build runs in a child process so its RSS is its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPhase, SEQUENTIAL_PHASE, WARMUP_PHASE } from '../contracts/deployments.js';
import { findPackageRoot } from '../common/package-root.js';
import { describeEnd, lastLine, startProcess } from '../common/start-process.js';
import { type FixtureSpec, makeFixture, SMALL_SPEC } from '../reporter/fixture/make-fixture.js';
import type { Measured } from './reporter-build.js';

const ROOT = findPackageRoot();
const HOUR = 3_600_000;
const REQUESTS_PER_RUN = 20_000;

export const BENCH_SPEC: FixtureSpec = {
  // The fixture's five deployments, each with 3 replicas.
  runs: SMALL_SPEC.runs.map((r) => ({ ...r, replicas: 3 })),
  phases: [
    { name: WARMUP_PHASE, durationMs: 60_000, requests: 200, concurrency: 1, rateRps: null },
    { name: SEQUENTIAL_PHASE, durationMs: HOUR / 2 - 60_000, requests: REQUESTS_PER_RUN / 2 - 200, concurrency: 1, rateRps: null },
    { name: closedPhase(16), durationMs: HOUR / 2, requests: REQUESTS_PER_RUN / 2, concurrency: 16, rateRps: null },
  ],
  intervalMs: 100,
  idleMs: 0,
  startMs: Date.UTC(2026, 10, 23, 0, 0, 0),
  seed: 11,
};

/** The build in a child process (progress on this process's stderr), so the RSS measured is its own. */
async function buildInChild(dir: string): Promise<Measured> {
  const child = startProcess(process.execPath, [join(ROOT, 'dist', 'bench', 'reporter-build.js'), dir], { cwd: ROOT, inheritStderr: true });
  const end = await child.exited;
  if (end.code !== 0) throw new Error(`reporter build in a child process: ${describeEnd(end)}`);
  return JSON.parse(lastLine(child.output())) as Measured;
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
