// The event phases' logic without Docker: the "shares are even" rule, the live tally from client.csv,
// the phases an event deployment runs, `docker inspect` parsing, and the report's timeline and text on
// fixture data (a scale from 1 to 3 replicas, a killed replica replaced by Swarm).
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_CSV_HEADER_LINE } from '../../contracts/client-csv.js';
import { EVENT_BOUND_MS, firstEvenSecond, sharesEven, SwarmEventSchema, type SwarmEvent } from '../../contracts/swarm-events.js';
import { UsageError } from '../../contracts/usage-error.js';
import { dockerTimeMs, parseContainerLine } from '../../deploy/drivers/swarm-events.js';
import { formatClientRow } from '../../load/rows.js';
import { eventProsCons, eventSection, failureKind } from '../../reporter/events/document.js';
import { eventTimeline, type EventClientRow, type EventSample } from '../../reporter/events/timeline.js';
import { eventSpec } from '../../reporter/plots/event-specs.js';
import { parseDeployments, parseExperimentArgs } from '../options.js';
import { planPhases } from '../phases.js';
import { ClientCsvTail, ShareTally } from '../swarm-event.js';

const seconds = (...rows: Array<Record<string, number>>): Array<{ second: number; byReplica: Map<string, number> }> =>
  rows.map((r, i) => ({ second: i, byReplica: new Map(Object.entries(r)) }));

describe('the "shares are even" rule', () => {
  it('wants exactly n replicas, each within 5 points of 100/n', () => {
    assert.equal(sharesEven([33, 33, 34], 3), true);
    assert.equal(sharesEven([38, 31, 31], 3), true);
    assert.equal(sharesEven([40, 30, 30], 3), false);
    assert.equal(sharesEven([50, 50], 3), false, 'two replicas of three');
    assert.equal(sharesEven([100], 1), true);
  });

  it('finds the first of three even seconds in a row, never one with an excluded (killed) replica', () => {
    const s = seconds({ a: 50 }, { a: 30, b: 10, c: 10 }, { a: 17, b: 17, c: 16 }, { a: 16, b: 17, c: 17 }, { a: 17, b: 16, c: 17 }, { a: 17, b: 17, c: 16 });
    assert.equal(firstEvenSecond(s, 3), 2);
    assert.equal(firstEvenSecond(s.slice(0, 4), 3), undefined, 'two even seconds are not enough');
    const killed = seconds({ a: 17, b: 17, k: 16 }, { a: 17, b: 17, k: 16 }, { a: 17, b: 17, k: 16 }, { a: 17, b: 17, n: 16 }, { a: 17, b: 16, n: 17 }, { a: 16, b: 17, n: 17 });
    assert.equal(firstEvenSecond(killed, 3, new Set(['k'])), 3);
    assert.equal(firstEvenSecond(killed, 3), 0);
  });

  it('does not bridge a gap: the seconds must follow each other', () => {
    const even = { a: 17, b: 17, c: 16 };
    const gap = [{ second: 0, byReplica: new Map(Object.entries(even)) }, { second: 1, byReplica: new Map(Object.entries(even)) },
      { second: 5, byReplica: new Map(Object.entries(even)) }];
    assert.equal(firstEvenSecond(gap, 3), undefined);
  });
});

describe('the live tally from client.csv', () => {
  it('reads only the new complete rows of the event phase that were answered, and bins them by second from the event', () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-tail-'));
    const csv = join(dir, 'client.csv');
    const row = (phase: string, seq: number, doneMs: number, replica: string | null, error = '') => formatClientRow({
      label: 'swarm-scale', phase, seq, requestId: `id-${seq}`, intendedMs: doneMs - 5, sentMs: doneMs - 5, doneMs, latencyMs: 5,
      status: error ? 502 : 200, error, serverLatencyMs: error ? null : 1, replica, prediction: error ? null : 'POSITIVE', bytesSent: 240, bytesReceived: error ? 120 : 231,
    });
    const tail = new ClientCsvTail(csv, 'scale-rate50');
    assert.deepEqual(tail.read(), [], 'no file yet');
    writeFileSync(csv, CLIENT_CSV_HEADER_LINE + row('warmup', 1, 900, 'a') + row('scale-rate50', 1, 1000, 'a'));
    // A row cut in the middle (the writer's batch not complete yet) waits for its end.
    const cut = row('scale-rate50', 2, 1500, 'b');
    appendFileSync(csv, cut.slice(0, 20));
    assert.deepEqual(tail.read(), [{ doneMs: 1000, replica: 'a' }]);
    appendFileSync(csv, cut.slice(20) + row('scale-rate50', 3, 2100, null, 'http_502') + row('scale-rate50', 4, 2200, 'c'));
    const rows = tail.read();
    assert.deepEqual(rows, [{ doneMs: 1500, replica: 'b' }, { doneMs: 2200, replica: 'c' }]);
    const tally = new ShareTally(1000);
    for (const r of [{ doneMs: 1000, replica: 'a' }, ...rows]) tally.add(r.doneMs, r.replica);
    assert.deepEqual(tally.complete(5000).map((s) => [s.second, Object.fromEntries(s.byReplica)]), [[0, { a: 1, b: 1 }], [1, { c: 1 }]]);
    assert.deepEqual(tally.complete(3500).map((s) => s.second), [0], 'the last second may still be written');
  });
});

describe('event deployments in the experiment', () => {
  it('are accepted by --deployments but not in the default list, and unknown names still name every known one', () => {
    assert.deepEqual(parseDeployments('swarm-scale,swarm-failover'), ['swarm-scale', 'swarm-failover']);
    assert.ok(!parseExperimentArgs([]).deployments.some((d) => d.startsWith('swarm-') && !/^swarm-[13]$/.test(d)));
    assert.throws(() => parseDeployments('swarm-crash'), (e: unknown) => e instanceof UsageError && /swarm-scale, swarm-failover/.test(e.message));
  });

  it('run the warm-up and one open-loop event phase at --rate (default 50 req/s), long enough for the settled period and the bound', () => {
    const o = parseExperimentArgs(['--deployments', 'swarm-scale', '--duration', '4s']);
    const phases = planPhases(o, 'swarm-scale');
    assert.deepEqual(phases.map((p) => [p.name, p.measured, p.event]), [['warmup', false, undefined], ['scale-rate50', true, 'swarm-scale']]);
    assert.ok(phases[1]!.durationMs! >= 4000 + EVENT_BOUND_MS);
    const failover = planPhases(parseExperimentArgs(['--rate', '20']), 'swarm-failover');
    assert.equal(failover.at(-1)!.name, 'failover-rate20');
    assert.deepEqual(planPhases(o, 'swarm-3').map((p) => p.event), [undefined, undefined, undefined], 'steady deployments are unchanged');
  });
});

describe('docker inspect of the service containers', () => {
  it('parses times with nanoseconds, the zero time, the slot from the task name, and running vs exited', () => {
    assert.equal(dockerTimeMs('2026-12-02T07:50:00.123456789Z'), Date.UTC(2026, 11, 2, 7, 50, 0, 123));
    assert.equal(dockerTimeMs('0001-01-01T00:00:00Z'), null);
    const running = parseContainerLine('abc123|abc123def456|llm-inference-service.2.x1y2z3|running|2026-12-02T07:50:00.5Z|0001-01-01T00:00:00Z|0');
    assert.deepEqual(running, { containerId: 'abc123', hostname: 'abc123def456', slot: 2, state: 'running', startedAtMs: Date.UTC(2026, 11, 2, 7, 50, 0, 500), finishedAtMs: null, exitCode: null });
    const killed = parseContainerLine('k|kkkk|llm-inference-service.1.q|exited|2026-12-02T07:50:00Z|2026-12-02T07:51:00.25Z|137');
    assert.equal(killed?.exitCode, 137);
    assert.equal(killed?.finishedAtMs, Date.UTC(2026, 11, 2, 7, 51, 0, 250));
    assert.equal(parseContainerLine(''), undefined);
  });
});

// ---- the report's timeline on fixture data ----

const AT = 1_800_000_000_000;
/** Open-loop rows at `rate` from `fromS` to `toS` seconds around the event, answered by `who(i, t)` (null: failed with `error`). */
function clientRows(rate: number, fromS: number, toS: number, who: (i: number, t: number) => string | null, error = 'http_502', latency = (_t: number) => 4): EventClientRow[] {
  const out: EventClientRow[] = [];
  for (let i = 0; fromS + i / rate < toS; i++) {
    const t = fromS + i / rate;
    const intendedMs = AT + t * 1000;
    const replica = who(i, t);
    const lat = latency(t);
    out.push({ intendedMs, doneMs: intendedMs + lat, latencyMs: lat, ok: replica !== null, error: replica === null ? error : '', replica });
  }
  return out;
}
/** One sample a second per replica from `startS`; the network counter grows by `perReq` bytes per answered request. */
function samplesFor(replica: string, startS: number, endS: number, rows: readonly EventClientRow[], base = 0, perReq = 600): EventSample[] {
  const out: EventSample[] = [];
  for (let t = Math.ceil(startS); t <= endS; t++) {
    const served = rows.filter((r) => r.replica === replica && r.doneMs! <= AT + t * 1000).length;
    out.push({ replica, tsMs: AT + t * 1000, cpuPercent: 10, memUsedBytes: 150 * 2 ** 20, netRxBytes: base + served * perReq, netTxBytes: base / 2 + served * 300 });
  }
  return out;
}
const container = (hostname: string, slot: number, startedS: number, finishedS: number | null = null) => ({
  containerId: `${hostname}-full`, hostname, slot, state: finishedS === null ? 'running' : 'exited', startedAtMs: AT + startedS * 1000,
  finishedAtMs: finishedS === null ? null : AT + finishedS * 1000, exitCode: finishedS === null ? null : 137,
});
const event = (over: Partial<SwarmEvent>): SwarmEvent => SwarmEventSchema.parse({
  kind: 'scale', command: 'docker service scale llm-inference-service=3', atMs: AT, returnedMs: AT + 300, replicasBefore: 1, replicasAfter: 3,
  phase: 'scale-rate50', evenAtMs: null, bounded: false, servicePs: { before: 'service-ps-before.txt', after: 'service-ps-after.txt' }, ...over,
});

describe('the timeline around a scale from 1 to 3 replicas', () => {
  // a alone until 8 s after the command; b from 8 s, c from 9 s; round robin over who is in.
  const rows = clientRows(50, -5, 20, (i, t) => {
    const inn = t < 8 ? ['a'] : t < 9 ? ['a', 'b'] : ['a', 'b', 'c'];
    return inn[i % inn.length]!;
  });
  const samples = [...samplesFor('a', -30, 20, rows, 5_000_000), ...samplesFor('b', 6, 20, rows), ...samplesFor('c', 7, 20, rows)];
  const service = [...Array.from({ length: 800 }, () => ({ replica: 'a', tsMs: AT - 20_000 })), ...rows.map((r) => ({ replica: r.replica!, tsMs: r.doneMs! }))];
  const ev = event({ containers: [container('a', 1, -60), container('b', 2, 5.5), container('c', 3, 6.2)] });
  const t = eventTimeline(ev, rows, service, samples);

  it('counts answers per replica per second and finds when the shares were even', () => {
    assert.deepEqual(t.seconds.find((s) => s.second === 2)!.byReplica, { a: 50 });
    const at10 = t.seconds.find((s) => s.second === 10)!;
    assert.equal(at10.answered, 50);
    assert.ok(Object.values(at10.byReplica).every((n) => n >= 16 && n <= 17));
    assert.equal(t.evenSec, 9);
    assert.deepEqual(t.failures, {});
  });

  it('states when each new replica started and first answered', () => {
    const b = t.replicas.find((r) => r.replica === 'b')!;
    assert.equal(b.isNew, true);
    assert.equal(b.startedSec, 5.5);
    assert.ok(b.firstAnswerSec! >= 8 && b.firstAnswerSec! < 8.1);
    assert.equal(t.replicas.find((r) => r.replica === 'a')!.isNew, false);
  });

  it('explains the NET I/O difference: the same bytes per request, a counter that started earlier', () => {
    const a = t.replicas.find((r) => r.replica === 'a')!;
    const c = t.replicas.find((r) => r.replica === 'c')!;
    assert.ok(a.netRxTotal! > 5 * c.netRxTotal!, 'the first replica\'s cumulative counter is much larger');
    assert.ok(Math.abs(a.rxPerRequest! - 600) < 60 && Math.abs(c.rxPerRequest! - 600) < 60, `per request ${a.rxPerRequest} / ${c.rxPerRequest}`);
    assert.equal(a.servedInRun, 800 + rows.filter((r) => r.replica === 'a').length);
    const text = eventSection([{ label: 'swarm-scale', timeline: t, figure: 'event-swarm-scale' }]).flatMap((b) => ('text' in b ? [b.text] : 'items' in b ? b.items : []));
    assert.ok(text.some((x) => /cumulative counter/.test(x) && /per request every replica moved about the same bytes/.test(x)));
    assert.ok(text.some((x) => /new replica b \(slot 2\): container started \+5\.5 s, first answer \+8\.0 s/.test(x)), text.join('\n'));
    assert.ok(text.some((x) => /shares even .* from \+9\.0 s/.test(x)));
  });

  it('names a replica Swarm stopped itself during the phase (a failed health check), apart from the event', () => {
    const churn = eventTimeline(event({ containers: [{ ...container('a', 1, -60, 21), exitCode: 0 }, container('b', 2, 5.5), container('c', 3, 6.2)] }), rows, service, samples);
    const items = eventSection([{ label: 'swarm-scale', timeline: churn, figure: 'f' }]).flatMap((b) => ('items' in b ? b.items : []));
    assert.ok(items.some((x) => /Swarm also stopped 1 other replica\(s\) during the phase: a at \+21\.0 s \(exit 0\)/.test(x)), items.join('\n'));
    assert.ok(!eventSection([{ label: 'swarm-scale', timeline: t, figure: 'f' }]).some((b) => 'items' in b && b.items.some((x) => /also stopped/.test(x))));
  });

  it('gives the Swarm pros a time to scale and a figure with the event marked', () => {
    const pc = eventProsCons([{ label: 'swarm-scale', timeline: t, figure: 'event-swarm-scale' }]);
    assert.match(pc.pros[0]!, /swarm-scale: time to scale 1 → 3 under load: the new replicas' containers started \+5\.5 s and \+6\.2 s after the command, served their first requests \+8\.0 s and \+9\.0 s; the shares were at 33 ± 5 % from \+9\.0 s; 0 failed requests; client p99 [\d.]+ ms until then against [\d.]+ ms before/);
    const spec = JSON.stringify(eventSpec('swarm-scale', t));
    assert.match(spec, /"what":"scale command"/);
    assert.match(spec, /"what":"shares even"/);
  });
});

describe('the timeline around a killed replica', () => {
  // a, b, k share the load; k is killed at 0 and its requests in flight fail (502) for half a second;
  // Swarm starts n at 6.5 s, which takes traffic from 10 s.
  const rows = clientRows(48, -5, 20, (i, t) => {
    const inn = t < 0 ? ['a', 'b', 'k'] : t < 10 ? ['a', 'b'] : ['a', 'b', 'n'];
    if (t >= 0 && t < 0.5 && i % 3 === 2) return null;
    return inn[i % inn.length]!;
  }, 'http_502', (t) => (t >= 0 && t < 1 ? 500 : 4));
  const samples = ['a', 'b'].flatMap((h) => samplesFor(h, -10, 20, rows));
  const ev = event({
    kind: 'failover', command: 'docker kill k', replicasBefore: 3, phase: 'failover-rate48',
    killed: container('k', 3, -60), containers: [container('a', 1, -60), container('b', 2, -60), container('k', 3, -60, 0.2), container('n', 3, 6.5)],
  });
  const t = eventTimeline(ev, rows, [], samples);

  it('counts the failed requests by kind, the replacement time, the latency disturbance and the recovery', () => {
    assert.deepEqual(Object.keys(t.failures), ['http_502']);
    assert.equal(t.failures.http_502, rows.filter((r) => !r.ok).length);
    assert.equal(t.replacedSec, 6.5);
    assert.ok(t.evenSec! >= 10 && t.evenSec! <= 11, `even at ${t.evenSec}`);
    assert.ok(t.latencyDuring.p99Ms! >= 500 && t.latencyBefore.p99Ms! < 10 && t.latencyAfter.p99Ms! < 10);
    assert.equal(failureKind('http_502'), 'http 5xx');
    assert.equal(failureKind('ECONNREFUSED'), 'connection');
    const pc = eventProsCons([{ label: 'swarm-failover', timeline: t, figure: 'f' }]);
    const line = pc.cons.find((c) => c.startsWith('swarm-failover: a replica killed under load (`docker kill k`)'));
    assert.ok(line, pc.cons.join('\n'));
    assert.match(line, new RegExp(`: ${t.failures.http_502} failed request\\(s\\): http_502 ${t.failures.http_502} \\(http 5xx: the replica broke off a request it had`));
    assert.match(line, /Swarm replaced it: the new container started \+6\.5 s after the kill and served from \+10\.\d s; the shares were at 33 ± 5 % from \+1[01]\.0 s; client p99 [\d.]+ ms until then against [\d.]+ ms before/);
    assert.ok(pc.pros.some((p) => /kept answering through a crash/.test(p)));
  });
});
