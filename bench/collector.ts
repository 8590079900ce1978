// Collector accuracy and cost. `npm run bench -- collector`.
//   COLLECTOR_BENCH_SECONDS  length of each cost phase (default 60; 10 for a quick look)
//   COLLECTOR_BENCH_COUNTS   container counts for the cost phases (default "3,30")
// Accuracy: 3 busybox containers with steady loads, `docker stats --no-stream` beside the collector's
// samples of the same second. Cost: N idle busybox containers at 1 s; for each stats path the
// collector's own CPU/RSS, missed ticks and tick lag p99, and the engine's CPU (dockerd + containerd +
// shims), beside the `docker stats` CLI streaming the same containers for the same time.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { findPackageRoot } from '../common/package-root.js';
import { sleep } from '../common/poll.js';
import { runChecked, runCommand } from '../common/run-command.js';
import { startProcess } from '../common/start-process.js';
import { formatTable } from '../common/text-table.js';

const ROOT = findPackageRoot();
const CLI = join(ROOT, 'dist/collector/cli.js');
const IMAGE = 'local/llm-deploy-bench-busybox:1';
const LABEL = `llm-deploy-bench.bench=collector-${process.pid}`;
const SECONDS = Number(process.env['COLLECTOR_BENCH_SECONDS'] ?? 60);
const COUNTS = (process.env['COLLECTOR_BENCH_COUNTS'] ?? '3,30').split(',').map(Number);
const TICKS_PER_S = 100; // USER_HZ

const docker = (...args: string[]): Promise<string> => runChecked('docker', args);

const collector = (...args: string[]): Promise<string> => runChecked(process.execPath, [CLI, ...args]);

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** CPU ticks of the engine's processes (dockerd, containerd, shims), summed. */
function engineTicks(): number {
  let sum = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      if (comm === 'dockerd' || comm.startsWith('containerd')) sum += cpuTicks(Number(p));
    } catch {
      // exited while scanning
    }
  }
  return sum;
}

function cpusOnline(): number {
  return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const pct = (ticks: number, seconds: number): string => `${((ticks / TICKS_PER_S / seconds) * 100).toFixed(2)} %`;

async function startContainers(n: number, command: string[][], opts: string[][] = []): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `lbc-bench-${process.pid}-${names.length + 1}-${Date.now() % 100000}`;
    await docker('run', '-d', '--name', name, '--label', LABEL, ...(opts[i % Math.max(opts.length, 1)] ?? []), IMAGE, ...command[i % command.length]!);
    names.push(name);
  }
  return names;
}

async function removeContainers(): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${LABEL}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
}

function parseMiB(text: string): number {
  const m = /^([\d.]+)\s*([KMG]i?B|B)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2]!] ?? Number.NaN;
  return (Number(m[1]) * unit) / 1024 ** 2;
}

async function accuracy(dir: string): Promise<void> {
  console.log('\n## accuracy: docker stats --no-stream vs collector (cgroup files), same second');
  // steady loads: a busy loop under --cpus, plus anonymous memory held by the shell (counted) and
  // page cache from a file (not counted by docker stats)
  const hold = (mb: number, cpus: string): [string[], string[]] => [
    ['sh', '-c', `x=$(head -c ${mb}000000 /dev/zero | tr '\\0' a); dd if=/dev/zero of=/tmp/c bs=1M count=8 2>/dev/null; while :; do :; done`],
    ['--cpus', cpus],
  ];
  const specs = [hold(8, '0.1'), hold(16, '0.2'), hold(24, '0.3')];
  const names = await startContainers(3, specs.map((s) => s[0]), specs.map((s) => s[1]));
  const db = join(dir, 'acc.db');
  await collector('start', '--detach', '--label', 'accuracy', '--db', db, '--filter', `label=${LABEL}`, '--interval', '1s');
  await sleep(5000); // loads settle
  // The CLI's CPU % covers the daemon's last 1-s window; on a shared machine a 1-s window is noisy, so
  // both sides are averaged over the same span: 3 consecutive `--no-stream` calls vs our samples then.
  const cli = new Map<string, { cpu: number[]; mem: number }>();
  const from = Date.now();
  for (let i = 0; i < 3; i++) {
    for (const line of (await docker('stats', '--no-stream', '--format', '{{json .}}', ...names)).split('\n')) {
      const row = JSON.parse(line) as { Name: string; CPUPerc: string; MemUsage: string };
      const e = cli.get(row.Name) ?? { cpu: [], mem: 0 };
      e.cpu.push(Number(row.CPUPerc.replace('%', '')));
      e.mem = parseMiB(row.MemUsage.split('/')[0]!);
      cli.set(row.Name, e);
    }
  }
  const to = Date.now();
  await sleep(1500);
  await collector('stop', '--label', 'accuracy', '--db', db);
  const d = new Database(db, { readonly: true });
  console.log(`(${((to - from) / 1000).toFixed(1)} s span; CLI: mean of 3 calls; collector: mean of its samples in the span)`);
  const rows: string[][] = [];
  for (const [name, c] of cli) {
    const s = d
      .prepare(`SELECT avg(s.cpu_percent) AS cpu, (SELECT mem_used_bytes FROM samples WHERE replica_id = r.id AND error IS NULL
                  ORDER BY ts_ms DESC LIMIT 1) AS mem
                FROM samples s JOIN replicas r ON r.id = s.replica_id
                WHERE r.name = ? AND s.ts_ms BETWEEN ? AND ? AND s.error IS NULL`)
      .get(name, from, to) as { cpu: number; mem: number };
    const cliCpu = c.cpu.reduce((a, b) => a + b, 0) / c.cpu.length;
    const ourMem = s.mem / 1024 ** 2;
    rows.push([
      name, cliCpu.toFixed(2), s.cpu.toFixed(2), (s.cpu - cliCpu).toFixed(2),
      c.mem.toFixed(2), ourMem.toFixed(2), (((ourMem - c.mem) / c.mem) * 100).toFixed(2),
    ]);
  }
  console.log(formatTable(['container', 'CLI CPU %', 'collector CPU %', 'Δ points', 'CLI MiB', 'collector MiB', 'Δ %'], rows, { style: 'markdown' }));
  d.close();
  await removeContainers();
}

// A bare 1-s timer loop in its own node process, run beside the collector: the tick lateness this
// machine imposes on any sleeping process right now (the baseline for the collector's tick lag).
const PROBE = `const { performance } = require('node:perf_hooks'); const lags = []; const t0 = performance.now(); let k = 1;
const n = Number(process.argv[1]);
(function next() { const at = t0 + k * 1000; setTimeout(() => { lags.push(performance.now() - at); if (++k <= n) next();
  else { lags.sort((a, b) => a - b); console.log(lags[Math.ceil(0.99 * lags.length) - 1].toFixed(1)); } }, at - performance.now()); })();`;

async function timerProbe(seconds: number): Promise<string> {
  const r = await runCommand(process.execPath, ['-e', PROBE, String(seconds)]);
  return r.code === 0 ? `${r.stdout.trim()} ms` : '?';
}

interface CostRow {
  what: string;
  selfCpu: string;
  rss: string;
  engineCpu: string;
  missed: string;
  lagP99: string;
  probeP99?: string;
}

async function costOfCollector(n: number, source: string, dir: string): Promise<CostRow> {
  const db = join(dir, `cost-${n}-${source}.db`);
  const label = `cost-${n}-${source}`;
  const runId = Number(
    await collector('start', '--detach', '--label', label, '--db', db, '--filter', `label=${LABEL}`, '--interval', '1s', '--stats-source', source),
  );
  const pid = (new Database(db, { readonly: true }).prepare('SELECT collector_pid FROM runs WHERE id = ?').get(runId) as { collector_pid: number }).collector_pid;
  await sleep(2000); // streams and discovery settle
  const t0 = cpuTicks(pid);
  const e0 = engineTicks();
  const probe = timerProbe(SECONDS - 1);
  await sleep(SECONDS * 1000);
  const t1 = cpuTicks(pid);
  const e1 = engineTicks();
  const rss = rssMiB(pid);
  await collector('stop', '--label', label, '--db', db);
  const d = new Database(db, { readonly: true });
  const summary = JSON.parse((d.prepare(`SELECT detail FROM events WHERE run_id = ? AND kind = 'tick-summary'`).get(runId) as { detail: string }).detail) as { missedTicks: number; lagP99Ms: number; ticks: number };
  // The containers asked for are the service replicas; the engine's processes (dockerd, containerd, the
  // shims) are recorded beside them as platform rows and are part of what the collector's tick reads.
  const replicas = (d.prepare(`SELECT count(*) AS n FROM replicas WHERE run_id = ? AND role = 'service'`).get(runId) as { n: number }).n;
  d.close();
  if (replicas !== n) console.log(`  (warning: ${replicas} service replicas recorded, expected ${n})`);
  return {
    what: `collector, ${source}`,
    selfCpu: pct(t1 - t0, SECONDS),
    rss: `${rss.toFixed(1)} MiB`,
    engineCpu: pct(e1 - e0, SECONDS),
    missed: String(summary.missedTicks),
    lagP99: `${summary.lagP99Ms} ms`,
    probeP99: await probe,
  };
}

async function costOfDockerStats(names: string[]): Promise<CostRow> {
  const child = startProcess('docker', ['stats', '--format', '{{json .}}', ...names], { discardOutput: true });
  const pid = child.pid!;
  await sleep(2000);
  const t0 = cpuTicks(pid);
  const e0 = engineTicks();
  await sleep(SECONDS * 1000);
  const t1 = cpuTicks(pid);
  const e1 = engineTicks();
  const rss = rssMiB(pid);
  child.kill('SIGKILL'); // the CLI does not always exit on SIGTERM while streaming
  await child.exited;
  return { what: 'docker stats CLI (streaming)', selfCpu: pct(t1 - t0, SECONDS), rss: `${rss.toFixed(1)} MiB`, engineCpu: pct(e1 - e0, SECONDS), missed: '-', lagP99: '-' };
}

async function idleEngine(): Promise<CostRow> {
  const e0 = engineTicks();
  await sleep(SECONDS * 1000);
  return { what: 'nothing polling (engine idle)', selfCpu: '-', rss: '-', engineCpu: pct(engineTicks() - e0, SECONDS), missed: '-', lagP99: '-' };
}

async function cost(dir: string): Promise<void> {
  for (const n of COUNTS) {
    console.log(`\n## cost: ${n} idle containers, 1 s interval, ${SECONDS} s per row (% of one core)`);
    const names = await startContainers(n, [['sleep', '100000']]);
    const rows = [await idleEngine()];
    for (const source of ['cgroup-files', 'docker-api-stream']) rows.push(await costOfCollector(n, source, dir));
    rows.push(await costOfDockerStats(names));
    console.log(`(host load average after the rows: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${cpusOnline()} CPUs)`);
    console.log(formatTable(
      ['what', 'own CPU', 'own RSS', 'dockerd+containerd CPU', 'missed ticks', 'tick lag p99', 'bare timer p99'],
      rows.map((r) => [r.what, r.selfCpu, r.rss, r.engineCpu, r.missed, r.lagP99, r.probeP99 ?? '-']),
      { style: 'markdown' },
    ));
    await removeContainers();
  }
}

export async function run(): Promise<void> {
  await runChecked('bash', [join(ROOT, 'deploy/test-image-busybox.sh')]);
  const dir = mkdtempSync(join(tmpdir(), 'collector-bench-'));
  console.log(`collector bench: ${SECONDS} s per cost row, counts ${COUNTS.join(', ')} (COLLECTOR_BENCH_SECONDS, COLLECTOR_BENCH_COUNTS)`);
  try {
    await accuracy(dir);
    await cost(dir);
  } finally {
    await removeContainers();
    rmSync(dir, { recursive: true, force: true });
  }
}
