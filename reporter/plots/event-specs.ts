// The Vega-Lite figure of a Swarm event: five panels over the same seconds (t = 0: the command) —
// answers per replica and failed requests, client p50/p99, CPU, memory and network-in rate per replica —
// with the event and the moment the shares were even marked. Pure: timeline in, spec out.
import type { EventTimeline } from '../events/timeline.js';
import { round, SCHEMA, type Spec } from './specs.js';

const WIDTH = 620;
const HEIGHT = 110;

function marks(t: EventTimeline): Spec {
  const rules = [{ second: 0, what: t.event.kind === 'scale' ? 'scale command' : 'kill' }];
  if (t.evenSec !== undefined) rules.push({ second: t.evenSec, what: 'shares even' });
  return {
    data: { values: rules },
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#444' }, encoding: { x: { field: 'second', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'left', dx: 3, dy: -4, fontSize: 10, color: '#444' },
        encoding: { x: { field: 'second', type: 'quantitative' }, y: { value: 0 }, text: { field: 'what' } } },
    ],
  };
}

function panel(title: string, values: Array<Record<string, unknown>>, y: Spec, t: EventTimeline, series = 'replica', extra: Spec = {}): Spec {
  return {
    width: WIDTH,
    height: HEIGHT,
    title,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: { size: 12 }, tooltip: true, ...extra },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'Seconds from the event' },
          y,
          color: { field: series, type: 'nominal', title: series === 'replica' ? 'Replica' : '' },
        },
      },
      marks(t),
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

export function eventSpec(label: string, t: EventTimeline): Spec {
  const answers = t.seconds.flatMap((s) => [
    ...t.replicas.map((r) => ({ second: s.second, replica: r.replica, value: s.byReplica[r.replica] ?? 0 })),
    { second: s.second, replica: 'failed', value: Object.values(s.failed).reduce((a, b) => a + b, 0) },
  ]);
  const latency = t.seconds.flatMap((s) => [
    { second: s.second, series: 'p50', value: round(s.p50Ms) },
    { second: s.second, series: 'p99', value: round(s.p99Ms) },
  ]).filter((p) => p.value !== null);
  const res = (pick: (r: EventTimeline['replicaSeconds'][number]) => number | undefined, scale = 1): Array<Record<string, unknown>> =>
    t.replicaSeconds.filter((r) => pick(r) !== undefined).map((r) => ({ second: r.second, replica: r.replica, value: round(pick(r)! / scale, 2) }));
  return {
    $schema: SCHEMA,
    title: `${label}: ${t.event.command}`,
    vconcat: [
      panel('Answers per second per replica (and failed requests)', answers, { field: 'value', type: 'quantitative', title: 'req/s' }, t),
      panel('Client latency per second (by intended send time)', latency, { field: 'value', type: 'quantitative', title: 'ms', scale: { type: 'log' } }, t, 'series'),
      panel('CPU per replica', res((r) => r.cpuPercent), { field: 'value', type: 'quantitative', title: '% of one core' }, t),
      panel('Memory per replica', res((r) => r.memUsedBytes, 2 ** 20), { field: 'value', type: 'quantitative', title: 'MiB' }, t),
      panel('Network in per replica (growth of the cumulative counter)', res((r) => r.netRxRate, 1000), { field: 'value', type: 'quantitative', title: 'kB/s' }, t),
    ],
  };
}
