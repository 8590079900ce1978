// The report's section on Swarm events: for each swarm-scale / swarm-failover run, what happened when
// (from the timeline), a per-second table around the event and its figure; and the lines the Swarm
// pros and cons take from these measurements.
import { SERVICE_HEALTHCHECK } from '../../contracts/deployments.js';
import { EVEN_SECONDS, SHARE_TOLERANCE_POINTS } from '../../contracts/swarm-events.js';
import type { Block } from '../document.js';
import { bytes, DASH, fixed, utc } from '../format.js';
import type { EventTimeline, LatencyWindow, ReplicaFacts } from './timeline.js';

export interface LabelledTimeline {
  readonly label: string;
  readonly timeline: EventTimeline;
  /** The figure's file stem under figures/. */
  readonly figure: string;
}

const h = SERVICE_HEALTHCHECK;
// Runs recorded before 2026-12-02 10:50 UTC ran the earlier check (`node -e` every 2 s, 3 s timeout, 3 retries).
const healthCheckText = `the service's check asks GET /health in the container every ${h.intervalS} s and gives up after ${h.timeoutS} s, ${h.retries} times in a row`;
const s = (v: number | undefined): string => (v === undefined ? DASH : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} s`);
const latencyText = (name: string, w: LatencyWindow): string =>
  `${name} ${w.requests} requests, p50 ${fixed(w.p50Ms)} ms, p99 ${fixed(w.p99Ms)} ms, max ${fixed(w.maxMs)} ms`;

/** What kind of failure a load generator error code is: no connection to the front, or an answer the front gave up on. */
export function failureKind(code: string): 'connection' | 'http 5xx' | 'timeout' | 'other' {
  if (/^E[A-Z]+$/.test(code)) return 'connection';
  if (/^http_5\d\d$/.test(code)) return 'http 5xx';
  if (code === 'timeout') return 'timeout';
  return 'other';
}

/**
 * Bytes per request: over the even seconds when there were some, else over the container's life (its
 * cumulative counter ÷ the service CSV rows it wrote), which also counts the front's health checks.
 */
function perRequest(r: ReplicaFacts): { rx: number; tx: number; over: string } | undefined {
  if (r.rxPerRequest !== undefined && r.txPerRequest !== undefined) return { rx: r.rxPerRequest, tx: r.txPerRequest, over: 'once the shares were even' };
  if (r.netRxTotal === undefined || r.netTxTotal === undefined || r.servedInRun === 0) return undefined;
  return { rx: r.netRxTotal / r.servedInRun, tx: r.netTxTotal / r.servedInRun, over: 'over its life' };
}

function netParagraph(t: EventTimeline): string | undefined {
  const first = t.replicas.find((r) => !r.isNew && r.netRxTotal !== undefined);
  const added = t.replicas.filter((r) => r.isNew && r.servedInRun > 0 && r.netRxTotal !== undefined);
  if (!first || added.length === 0) return undefined;
  const text = (r: ReplicaFacts): string => {
    const p = perRequest(r);
    return `${bytes(r.netRxTotal)} in / ${bytes(r.netTxTotal)} out after ${r.servedInRun} requests (${p ? `${bytes(p.rx)} in / ${bytes(p.tx)} out per request ${p.over}` : 'no per-request figure'})`;
  };
  const rates = [first, ...added].map((r) => perRequest(r)?.rx).filter((v) => v !== undefined);
  const alike = rates.length === added.length + 1 && Math.max(...rates) <= 1.25 * Math.min(...rates);
  const head = `NET I/O as \`docker stats\` shows it is a cumulative counter per container since it started. At the end the first replica ${first.replica} shows ${text(first)} (the warm-up and every request before the scale went to it alone); the new ones: ${added.map((r) => `${r.replica} ${text(r)}`).join('; ')}.`;
  return alike
    ? `${head} So the difference is history, not cost: per request every replica moved about the same bytes (within 25 %: the request and its JSON answer, plus the front's health check every second), and the first one's counter started earlier and saw more requests.`
    : `${head} Most of the difference is history (the first counter started earlier and saw more requests); per request the replicas differ by more than 25 % here, which a counter that also holds the front's health checks (a fixed amount per second) and few requests per new replica can explain.`;
}

function eventFacts(t: EventTimeline): string[] {
  const e = t.event;
  const out = [`${e.command} at ${utc(e.atMs)} (t = 0); the command returned after ${((e.returnedMs - e.atMs) / 1000).toFixed(2)} s`];
  if (e.kind === 'scale') {
    for (const r of t.replicas.filter((x) => x.isNew))
      out.push(`new replica ${r.replica} (slot ${r.slot ?? DASH}): container started ${s(r.startedSec)}, first answer ${s(r.firstAnswerSec)}`);
  } else {
    const k = t.replicas.find((r) => r.killed);
    if (k) out.push(`killed replica ${k.replica} (slot ${k.slot ?? DASH}): last answer ${s(k.lastAnswerSec)}`);
    const n = t.replicas.find((r) => r.isNew && !r.killed);
    out.push(n
      ? `Swarm replaced the task: ${n.replica} (slot ${n.slot ?? DASH}) started ${s(n.startedSec)} after the kill (Swarm's default restart delay is 5 s), first answer ${s(n.firstAnswerSec)}`
      : 'no replacement container started before the load ended');
  }
  // Containers that stopped after the event without being the one killed: Swarm replaced them itself,
  // e.g. after their health checks timed out on a starved machine (exit 0 or 143: stopped, not crashed).
  const stopped = e.containers.filter((c) => c.finishedAtMs !== null && c.finishedAtMs >= e.atMs && c.containerId !== e.killed?.containerId);
  if (stopped.length > 0)
    out.push(`Swarm also stopped ${stopped.length} other replica(s) during the phase: ${stopped.map((c) => `${c.hostname} at ${s((c.finishedAtMs! - e.atMs) / 1000)} (exit ${c.exitCode ?? DASH})`).join(', ')}; a stop Swarm decides is most often a failed health check (${healthCheckText})`);
  out.push(t.evenSec === undefined
    ? `the shares did not reach ${(100 / e.replicasAfter).toFixed(0)} ± ${SHARE_TOLERANCE_POINTS} % for ${EVEN_SECONDS} s in a row before the load ended${e.bounded ? ' (the bound stopped it)' : ''}`
    : `shares even (each replica ${(100 / e.replicasAfter).toFixed(0)} ± ${SHARE_TOLERANCE_POINTS} % of a second's answers, ${EVEN_SECONDS} s in a row) from ${s(t.evenSec)}`);
  out.push(failuresWithKinds(t.failures));
  out.push(`client latency: ${latencyText('before the event', t.latencyBefore)}; ${latencyText('from the event until the shares were even', t.latencyDuring)}; ${latencyText('after', t.latencyAfter)}`);
  return out;
}

/** Seconds from 3 before the event to EVEN_SECONDS after the shares were even (at most 40 rows). */
function secondsTable(t: EventTimeline): Block {
  const hosts = t.replicas.map((r) => r.replica);
  const last = t.evenSec === undefined ? Infinity : t.evenSec + EVEN_SECONDS;
  const rows = t.seconds.filter((x) => x.second >= -3 && x.second <= last).slice(0, 40).map((x) => {
    const res = (h: string): string => {
      const r = t.replicaSeconds.find((y) => y.replica === h && y.second === x.second);
      return r ? `${fixed(r.cpuPercent, 0)} % / ${bytes(r.netRxRate)}/s` : DASH;
    };
    const failed = Object.values(x.failed).reduce((a, b) => a + b, 0);
    return [String(x.second), ...hosts.map((h) => {
      const n = x.byReplica[h] ?? 0;
      return x.answered ? `${n} (${((100 * n) / x.answered).toFixed(0)} %)` : '0';
    }), String(failed), fixed(x.p50Ms), fixed(x.p99Ms), ...hosts.map(res)];
  });
  return {
    kind: 'table',
    header: ['s', ...hosts.map((h) => `${h} answers`), 'Failed', 'p50 ms', 'p99 ms', ...hosts.map((h) => `${h} CPU / net in`)],
    rows,
  };
}

export function eventSection(timelines: readonly LabelledTimeline[]): Block[] {
  if (timelines.length === 0) return [];
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Swarm events under load: a live scale and a killed replica' },
    { kind: 'paragraph', text: `Steady open-loop load; t = 0 is the command. A request counts in the second it was answered, per replica (X-Replica); its latency in the second it was due (open loop: from the intended send time). CPU in % of one core and network in bytes/s per replica from the collector's samples (the network rate is the growth of the cumulative counter). "Even": every replica within ${SHARE_TOLERANCE_POINTS} points of an equal share for ${EVEN_SECONDS} seconds in a row, the rule the experiment stops the load on.` },
  ];
  for (const { label, timeline: t, figure } of timelines) {
    blocks.push({ kind: 'heading', level: 3, text: `${label}: ${t.event.kind === 'scale' ? `scale ${t.event.replicasBefore} → ${t.event.replicasAfter} replicas` : `one of ${t.event.replicasBefore} replicas killed`} (${t.event.phase})` });
    blocks.push({ kind: 'list', items: eventFacts(t) });
    const net = t.event.kind === 'scale' ? netParagraph(t) : undefined;
    if (net) blocks.push({ kind: 'paragraph', text: net });
    blocks.push({ kind: 'figure', name: figure, title: `${label}: requests per replica, latency, CPU, memory and network per second around the event` });
    blocks.push(secondsTable(t));
  }
  return blocks;
}

/** What a failure code means at the client behind the front, in a few words (the issue's "kind"). */
const FAILURE_MEANING: Record<string, string> = {
  http_502: 'the replica broke off a request it had (in flight on the one that died)',
  http_503: 'the front had no replica in service (never reached one)',
  http_504: 'no answer from the replica in time',
  timeout: 'no answer in the load generator\'s time',
  ECONNRESET: 'the connection to the front was reset',
  ECONNREFUSED: 'nothing listened on the front\'s port',
};

/** "3 failed requests: http_502 3 (the replica broke off …)", or "0 failed requests". */
export function failuresWithKinds(f: Record<string, number>): string {
  const total = Object.values(f).reduce((a, b) => a + b, 0);
  if (total === 0) return '0 failed requests';
  const parts = Object.entries(f).sort(([, a], [, b]) => b - a).map(([code, n]) => `${code} ${n} (${failureKind(code)}${FAILURE_MEANING[code] ? `: ${FAILURE_MEANING[code]}` : ''})`);
  return `${total} failed request(s): ${parts.join(', ')}`;
}

const list = (xs: readonly string[]): string => (xs.length ? xs.join(' and ') : DASH);

/**
 * What the Swarm pros and cons take from the events, each figure from the timeline: for a scale, when the
 * new replicas started, served their first requests and when the shares reached 100/n ± 5 %; for a crash,
 * the failed requests by kind, when the replacement started and served, when the shares recovered, and
 * the latency disturbance. A pro when it went through without a failed request, else a con.
 */
export function eventProsCons(timelines: readonly LabelledTimeline[]): { pros: string[]; cons: string[] } {
  const pros: string[] = [];
  const cons: string[] = [];
  for (const { label, timeline: t } of timelines) {
    const failed = Object.values(t.failures).reduce((a, b) => a + b, 0);
    const share = `${(100 / t.event.replicasAfter).toFixed(0)} ± ${SHARE_TOLERANCE_POINTS} %`;
    const even = t.evenSec === undefined ? `the shares never stayed at ${share} for ${EVEN_SECONDS} s before the load ended` : `the shares were at ${share} from ${s(t.evenSec)}`;
    const p99 = `client p99 ${fixed(t.latencyDuring.p99Ms)} ms until then against ${fixed(t.latencyBefore.p99Ms)} ms before`;
    if (t.event.kind === 'scale') {
      const added = t.replicas.filter((r) => r.isNew);
      const started = added.map((r) => s(r.startedSec));
      const served = added.map((r) => s(r.firstAnswerSec));
      const line = `${label}: time to scale ${t.event.replicasBefore} → ${t.event.replicasAfter} under load: the new replicas' containers started ${list(started)} after the command, served their first requests ${list(served)}; ${even}; ${failuresWithKinds(t.failures)}; ${p99}`;
      (t.evenSec !== undefined && failed === 0 && added.every((r) => r.firstAnswerSec !== undefined) ? pros : cons).push(line);
    } else {
      const n = t.replicas.find((r) => r.isNew && !r.killed);
      const replaced = n ? `Swarm replaced it: the new container started ${s(n.startedSec)} after the kill and served from ${s(n.firstAnswerSec)}` : 'no replacement started before the load ended';
      const line = `${label}: a replica killed under load (\`${t.event.command}\`): ${failuresWithKinds(t.failures)}; ${replaced}; ${even}; ${p99}`;
      if (t.evenSec !== undefined) pros.push(`${label}: the service kept answering through a crash and recovered its replica count without anyone acting`);
      (failed === 0 ? pros : cons).push(line);
    }
  }
  return { pros, cons };
}
