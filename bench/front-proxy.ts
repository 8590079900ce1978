// `npm run bench -- front-proxy`: what the HAProxy front (llm-inference-front, deploy/swarm/haproxy.cfg)
// adds per request, apart from the model and from Docker's networking, and where the CPU goes. One trivial
// backend container (the stand-in replica of the front's test: it answers at once) on a user-defined
// bridge; the fronts (over the backend's network alias, found through Docker's DNS as in a swarm) and the
// load generator (front-proxy-load.ts, one long-lived process) run in the backend's network namespace, so
// every hop is local delivery, as on loopback, and no published port (docker-proxy) is in the way.
//
// Side by side in one run, rounds alternating in a rotating order: direct to the backend, the front as
// shipped, and variants of its configuration (one HAProxy thread instead of one per core, no logging, both,
// and plain TCP forwarding as the floor of any proxy hop), each its own container on its own port.
// Per round, every container's CPU counter (its cgroup) is read before and after, so each path gets the CPU
// per request of the load generator, the backend and the front, and the machine's other load (what the
// rest of /proc/stat's busy time was) is shown beside it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { cgroupDirs, detectCgroupVersion, readCgroupCounters } from '../collector/cgroup.js';
import { errorText } from '../common/error-text.js';
import { findPackageRoot } from '../common/package-root.js';
import { median } from '../common/percentile.js';
import { pollUntil } from '../common/poll.js';
import { formatTable } from '../common/text-table.js';
import { docker } from '../deploy/drivers/engine.js';
import { FrontStand, STAND_IN_IMAGE, STAND_IN_PORT } from '../deploy/testing/front-stand.js';
import type { LoadRound, RoundAnswer, RoundFigures } from './front-proxy-load.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_FRONT_SECONDS'] ?? 2);
const ROOT = findPackageRoot();
const SHIPPED_CONFIG = readFileSync(join(ROOT, 'deploy/swarm/haproxy.cfg'), 'utf8');

/** A front to compare: the shipped configuration, or a variant of it (one change each). */
interface Variant {
  readonly name: string;
  /** The configuration text; undefined = the image's own. */
  readonly config?: string;
}

/** `config` with `from` replaced by `to`; throws when `from` is not in it (a variant that changed nothing would measure the shipped front). */
function edit(config: string, from: string | RegExp, to: string): string {
  const out = config.replace(from, to);
  if (out === config) throw new Error(`front bench: ${String(from)} is not in deploy/swarm/haproxy.cfg any more`);
  return out;
}

// HAProxy starts one thread per core by default: on 2 cores it competes with the backend and the load generator.
const ONE_THREAD = edit(SHIPPED_CONFIG, /^global\n/m, 'global\n    nbthread 1\n');
/** `config` without its log work (the log target and the HTTP log format). */
const noLog = (config: string): string => edit(edit(config, '    log global\n', ''), '    option httplog\n', '');

const VARIANTS: readonly Variant[] = [
  { name: 'front' },
  { name: 'nbthread 1', config: ONE_THREAD },
  // One thread and no log work at all (the shipped front formats a log line only for failed requests).
  { name: 'nbthread 1, no log', config: noLog(ONE_THREAD) },
  // No log work, threads as shipped: which of the two changes above matters.
  { name: 'no log', config: noLog(SHIPPED_CONFIG) },
  // No HTTP at all: bytes copied between two TCP connections, balanced per connection. Not usable as the
  // front (it would pin each keep-alive client to one replica); it is the floor of what a proxy hop costs.
  { name: 'tcp (L4 floor)', config: edit(edit(SHIPPED_CONFIG, '    mode http\n', '    mode tcp\n'), 'option httplog', 'option tcplog') },
];

const mid = (xs: number[]): number => median(xs) ?? NaN;

/** The lowest and highest of each round's req/s ÷ direct's req/s in the same round (the paths of a round run back to back). */
function roundRatios(rps: readonly number[], direct: readonly number[]): string {
  const ratios = rps.map((v, i) => v / direct[i]!);
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
}

/** A container's cumulative CPU time (ns) from its cgroup. */
async function cpuCounter(container: string): Promise<() => number> {
  const [id, pid] = (await docker(['inspect', '-f', '{{.Id}} {{.State.Pid}}', container])).split(' ');
  const dirs = cgroupDirs(detectCgroupVersion(), id!, Number(pid));
  if (!dirs) throw new Error(`no cgroup found for container ${container}`);
  return () => readCgroupCounters(dirs, Number(pid), totalmem()).cpuTotalNs ?? NaN;
}

/** The machine's busy and total CPU time so far, in cores × seconds (/proc/stat's first line). */
function machineCpu(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = fields.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3]! - ticks[4]!) / 100, total: total / 100 };
}

/** The load generator: one process in the backend's network namespace, rounds asked over stdin. */
class LoadContainer {
  private readonly answers: ((answer: RoundAnswer) => void)[] = [];
  private readonly child;

  /** `label` marks it for the stand's clean-up, should this process die before it ends. */
  constructor(readonly name: string, sharing: string, label: string) {
    const args = ['run', '-i', '--rm', '--name', name, '--label', label, '--network', `container:${sharing}`, '-v', `${ROOT}:/app:ro`, '-w', '/app', STAND_IN_IMAGE, 'node', 'dist/bench/front-proxy-load.js'];
    this.child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.answers.shift()?.(JSON.parse(line) as RoundAnswer));
  }

  round(plan: LoadRound): Promise<RoundFigures> {
    return new Promise((resolve, reject) => {
      this.answers.push((answer) => ('error' in answer ? reject(new Error(answer.error)) : resolve(answer)));
      this.child.stdin.write(`${JSON.stringify(plan)}\n`);
    });
  }

  /** Waits until the container runs (its cgroup exists): a first round against `port`. */
  async ready(port: number): Promise<void> {
    await pollUntil(
      async (note) => {
        const figures = await this.round({ host: '127.0.0.1', port, concurrency: 1, seconds: 0.2 }).catch((err: unknown) => note(errorText(err)));
        return figures && figures.ok > 0 ? true : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 200, what: `127.0.0.1:${port} to answer` },
    );
  }

  /**
   * Ends the load generator and waits (10 s at most) for its `docker run --rm` to return: the container
   * is then removed, so the stand's clean-up does not find it half-removed ("removal … already in
   * progress", which failed the bench after its figures).
   */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin.end();
    await Promise.race([exited, delay(10_000, undefined, { ref: false })]);
  }
}

interface PathFigures {
  readonly p50: number[];
  readonly p99: number[];
  readonly rps: number[];
  /** CPU µs per answered request, per round, by process. */
  readonly loadgenUs: number[];
  readonly backendUs: number[];
  readonly frontUs: number[];
  /** The rest of the machine's busy CPU during the round (other work on the host), in cores. */
  readonly otherCores: number[];
  readonly errors: Record<string, number>;
}

export async function run(): Promise<void> {
  const stand = new FrontStand(`llm-bench-front-${process.pid}`);
  const configDir = mkdtempSync(join(tmpdir(), 'llm-bench-front-'));
  let load: LoadContainer | undefined;
  try {
    await stand.create(ROOT);
    const backend = await stand.startReplica('backend');
    const paths: { name: string; port: number; container: string | undefined }[] = [{ name: 'direct', port: STAND_IN_PORT, container: undefined }];
    for (const [i, variant] of VARIANTS.entries()) {
      const port = 8081 + i;
      let config: string | undefined;
      if (variant.config !== undefined) {
        config = join(configDir, `haproxy-${i}.cfg`);
        writeFileSync(config, variant.config, { mode: 0o644 });
      }
      const env = { FRONT_BIND: `:${port}`, STATS_BIND: '/tmp/haproxy-stats.sock' };
      paths.push({ name: variant.name, port, container: await stand.startFront({ sharing: backend, name: `front-${i}`, env, config }) });
    }
    load = new LoadContainer(`llm-bench-front-${process.pid}-load`, backend, stand.label);
    for (const p of paths) await load.ready(p.port);
    const counters = {
      loadgen: await cpuCounter(load.name),
      backend: await cpuCounter(backend),
      fronts: new Map(await Promise.all(paths.filter((p) => p.container).map(async (p) => [p.name, await cpuCounter(p.container!)] as const))),
    };
    const cores = cpus().length;
    console.log(`HAProxy front vs direct, one trivial backend, one network namespace, ${ROUNDS} rounds of ${SECONDS} s in a rotating order (medians); ${cores} CPUs`);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const figures = new Map<string, PathFigures>(paths.map((p) => [p.name, { p50: [], p99: [], rps: [], loadgenUs: [], backendUs: [], frontUs: [], otherCores: [], errors: {} }]));
      for (const p of paths) await load.round({ host: '127.0.0.1', port: p.port, concurrency, seconds: 1 }); // warm-up
      for (let r = 0; r < ROUNDS; r++) {
        for (const p of [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)]) {
          const front = counters.fronts.get(p.name);
          const before = { l: counters.loadgen(), b: counters.backend(), f: front?.() ?? 0, m: machineCpu(), t: performance.now() };
          const f = await load.round({ host: '127.0.0.1', port: p.port, concurrency, seconds: SECONDS });
          const after = { l: counters.loadgen(), b: counters.backend(), f: front?.() ?? 0, m: machineCpu(), t: performance.now() };
          const perRequestUs = (ns: number): number => ns / 1000 / f.ok;
          const ours = (after.l - before.l + after.b - before.b + after.f - before.f) / 1e9;
          const fig = figures.get(p.name)!;
          fig.p50.push(f.p50);
          fig.p99.push(f.p99);
          fig.rps.push(f.rps);
          fig.loadgenUs.push(perRequestUs(after.l - before.l));
          fig.backendUs.push(perRequestUs(after.b - before.b));
          fig.frontUs.push(perRequestUs(after.f - before.f));
          fig.otherCores.push((after.m.busy - before.m.busy - ours) / ((after.t - before.t) / 1000));
          for (const [kind, n] of Object.entries(f.errors)) fig.errors[kind] = (fig.errors[kind] ?? 0) + n;
        }
      }
      const direct = figures.get('direct')!;
      const directSum = mid(direct.loadgenUs) + mid(direct.backendUs);
      for (const [name, f] of figures) {
        const sum = mid(f.loadgenUs) + mid(f.backendUs) + mid(f.frontUs);
        const errors = Object.entries(f.errors).map(([kind, n]) => `${kind}=${n}`).join(' ') || '0';
        rows.push([
          String(concurrency), name, mid(f.p50).toFixed(3), mid(f.p99).toFixed(3), mid(f.rps).toFixed(0),
          (mid(f.p50) - mid(direct.p50)).toFixed(3), (mid(f.rps) / mid(direct.rps)).toFixed(2), roundRatios(f.rps, direct.rps),
          mid(f.loadgenUs).toFixed(0), mid(f.backendUs).toFixed(0), name === 'direct' ? '' : mid(f.frontUs).toFixed(0),
          sum.toFixed(0), (directSum / sum).toFixed(2), mid(f.otherCores).toFixed(2), errors,
        ]);
      }
    }
    console.log(formatTable(
      ['clients', 'path', 'p50 ms', 'p99 ms', 'req/s', '+p50 ms vs direct', 'req/s ÷ direct', 'per round (min–max)', 'loadgen µs/req', 'backend µs/req', 'front µs/req', 'sum µs/req', 'direct sum ÷ sum', 'other load (cores)', 'errors'],
      rows,
    ));
    console.log('CPU per request from each container\'s cgroup over the round, divided by the round\'s answered requests. "direct sum ÷ sum": the throughput ratio to expect when the');
    console.log('cores are saturated by these processes (throughput ∝ 1 / CPU per request). "other load": the rest of the machine\'s busy time during the round (other work on this host).');
  } finally {
    await load?.close();
    await stand.remove();
  }
}
