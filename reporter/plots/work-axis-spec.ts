// The overhead-vs-model-time figure: each deployment's overhead against its level's baseline (point,
// 95 % interval across rounds as a bar), at each work level's model time per request (log axis), in ms
// and in % of the baseline. A fixed cost per request is a flat line in ms and a falling one in %.
import type { WorkPoint } from '../../contracts/summary.js';
import { METRIC_NAMES } from '../rounds.js';
import { colourBy, round, SCHEMA, type Spec } from './specs.js';

export interface WorkAxisRow {
  readonly label: string;
  readonly panel: string;
  readonly level: string;
  readonly modelMs: number | null;
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
}

/** The figure's data: per point an absolute row (its unit) and a relative row (%), each in its panel. */
export function workAxisRows(points: readonly WorkPoint[]): WorkAxisRow[] {
  return points.flatMap((p) => {
    const name = `${METRIC_NAMES[p.metric]}, ${p.phase}`;
    const abs = { label: p.label, level: p.level, modelMs: round(p.modelMs), panel: `${name}: overhead (${p.unit})`,
      value: round(p.diff.estimate), low: round(p.diff.low), high: round(p.diff.high) };
    const pct = (v: number | undefined): number | null => round(v === undefined ? undefined : v * 100, 2);
    return p.relative
      ? [abs, { ...abs, panel: `${name}: overhead (% of baseline)`, value: pct(p.relative.estimate), low: pct(p.relative.low), high: pct(p.relative.high) }]
      : [abs];
  });
}

export function workAxisSpec(points: readonly WorkPoint[]): Spec {
  const values = workAxisRows(points);
  const labels = [...new Set(points.map((p) => p.label))];
  const panels = [...new Set(values.map((v) => v.panel))];
  const x = { field: 'modelMs', type: 'quantitative', title: 'model time per request (ms, log)', scale: { type: 'log' } };
  const colour = colourBy(labels);
  return {
    $schema: SCHEMA,
    title: 'Overhead against model time per request: flat in ms = a fixed cost per request; growing = scales with the work (95 % intervals across rounds)',
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12 } },
    columns: 2,
    spec: {
      width: 260,
      height: 200,
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#666' }, encoding: { y: { datum: 0, type: 'quantitative' } } },
        { mark: { type: 'line', opacity: 0.6 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: null }, color: colour, detail: { field: 'label' } } },
        ...(values.some((v) => v.low !== null && v.high !== null)
          ? [{ mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: colour } }]
          : []),
        { mark: { type: 'point', filled: true, size: 60, tooltip: true }, encoding: { x, y: { field: 'value', type: 'quantitative' }, color: colour, shape: { field: 'level', type: 'nominal', title: 'Work level' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
