// The per-second timeline around a Swarm event (a live scale, a killed replica) and the facts the report
// states about it. Pure: the event phase's client rows, the service rows per replica, the replicas'
// samples and the event as run.json recorded it in; seconds, per-replica rates and facts out.
// Seconds count from the event (0 = the second that began with the command): a request counts in the
// second it was answered (done_ms), its latency in the second it was due (intended_ms, open loop).
import { percentile } from '../../common/percentile.js';
import { firstEvenSecond, type SecondCounts, type SwarmEvent } from '../../contracts/swarm-events.js';

export interface EventClientRow {
  readonly intendedMs: number;
  readonly doneMs: number | null;
  readonly latencyMs: number | null;
  readonly ok: boolean;
  /** '' when ok; else the load generator's code: ECONNRESET, timeout, http_502 … */
  readonly error: string;
  /** The replica that answered (X-Replica), null when none did. */
  readonly replica: string | null;
}

/** One service CSV row: who wrote it and when (the whole run, warm-up included: what the NET counters saw). */
export interface EventServiceRow {
  readonly replica: string;
  readonly tsMs: number;
}

export interface EventSample {
  readonly replica: string;
  readonly tsMs: number;
  readonly cpuPercent: number | null;
  readonly memUsedBytes: number | null;
  /** Cumulative since the container started. */
  readonly netRxBytes: number | null;
  readonly netTxBytes: number | null;
}

export interface TimelineSecond {
  readonly second: number;
  /** Answered requests per replica in this second. */
  readonly byReplica: Record<string, number>;
  readonly answered: number;
  /** Requests due in this second that failed, by kind. */
  readonly failed: Record<string, number>;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

export interface ReplicaSecond {
  readonly replica: string;
  readonly second: number;
  readonly cpuPercent: number | undefined;
  readonly memUsedBytes: number | undefined;
  /** Bytes per second, from the growth of the cumulative counter over the second. */
  readonly netRxRate: number | undefined;
  readonly netTxRate: number | undefined;
}

export interface ReplicaFacts {
  readonly replica: string;
  readonly slot: number | null;
  /** Container start (docker inspect), relative to the event, s. */
  readonly startedSec: number | undefined;
  /** First and last answer it gave in the event phase, relative to the event, s. */
  readonly firstAnswerSec: number | undefined;
  readonly lastAnswerSec: number | undefined;
  /** Answers in the event phase. */
  readonly answered: number;
  /** Service CSV rows over the whole run (warm-up included). */
  readonly servedInRun: number;
  /** The last sample's cumulative counters (what `docker stats` shows as NET I/O). */
  readonly netRxTotal: number | undefined;
  readonly netTxTotal: number | undefined;
  /** Bytes per answered request over the even seconds (counter growth ÷ answers), undefined without them. */
  readonly rxPerRequest: number | undefined;
  readonly txPerRequest: number | undefined;
  /** Started after the event: a replica the scale added, or the one that replaced the killed one. */
  readonly isNew: boolean;
  readonly killed: boolean;
}

export interface LatencyWindow {
  readonly requests: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
}

export interface EventTimeline {
  readonly event: SwarmEvent;
  readonly seconds: TimelineSecond[];
  readonly replicaSeconds: ReplicaSecond[];
  readonly replicas: ReplicaFacts[];
  /** First second of EVEN_SECONDS even seconds in a row (the experiment's rule, on all the rows). */
  readonly evenSec: number | undefined;
  /** Failed requests in the event phase, by kind. */
  readonly failures: Record<string, number>;
  /** Before the event, from the event until the shares were even (or the end), and after. */
  readonly latencyBefore: LatencyWindow;
  readonly latencyDuring: LatencyWindow;
  readonly latencyAfter: LatencyWindow;
  /** failover: when the replacement's container started, relative to the kill, s. */
  readonly replacedSec: number | undefined;
}

const secondOf = (ms: number, atMs: number): number => Math.floor((ms - atMs) / 1000);
const sec = (ms: number | null | undefined, atMs: number): number | undefined => (ms === null || ms === undefined ? undefined : (ms - atMs) / 1000);

function latencyWindow(rows: readonly EventClientRow[]): LatencyWindow {
  const lat = rows.filter((r) => r.ok && r.latencyMs !== null).map((r) => r.latencyMs!);
  return { requests: rows.length, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), maxMs: lat.length ? Math.max(...lat) : undefined };
}

function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

/** Per replica and second: mean CPU and memory of the samples in it, network rate from consecutive samples. */
function replicaSeconds(samples: readonly EventSample[], atMs: number, from: number, to: number): ReplicaSecond[] {
  const out: ReplicaSecond[] = [];
  const byReplica = new Map<string, EventSample[]>();
  for (const s of samples) byReplica.set(s.replica, [...(byReplica.get(s.replica) ?? []), s]);
  for (const [replica, list] of byReplica) {
    list.sort((a, b) => a.tsMs - b.tsMs);
    const bins = new Map<number, { cpu: number[]; mem: number[]; rx: number; tx: number; dt: number }>();
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const second = secondOf(s.tsMs, atMs);
      if (second < from || second > to) continue;
      const bin = bins.get(second) ?? { cpu: [], mem: [], rx: 0, tx: 0, dt: 0 };
      if (s.cpuPercent !== null) bin.cpu.push(s.cpuPercent);
      if (s.memUsedBytes !== null) bin.mem.push(s.memUsedBytes);
      const prev = list[i - 1];
      if (prev && prev.netRxBytes !== null && s.netRxBytes !== null && prev.netTxBytes !== null && s.netTxBytes !== null && s.netRxBytes >= prev.netRxBytes) {
        bin.rx += s.netRxBytes - prev.netRxBytes;
        bin.tx += s.netTxBytes - prev.netTxBytes;
        bin.dt += (s.tsMs - prev.tsMs) / 1000;
      }
      bins.set(second, bin);
    }
    for (const [second, b] of [...bins.entries()].sort(([a], [c]) => a - c)) {
      const avg = (xs: number[]): number | undefined => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : undefined);
      out.push({ replica, second, cpuPercent: avg(b.cpu), memUsedBytes: avg(b.mem),
        netRxRate: b.dt > 0 ? b.rx / b.dt : undefined, netTxRate: b.dt > 0 ? b.tx / b.dt : undefined });
    }
  }
  return out;
}

/** Counter growth of one replica between two times, from the samples nearest inside them. */
function growth(samples: readonly EventSample[], replica: string, fromMs: number, toMs: number): { rx: number; tx: number } | undefined {
  const inside = samples.filter((s) => s.replica === replica && s.tsMs >= fromMs && s.tsMs <= toMs && s.netRxBytes !== null && s.netTxBytes !== null)
    .sort((a, b) => a.tsMs - b.tsMs);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || last === first) return undefined;
  return { rx: last.netRxBytes! - first.netRxBytes!, tx: last.netTxBytes! - first.netTxBytes! };
}

export function eventTimeline(event: SwarmEvent, client: readonly EventClientRow[], service: readonly EventServiceRow[], samples: readonly EventSample[]): EventTimeline {
  const at = event.atMs;
  const answered = client.filter((r) => r.ok && r.replica !== null && r.doneMs !== null);
  // Loops, not Math.min(...xs): a long phase at a high rate has more rows than a call takes arguments.
  let from = Infinity;
  let to = -Infinity;
  for (const r of client) {
    from = Math.min(from, secondOf(r.intendedMs, at));
    to = Math.max(to, secondOf(r.doneMs ?? r.intendedMs, at), secondOf(r.intendedMs, at));
  }
  if (!Number.isFinite(from)) [from, to] = [0, 0];

  const counts: SecondCounts[] = [];
  const seconds: TimelineSecond[] = [];
  for (let s = from; s <= to; s++) {
    const done = answered.filter((r) => secondOf(r.doneMs!, at) === s);
    const dueHere = client.filter((r) => secondOf(r.intendedMs, at) === s);
    const byReplica = countBy(done, (r) => r.replica!);
    counts.push({ second: s, byReplica: new Map(Object.entries(byReplica)) });
    const lat = dueHere.filter((r) => r.ok && r.latencyMs !== null).map((r) => r.latencyMs!);
    seconds.push({ second: s, byReplica, answered: done.length, failed: countBy(dueHere.filter((r) => !r.ok), (r) => r.error || 'unknown'),
      p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) });
  }
  // The last second is usually cut short by the end of the load: not a whole second of shares.
  const killed = new Set(event.killed ? [event.killed.hostname] : []);
  const evenSec = firstEvenSecond(counts.slice(0, -1), event.replicasAfter, killed);
  const evenMs = evenSec === undefined ? undefined : at + evenSec * 1000;

  const containers = new Map(event.containers.map((c) => [c.hostname, c]));
  const hosts = [...new Set([...event.containers.map((c) => c.hostname), ...answered.map((r) => r.replica!)])];
  const servedInRun = countBy(service, (r) => r.replica);
  const replicas: ReplicaFacts[] = hosts.map((replica) => {
    const c = containers.get(replica);
    const mine = answered.filter((r) => r.replica === replica).map((r) => r.doneMs!).sort((a, b) => a - b);
    const last = samples.filter((s) => s.replica === replica && s.netRxBytes !== null).sort((a, b) => a.tsMs - b.tsMs).at(-1);
    const window = evenMs === undefined ? undefined : growth(samples, replica, evenMs, Infinity);
    const windowAnswers = evenMs === undefined || !window ? 0
      : (() => {
        // The answers between the first and the last sample the growth was taken over.
        const ts = samples.filter((s) => s.replica === replica && s.tsMs >= evenMs && s.netRxBytes !== null).map((s) => s.tsMs).sort((a, b) => a - b);
        return mine.filter((t) => t > ts[0]! && t <= ts.at(-1)!).length;
      })();
    return {
      replica, slot: c?.slot ?? null, startedSec: sec(c?.startedAtMs, at),
      firstAnswerSec: sec(mine[0], at), lastAnswerSec: sec(mine.at(-1), at),
      answered: mine.length, servedInRun: servedInRun[replica] ?? 0, netRxTotal: last?.netRxBytes ?? undefined, netTxTotal: last?.netTxBytes ?? undefined,
      rxPerRequest: window && windowAnswers > 0 ? window.rx / windowAnswers : undefined,
      txPerRequest: window && windowAnswers > 0 ? window.tx / windowAnswers : undefined,
      isNew: c?.startedAtMs !== null && c?.startedAtMs !== undefined && c.startedAtMs >= at, killed: killed.has(replica),
    };
  }).sort((a, b) => (a.startedSec ?? -Infinity) - (b.startedSec ?? -Infinity) || a.replica.localeCompare(b.replica));

  const failed = client.filter((r) => !r.ok);
  const endDuring = evenMs ?? Infinity;
  const replacement = event.kind === 'failover' ? replicas.find((r) => r.isNew && !r.killed) : undefined;
  return {
    event, seconds, replicaSeconds: replicaSeconds(samples, at, from, to), replicas, evenSec,
    failures: countBy(failed, (r) => r.error || 'unknown'),
    latencyBefore: latencyWindow(client.filter((r) => r.intendedMs < at)),
    latencyDuring: latencyWindow(client.filter((r) => r.intendedMs >= at && r.intendedMs < endDuring)),
    latencyAfter: latencyWindow(client.filter((r) => r.intendedMs >= endDuring)),
    replacedSec: replacement?.startedSec,
  };
}
