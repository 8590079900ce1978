// `npm run bench -- front-proxy`: what the HAProxy front (llm-inference-front, deploy/swarm/haproxy.cfg)
// adds per request, apart from the model and from Docker's networking. One trivial backend container
// (the stand-in replica of the front's test: it answers at once) on a user-defined bridge; the front (over
// the backend's network alias, found through Docker's DNS as in a swarm) and the load generator
// (front-proxy-load.ts) run in the backend's network namespace, so every hop is local delivery, as on
// loopback, and no published port (docker-proxy) is in the way. The load generator sends to the backend
// directly or through the front. Alternating rounds at 1 and 16 clients, keep-alive: p50/p99, req/s, the
// added p50 and the throughput ratio against direct, and the front's CPU per request (its cgroup counter).
import { totalmem } from 'node:os';
import { cgroupDirs, detectCgroupVersion, readCgroupCounters } from '../collector/cgroup.js';
import { findPackageRoot } from '../common/package-root.js';
import { median } from '../common/percentile.js';
import { formatTable } from '../common/text-table.js';
import { docker } from '../deploy/drivers/engine.js';
import { FRONT_PORT } from '../deploy/swarm/front.js';
import { FrontStand, STAND_IN_IMAGE, STAND_IN_PORT } from '../deploy/testing/front-stand.js';
import type { LoadOutput, LoadPlanArg } from './front-proxy-load.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_FRONT_SECONDS'] ?? 2);
const ROOT = findPackageRoot();

const mid = (xs: number[]): number => median(xs) ?? NaN;

/** Reads a container's cumulative CPU time (ns) from its cgroup. */
async function cpuCounter(container: string): Promise<() => number> {
  const [id, pid] = (await docker(['inspect', '-f', '{{.Id}} {{.State.Pid}}', container])).split(' ');
  const dirs = cgroupDirs(detectCgroupVersion(), id!, Number(pid));
  if (!dirs) throw new Error(`no cgroup found for container ${container}`);
  return () => readCgroupCounters(dirs, Number(pid), totalmem()).cpuTotalNs ?? NaN;
}

/** Runs front-proxy-load.js in the network namespace of container `sharing`, the project mounted read-only. */
async function loadFrom(sharing: string, plan: LoadPlanArg): Promise<LoadOutput> {
  const args = ['run', '--rm', '--network', `container:${sharing}`, '-v', `${ROOT}:/app:ro`, '-w', '/app', STAND_IN_IMAGE];
  const out = await docker([...args, 'node', 'dist/bench/front-proxy-load.js', JSON.stringify(plan)], { timeoutMs: 600_000 });
  return JSON.parse(out.split('\n').pop()!) as LoadOutput;
}

export async function run(): Promise<void> {
  const stand = new FrontStand(`llm-bench-front-${process.pid}`);
  try {
    await stand.create(ROOT);
    const backend = await stand.startReplica('backend');
    const front = await stand.startFront({ sharing: backend });
    const frontCpuNs = await cpuCounter(front);
    const targets = { direct: { host: '127.0.0.1', port: STAND_IN_PORT }, front: { host: '127.0.0.1', port: FRONT_PORT } };
    console.log(`HAProxy front vs direct, one trivial backend, one network namespace, ${ROUNDS} alternating rounds of ${SECONDS} s (medians)`);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const cpuBefore = frontCpuNs();
      const results = await loadFrom(backend, { targets, concurrency, rounds: ROUNDS, seconds: SECONDS });
      const cpuPerRequestUs = (frontCpuNs() - cpuBefore) / 1000 / results['front']!.served;
      const direct = results['direct']!;
      for (const [name, f] of Object.entries(results)) {
        const errors = Object.entries(f.errors).map(([kind, n]) => `${kind}=${n}`).join(' ') || '0';
        rows.push([
          String(concurrency), name, mid(f.p50).toFixed(3), mid(f.p99).toFixed(3), mid(f.rps).toFixed(0),
          (mid(f.p50) - mid(direct.p50)).toFixed(3), (mid(f.rps) / mid(direct.rps)).toFixed(2),
          name === 'front' ? cpuPerRequestUs.toFixed(0) : '', String(f.replicas.length), errors,
        ]);
      }
    }
    console.log(formatTable(['clients', 'path', 'p50 ms', 'p99 ms', 'req/s', '+p50 ms vs direct', 'req/s ratio', 'front CPU µs/req', 'replicas seen', 'errors'], rows));
  } finally {
    await stand.remove();
  }
}
