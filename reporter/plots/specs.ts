// Vega-Lite specs for the report's figures. Pure: data in, spec out, data inlined so each spec file is
// complete on its own and users can restyle it. Each deployment keeps its colour in every figure.
import type { PhaseSummary, ReplicaSummary, RunFigures } from '../summarize.js';
import type { EcdfPoint, JoinedPoint, PhaseBand, ResourcePoint } from './series.js';

type Spec = Record<string, unknown>;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const KNOWN_COLOURS: Record<string, string> = {
  native: '#4c78a8',
  docker: '#f58518',
  compose: '#54a24b',
  'swarm-1': '#e45756',
  'swarm-3': '#b279a2',
};
const SPARE_COLOURS = ['#72b7b2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

export function deploymentColours(labels: readonly string[]): { domain: string[]; range: string[] } {
  let spare = 0;
  return {
    domain: [...labels],
    range: labels.map((l) => KNOWN_COLOURS[l] ?? SPARE_COLOURS[spare++ % SPARE_COLOURS.length]!),
  };
}

const colourBy = (labels: readonly string[]): Spec => ({
  field: 'label',
  type: 'nominal',
  title: 'Deployment',
  scale: deploymentColours(labels),
  sort: [...labels],
});

const round = (v: number | undefined, digits = 3): number | null => (v === undefined ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/**
 * The comparison at a glance: CPU, memory, network I/O and latency of every deployment in one figure.
 * Latency comes from `phase` when given (the same offered load for every run), else the whole window.
 */
export function comparisonSpec(runs: readonly RunFigures[], phases: readonly PhaseSummary[], phase?: string): Spec {
  const labels = runs.map((r) => r.run.label);
  const where = phase ? ` in ${phase}` : '';
  const metrics = [
    'CPU, mean (% of one core)',
    'Memory, mean (MiB)',
    'Network rx+tx per request (kB)',
    `Latency p50${where} (ms)`,
    `Latency p99${where} (ms)`,
  ];
  const latency = (r: RunFigures): { p50?: number | undefined; p99?: number | undefined } =>
    phase ? (phases.find((p) => p.label === r.run.label && p.phase === phase)?.client ?? {}) : r.client.count > 0 ? r.client : r.server;
  const values = runs.flatMap((r) => {
    const ok = r.requests - r.errors;
    const net = r.netRxBytes !== undefined && r.netTxBytes !== undefined && ok > 0 ? (r.netRxBytes + r.netTxBytes) / ok / 1000 : undefined;
    const v = [r.cpu.mean, r.memBytes.mean === undefined ? undefined : r.memBytes.mean / 2 ** 20, net, latency(r).p50, latency(r).p99];
    return metrics.map((metric, i) => ({ label: r.run.label, metric, value: round(v[i]) }));
  });
  return {
    $schema: SCHEMA,
    title: 'Resource use and latency per deployment (warmup excluded)',
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics, header: { labelFontSize: 12 } },
    columns: 5,
    spec: {
      width: 150,
      height: 180,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelAngle: -40 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: colourBy(labels),
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

export function latencyEcdfSpec(points: readonly EcdfPoint[], labels: readonly string[], phase?: string): Spec {
  return {
    $schema: SCHEMA,
    title: `Client latency distribution per deployment (ECDF, ${phase ? `${phase} phase` : 'warmup excluded'})`,
    width: 560,
    height: 300,
    data: { values: points.map((p) => ({ label: p.label, latency_ms: round(p.latencyMs), fraction: round(p.fraction, 4) })) },
    mark: { type: 'line', interpolate: 'step-after', tooltip: true },
    encoding: {
      x: { field: 'latency_ms', type: 'quantitative', title: 'Latency (ms, log scale)', scale: { type: 'log' } },
      y: { field: 'fraction', type: 'quantitative', title: 'Fraction of requests', axis: { format: '%' } },
      color: colourBy(labels),
    },
  };
}

function phaseLayer(bands: readonly PhaseBand[]): Spec[] {
  if (bands.length === 0) return [];
  return [
    {
      data: { values: bands.map((b) => ({ phase: b.name, start: round(b.startSec, 2), end: round(b.endSec, 2) })) },
      mark: { type: 'rect', opacity: 0.12, color: '#888' },
      encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' } },
    },
    {
      data: { values: bands.map((b) => ({ phase: b.name, start: round(b.startSec, 2) })) },
      mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
      encoding: { x: { field: 'start', type: 'quantitative' } },
    },
    {
      data: { values: bands.map((b) => ({ phase: b.name, start: round(b.startSec, 2) })) },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, fontSize: 10, color: '#555' },
      encoding: { x: { field: 'start', type: 'quantitative' }, y: { value: 0 }, text: { field: 'phase' } },
    },
  ];
}

/** CPU and memory over time for each replica of one run, load phases shaded. */
export function resourcesSpec(label: string, points: readonly ResourcePoint[], bands: readonly PhaseBand[]): Spec {
  const panel = (field: 'cpuPct' | 'memMiB', title: string): Spec => ({
    width: 560,
    height: 160,
    layer: [
      ...phaseLayer(bands),
      {
        data: { values: points.filter((p) => p[field] !== null) },
        mark: { type: 'line', tooltip: true },
        encoding: {
          x: { field: 'tSec', type: 'quantitative', title: 'Time since run start (s)' },
          y: { field, type: 'quantitative', title },
          color: { field: 'replica', type: 'nominal', title: 'Replica' },
        },
      },
    ],
  });
  return {
    $schema: SCHEMA,
    title: `${label}: CPU and memory per replica over time (shaded: load phases)`,
    vconcat: [panel('cpuPct', 'CPU (% of one core)'), panel('memMiB', 'Memory used (MiB)')],
    resolve: { scale: { color: 'shared' } },
  };
}

/** How the load spread over the replicas of one multi-replica run: network bytes and requests. */
export function replicaSpreadSpec(label: string, replicas: readonly ReplicaSummary[]): Spec {
  const names = replicas.map((r) => r.hostname ?? r.name);
  const net = replicas.flatMap((r) => [
    { replica: r.hostname ?? r.name, direction: 'received', MB: round((r.netRxBytes ?? 0) / 1e6, 4) },
    { replica: r.hostname ?? r.name, direction: 'sent', MB: round((r.netTxBytes ?? 0) / 1e6, 4) },
  ]);
  return {
    $schema: SCHEMA,
    title: `${label}: how the load spread over replicas (measured window)`,
    hconcat: [
      {
        width: 260,
        height: 200,
        data: { values: net },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'replica', type: 'nominal', title: 'Replica', sort: names },
          xOffset: { field: 'direction' },
          y: { field: 'MB', type: 'quantitative', title: 'Network I/O (MB)' },
          color: { field: 'direction', type: 'nominal', title: 'Direction', scale: { range: ['#4c78a8', '#f58518'] } },
        },
      },
      {
        width: 200,
        height: 200,
        data: { values: replicas.map((r) => ({ replica: r.hostname ?? r.name, requests: r.requests })) },
        mark: { type: 'bar', tooltip: true, color: '#72b7b2' },
        encoding: {
          x: { field: 'replica', type: 'nominal', title: 'Replica', sort: names },
          y: { field: 'requests', type: 'quantitative', title: 'Requests served' },
        },
      },
    ],
  };
}

/** Latency of each request against its serving replica's CPU at that moment (the sample join). */
export function latencyVsCpuSpec(points: readonly JoinedPoint[], labels: readonly string[]): Spec {
  return {
    $schema: SCHEMA,
    title: 'Request latency against the serving replica\'s CPU at that moment (nearest sample)',
    width: 560,
    height: 300,
    data: { values: points.map((p) => ({ label: p.label, cpu_pct: round(p.cpuPct, 2), latency_ms: round(p.latencyMs) })) },
    mark: { type: 'point', filled: true, size: 14, opacity: 0.5, tooltip: true },
    encoding: {
      x: { field: 'cpu_pct', type: 'quantitative', title: 'CPU of the serving replica (% of one core)' },
      y: { field: 'latency_ms', type: 'quantitative', title: 'Latency (ms, log scale)', scale: { type: 'log' } },
      color: colourBy(labels),
    },
  };
}
