// The event phase of swarm-scale and swarm-failover: steady open-loop load; after a settled period the
// event (`docker service scale <service>=3`, or `docker kill` of one replica's container); the load stays
// on until the shares are even again (contracts/swarm-events.ts firstEvenSecond, read live from client.csv
// as the load generator writes it) plus a short hold, or until the bound. `docker service ps` before and
// after go into the run folder; the event's times and the service's containers go into run.json.
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from '../common/error-text.js';
import { CLIENT_CSV_COLUMNS } from '../contracts/client-csv.js';
import type { EventDeploymentName } from '../contracts/deployments.js';
import {
  EVENT_BOUND_MS, EVENT_HOLD_MS, EVENT_PLANS, firstEvenSecond, type SecondCounts, type SwarmEventInput,
} from '../contracts/swarm-events.js';
import type { Deployment, RunContext, SwarmEventActions } from '../deploy/deployment.js';
import { Interrupted } from './deployment-resource.js';

const POLL_MS = 500;
const PHASE_COL = CLIENT_CSV_COLUMNS.indexOf('phase');
const DONE_COL = CLIENT_CSV_COLUMNS.indexOf('done_ms');
const ERROR_COL = CLIENT_CSV_COLUMNS.indexOf('error');
const REPLICA_COL = CLIENT_CSV_COLUMNS.indexOf('replica');

/**
 * Answered requests per replica per whole second since `eventMs`, built from client rows as they come
 * (pure apart from what it is fed; unit-tested). Seconds before the event are kept as negative ones.
 */
export class ShareTally {
  private readonly seconds = new Map<number, Map<string, number>>();
  constructor(private readonly eventMs: number) {}

  add(doneMs: number, replica: string): void {
    const second = Math.floor((doneMs - this.eventMs) / 1000);
    const byReplica = this.seconds.get(second) ?? new Map<string, number>();
    byReplica.set(replica, (byReplica.get(replica) ?? 0) + 1);
    this.seconds.set(second, byReplica);
  }

  /** Whole seconds that ended before `nowMs` (less one, for rows still being written), in order. */
  complete(nowMs: number): SecondCounts[] {
    const last = Math.floor((nowMs - this.eventMs) / 1000) - 2;
    return [...this.seconds.entries()].filter(([s]) => s <= last).sort(([a], [b]) => a - b).map(([second, byReplica]) => ({ second, byReplica }));
  }
}

/** The rows of one phase that client.csv gained since the last read: (done_ms, replica) of the answered ones. */
export class ClientCsvTail {
  private offset = 0;
  private rest = '';
  constructor(private readonly file: string, private readonly phase: string) {}

  read(): Array<{ doneMs: number; replica: string }> {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return []; // not written yet
    }
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.alloc(1 << 16);
      for (let n = readSync(fd, buf, 0, buf.length, this.offset); n > 0; n = readSync(fd, buf, 0, buf.length, this.offset)) {
        chunks.push(Buffer.from(buf.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    const text = this.rest + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: Array<{ doneMs: number; replica: string }> = [];
    for (const line of lines) {
      // The generator's rows quote no cell of these columns (label, phase, ids, numbers, error codes, host
      // names carry no comma), so a split finds them; a row that does not fit is not counted.
      const cells = line.split(',');
      if (cells[PHASE_COL] !== this.phase || cells[ERROR_COL] !== '') continue;
      const doneMs = Number(cells[DONE_COL]);
      const replica = cells[REPLICA_COL]?.trim() ?? '';
      if (Number.isFinite(doneMs) && replica !== '') out.push({ doneMs, replica });
    }
    return out;
  }
}

/** What the event phase needs of the run it belongs to. */
export interface EventRun {
  readonly dir: string;
  /** client.csv the phase's generator appends to. */
  readonly csv: string;
  /** Rewrites run.json with the event so far (it is written before the load ends, so a crash keeps it). */
  record(event: SwarmEventInput): void;
}

export interface EventTimes {
  /** Load on, before the event. */
  readonly settleMs: number;
  readonly boundMs: number;
  readonly holdMs: number;
  readonly pollMs: number;
}

export const DEFAULT_EVENT_TIMES: Omit<EventTimes, 'settleMs'> = { boundMs: EVENT_BOUND_MS, holdMs: EVENT_HOLD_MS, pollMs: POLL_MS };

/** The longest an event phase's load can last: the settled period, the bound and the hold. */
export function eventPhaseMaxMs(t: Pick<EventTimes, 'settleMs' | 'boundMs' | 'holdMs'>): number {
  return t.settleMs + t.boundMs + t.holdMs + 2000;
}

async function saveServicePs(actions: SwarmEventActions, dir: string, file: string, ctx: RunContext): Promise<string | null> {
  try {
    writeFileSync(join(dir, file), `${await actions.servicePs()}\n`);
    return file;
  } catch (err) {
    ctx.log(`docker service ps: ${errorText(err)}`);
    return null;
  }
}

/**
 * Drives one event while `load` (the event phase's generator, already started, ending when `finish`
 * fires) runs: waits the settled period, runs the event, watches the shares, then finishes the load.
 */
export async function driveEvent(
  name: EventDeploymentName,
  phase: string,
  deployment: Pick<Deployment, 'events'>,
  run: EventRun,
  times: EventTimes,
  ctx: RunContext,
  load: Promise<unknown>,
  finish: AbortController,
  signal: AbortSignal | undefined,
): Promise<void> {
  const plan = EVENT_PLANS[name];
  const actions = deployment.events;
  if (!actions) throw new Error(`${name}: this deployment cannot run Swarm events`);
  let loadEnded = false;
  void load.then(() => (loadEnded = true), () => (loadEnded = true));
  const wait = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (Date.now() < until && !loadEnded) {
      if (signal?.aborted) throw new Interrupted();
      await sleep(Math.min(times.pollMs, until - Date.now()));
    }
  };
  try {
    const before = await saveServicePs(actions, run.dir, 'service-ps-before.txt', ctx);
    // The settled period counts from the phase's first answer: the generator's process takes a moment to start.
    const tail = new ClientCsvTail(run.csv, phase);
    const startedBy = Date.now() + times.boundMs;
    while (tail.read().length === 0 && !loadEnded && Date.now() < startedBy) await wait(times.pollMs);
    await wait(times.settleMs);
    if (loadEnded) throw new Error(`the load of phase ${phase} ended before the event`);
    const atMs = Date.now();
    let command: string;
    let killed = null;
    if (plan.kind === 'scale') {
      command = await actions.scale(plan.replicasAfter);
    } else {
      const k = await actions.killOne();
      command = k.command;
      killed = k.killed;
    }
    const returnedMs = Date.now();
    ctx.log(`event: ${command} (${returnedMs - atMs} ms)`);
    const event: SwarmEventInput = {
      kind: plan.kind, command, atMs, returnedMs, replicasBefore: plan.replicasBefore, replicasAfter: plan.replicasAfter,
      phase, killed, evenAtMs: null, bounded: false, containers: [], servicePs: { before, after: null },
    };
    run.record(event);

    const tally = new ShareTally(atMs);
    const excluded = new Set(killed ? [killed.hostname] : []);
    let even: number | undefined;
    while (even === undefined && Date.now() - atMs < times.boundMs && !loadEnded) {
      await wait(times.pollMs);
      for (const r of tail.read()) tally.add(r.doneMs, r.replica);
      even = firstEvenSecond(tally.complete(Date.now()), plan.replicasAfter, excluded);
    }
    if (even !== undefined) {
      event.evenAtMs = atMs + even * 1000;
      ctx.log(`event: shares even from ${(even).toFixed(0)} s after the event; load kept ${times.holdMs / 1000} s more`);
      await wait(times.holdMs);
    } else {
      event.bounded = true;
      ctx.log(`event: shares not even within ${times.boundMs / 1000} s of the event; ending the load`);
    }
    event.servicePs = { before, after: await saveServicePs(actions, run.dir, 'service-ps-after.txt', ctx) };
    event.containers = await actions.containers().catch((err: unknown) => {
      ctx.log(`docker inspect: ${errorText(err)}`);
      return [];
    });
    run.record(event);
  } finally {
    finish.abort();
  }
}
