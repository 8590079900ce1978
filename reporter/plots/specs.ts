// Vega-Lite specs for the report's figures. Pure: data in, spec out, data inlined so each spec file is
// complete on its own and users can restyle it. Each deployment keeps its colour in every figure.
import type { ReplicaSummary } from '../summarize.js';
import type { EcdfPoint, JoinedPoint, PhaseBand, ResourcePoint } from './series.js';

export type Spec = Record<string, unknown>;
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const KNOWN_COLOURS: Record<string, string> = {
  native: '#4c78a8',
  docker: '#f58518',
  compose: '#54a24b',
  'swarm-1': '#e45756',
  'swarm-3': '#b279a2',
};
const SPARE_COLOURS = ['#72b7b2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

/** A run of a later round (`docker@r2`) or another work level (`docker~long-reviews-fp32`) keeps its deployment's colour; other labels take spare ones. */
export function deploymentColours(labels: readonly string[]): { domain: string[]; range: string[] } {
  let spare = 0;
  return {
    domain: [...labels],
    range: labels.map((l) => KNOWN_COLOURS[l.replace(/@r\d+$/, '').replace(/~[^#]*/, '')] ?? SPARE_COLOURS[spare++ % SPARE_COLOURS.length]!),
  };
}

export const colourBy = (labels: readonly string[]): Spec => ({
  field: 'label',
  type: 'nominal',
  title: 'Deployment',
  scale: deploymentColours(labels),
  sort: [...labels],
});

export const round = (v: number | undefined, digits = 3): number | null => (v === undefined ? null : Math.round(v * 10 ** digits) / 10 ** digits);

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
