// Where a request's time goes in the service, outside the model: the rungs of service-parts-server.ts
// (each adds one part of the real request path, with an instant stand-in model) run as child
// processes, each driven at concurrency 1 by the bench's lean client. Per rung: the p50 latency and
// the server's CPU per request (all its threads, from /proc/<pid>/task/*/schedstat). Rungs are
// measured in alternating rounds; latency percentiles are over the calls of all rounds, CPU is the
// median over rounds. The step between two rungs is what the part costs.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, percentileSorted, sortedCopy } from '../common/percentile.js';
import { startProcess, type RunningProcess } from '../common/start-process.js';
import { formatTable } from '../common/text-table.js';
import { KeepAliveConnection, inferRequest } from './service-client.js';
import { MODEL_STACKS, STACKS, type Stack } from './service-parts-server.js';

const SECONDS = Number(process.env['BENCH_PARTS_SECONDS'] ?? 1);
const WARMUP_SECONDS = 0.5;

/** CPU time of every thread of a process so far, in ms. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns / 1e6;
}

interface Rung {
  readonly stack: Stack;
  readonly child: RunningProcess;
  readonly port: number;
  readonly latencies: number[];
  readonly cpuPerRequest: number[];
}

async function startRung(stack: Stack, dir: string): Promise<Rung> {
  const server = path.join(path.dirname(new URL(import.meta.url).pathname), 'service-parts-server.js');
  const child = startProcess(process.execPath, [server, stack, dir], { inheritStderr: true, stopGraceMs: 2000 });
  try {
    const port = Number((await child.waitForOutput(/^(\d+)\n/m, 60_000))[1]);
    return { stack, child, port, latencies: [], cpuPerRequest: [] };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** One closed-loop c1 run against a rung: latencies recorded, CPU per request appended. */
async function c1Round(rung: Rung, texts: readonly string[]): Promise<void> {
  const requests = texts.map((text) => inferRequest(rung.port, JSON.stringify({ text })));
  const connection = await KeepAliveConnection.open(rung.port);
  let next = 0;
  const loop = async (seconds: number, into: number[] | undefined): Promise<number> => {
    let done = 0;
    for (const end = performance.now() + seconds * 1000; performance.now() < end; done++) {
      const t0 = performance.now();
      const status = await connection.send(requests[next++ % requests.length]!);
      if (status !== 200) throw new Error(`${rung.stack} answered ${status}`);
      into?.push(performance.now() - t0);
    }
    return done;
  };
  try {
    await loop(WARMUP_SECONDS, undefined);
    const cpu0 = cpuMs(rung.child.pid!);
    const done = await loop(SECONDS, rung.latencies);
    rung.cpuPerRequest.push((cpuMs(rung.child.pid!) - cpu0) / done);
  } finally {
    connection.close();
  }
}

const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;

/** p50 and CPU per request of each rung, with the step from the rung before (`from` names it). */
function rows(rungs: readonly Rung[], first: 'floor' | number): string[][] {
  let before: { p50: number; cpu: number } | undefined = typeof first === 'number' ? { p50: first, cpu: NaN } : undefined;
  return rungs.map((rung) => {
    const p50 = percentileSorted(sortedCopy(rung.latencies), 50)!;
    const cpu = median(rung.cpuPerRequest)!;
    const step = before === undefined ? ['', ''] : [us(p50 - before.p50), Number.isNaN(before.cpu) ? '' : us(cpu - before.cpu)];
    before = { p50, cpu };
    return [rung.stack, us(p50), step[0]!, us(cpu), step[1]!];
  });
}

/**
 * Runs the ladder and the two real-model rungs for `rounds` alternating rounds and prints what each
 * part costs. `rawP50` (ms, the model's own one-text call) is what the first real-model rung is
 * compared with.
 */
export async function runParts(texts: readonly string[], rounds: number, rawP50: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-service-parts-'));
  const rungs: Rung[] = [];
  try {
    for (const stack of [...STACKS, ...MODEL_STACKS]) rungs.push(await startRung(stack, dir));
    for (let round = 0; round < rounds; round++) for (const rung of rungs) await c1Round(rung, texts);
  } finally {
    await Promise.all(rungs.map((r) => r.child.stop()));
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `\nwhere a request's time goes at c1: ${rounds} alternating rounds of ${SECONDS} s per rung, load avg ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const header = ['rung', 'p50', 'step', 'server CPU/req', 'step'];
  console.log('without the model (an instant stand-in; each rung adds one part):');
  console.log(formatTable(header, rows(rungs.slice(0, STACKS.length), 'floor')));
  console.log(`with the real model (first step: over the raw one-text p50 ${us(rawP50)}):`);
  console.log(formatTable(header, rows(rungs.slice(STACKS.length), rawP50)));
}
