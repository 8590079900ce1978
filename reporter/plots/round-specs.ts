// Vega-Lite specs of the figures over rounds: each deployment's figures with their 95 % intervals (error
// bars), the overheads against the baseline with the A/A interval beside each, and every round's value as
// a dot so a reader sees how much rounds disagree. Pure: the across-round numbers in, specs out.
import type { AcrossRounds, ComparedMetric, RoundComparison, RoundFigure } from '../../contracts/summary.js';
import type { AnswerPhases } from '../findings.js';
import { METRIC_NAMES } from '../rounds.js';
import { colourBy, round, SCHEMA, type Spec } from './specs.js';

interface Panel {
  readonly metric: ComparedMetric;
  readonly phase: string;
  readonly title: string;
  /** The same quantity as another instrument measures it, drawn as a tick on the bar where it exists. */
  readonly companion?: ComparedMetric;
}

/**
 * Network per request, both ways: the bar is the load generator's socket count, which every deployment
 * has (native included); the tick is the replicas' interface counter, which only containers have (it also
 * counts TCP/IP headers, so it sits above the bar). What the service receives is what the client sent.
 */
const NETWORK_PANELS: ReadonlyArray<{ metric: ComparedMetric; companion: ComparedMetric; name: string }> = [
  { metric: 'clientBytesSentPerRequest', companion: 'netRxBytesPerRequest', name: 'request bytes' },
  { metric: 'clientBytesReceivedPerRequest', companion: 'netTxBytesPerRequest', name: 'response bytes' },
];
export const NETWORK_PANEL_NOTE = 'bytes per request: bar = client socket, tick = container interface';

/**
 * The answer's figures: p50 and p99 latency, throughput, the service's CPU per request, memory and MEM %,
 * each in its phase; where the platform was sampled, beside them the platform's and service + platform's
 * CPU per request and memory (side by side, so the deployment's whole cost reads next to the service's);
 * then network and block I/O per request both ways.
 */
export function answerPanels(across: AcrossRounds, where: AnswerPhases): Panel[] {
  const wanted: Array<[ComparedMetric, string | undefined]> = [
    ['p50', where.latency], ['p99', where.latency], ['reqPerSec', where.throughput], ['cpuMsPerRequest', where.resources], ['memMiB', where.resources],
    ['memPercent', where.resources],
    ['platformCpuMsPerRequest', where.resources], ['deploymentCpuMsPerRequest', where.resources],
    ['platformMemMiB', where.resources], ['deploymentMemMiB', where.resources],
    ...NETWORK_PANELS.map((n) => [n.metric, where.resources] as [ComparedMetric, string | undefined]),
    ['blockReadBytesPerRequest', where.resources], ['blockWriteBytesPerRequest', where.resources],
  ];
  return wanted
    .filter(([metric, phase]) => phase !== undefined && across.figures.some((f) => f.metric === metric && f.phase === phase))
    .map(([metric, phase]) => {
      const unit = across.figures.find((f) => f.metric === metric)!.unit;
      const network = NETWORK_PANELS.find((n) => n.metric === metric);
      if (network) return { metric, phase: phase!, companion: network.companion, title: `${network.name} per request, ${phase} (${unit})` };
      return { metric, phase: phase!, title: `${METRIC_NAMES[metric]}, ${phase} (${unit})` };
    });
}

const figureOf = (across: AcrossRounds, label: string, p: Panel): RoundFigure | undefined =>
  across.figures.find((f) => f.label === label && f.metric === p.metric && f.phase === p.phase);

const facetOf = (panels: readonly Panel[]): Spec => ({
  field: 'panel', type: 'nominal', title: null, sort: panels.map((p) => p.title), header: { labelFontSize: 12 },
});

/** Whether any row has both fields (a layer over fields that are all null makes Vega warn of an infinite extent). */
const hasBoth = (rows: ReadonlyArray<Record<string, unknown>>, low: string, high: string): boolean =>
  rows.some((r) => r[low] !== null && r[low] !== undefined && r[high] !== null && r[high] !== undefined);

/**
 * The figure's title, with footnotes under it, one a line (what native memory is; what the network panels'
 * bars and ticks are: in the panel titles they would widen every column of the grid).
 */
const titled = (text: string, ...footnotes: Array<string | undefined>): Spec | string => {
  const lines = footnotes.filter((f): f is string => f !== undefined);
  return lines.length > 0 ? { text, subtitle: lines } : text;
};

/** Three panels a row: six panels of 150 px stay readable on a page. */
const COLUMNS = 3;

const xLabel = (labels: readonly string[]): Spec => ({ field: 'label', type: 'nominal', title: null, sort: [...labels], axis: { labelAngle: -40 } });

/**
 * What a bar cannot show, written at its foot: "0" for a measured zero (no bar has no height: native's
 * platform, block I/O served from the page cache), "n/a" where the deployment has no figure; nothing
 * under a bar of some height. A value that only rounds to 0 is not written as 0.
 */
export function barFlag(estimate: number | undefined): string {
  return estimate === undefined ? 'n/a' : estimate === 0 ? '0' : '';
}

/**
 * Each deployment's mean over rounds (bar) with its 95 % interval (error bar); with one round the bar
 * stands alone: no interval can be drawn from one value. A panel with a companion figure draws its mean
 * as a tick (network: the container's interface counter beside the client's socket count). A zero or a
 * missing figure is written where its bar would stand (barFlag).
 */
export function comparisonSpec(across: AcrossRounds, labels: readonly string[], panels: readonly Panel[], footnote?: string): Spec {
  const values = panels.flatMap((p) => labels.map((label) => {
    const f = figureOf(across, label, p);
    const companion = p.companion && figureOf(across, label, { ...p, metric: p.companion });
    const value = round(f?.interval.estimate);
    const container = round(companion?.interval.estimate);
    // Every row gets a tick position (the container's figure, else the bar's own value) and the tick is
    // shown only where the container has one: a facet whose tick field were all null would make Vega
    // warn of an infinite extent (every panel but the network ones, and native's bars).
    return { label, panel: p.title, value, low: round(f?.interval.low), high: round(f?.interval.high), rounds: f?.perRound.length ?? 0,
      container, tick: container ?? value, tickShown: container !== null, flag: barFlag(f?.interval.estimate) };
  }));
  const ticks = panels.some((p) => p.companion !== undefined) && values.some((v) => v.tickShown);
  // A panel whose figures are all 0 (native's platform alone, block I/O served from the page cache) has
  // no extent: Vega would centre its zero line under a 0.000000 axis. An invisible tick at 1 gives it a
  // 0-to-1 axis; elsewhere it sits on the bar (a field null in a whole panel would make Vega warn).
  const flat = new Set(panels.map((p) => p.title).filter((t) => values.filter((v) => v.panel === t).every((v) => !v.value && !v.high)));
  const rows = values.map((v) => ({ ...v, span: flat.has(v.panel) ? 1 : v.value }));
  return {
    $schema: SCHEMA,
    title: titled(`Each deployment over ${across.rounds} round(s): mean with 95 % interval`, footnote, ticks ? NETWORK_PANEL_NOTE : undefined),
    data: { values: rows },
    facet: facetOf(panels),
    columns: COLUMNS,
    spec: {
      width: 150,
      height: 180,
      layer: [
        ...(flat.size > 0 ? [{ mark: { type: 'tick', opacity: 0 }, encoding: { x: xLabel(labels), y: { field: 'span', type: 'quantitative' } } }] : []),
        { mark: { type: 'bar', tooltip: true }, encoding: { x: xLabel(labels), y: { field: 'value', type: 'quantitative', title: null }, color: colourBy(labels) } },
        ...(hasBoth(values, 'low', 'high')
          ? [{ mark: { type: 'rule', color: '#222' }, encoding: { x: xLabel(labels), y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } }]
          : []),
        { mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 13, fontWeight: 'bold', color: '#222' },
          encoding: { x: xLabel(labels), y: { datum: 0, type: 'quantitative' }, text: { field: 'flag' } } },
        ...(ticks
          ? [{ mark: { type: 'tick', color: '#222', thickness: 3 }, encoding: { x: xLabel(labels), y: { field: 'tick', type: 'quantitative' },
            opacity: { condition: { test: 'datum.tickShown', value: 1 }, value: 0 },
            tooltip: [{ field: 'label', type: 'nominal' }, { field: 'container', type: 'quantitative', title: 'container interface' }] } }]
          : []),
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

const comparisonOf = (across: AcrossRounds, label: string, p: Panel): RoundComparison | undefined =>
  across.comparisons.find((c) => c.label === label && c.metric === p.metric && c.phase === p.phase);

/** Overhead against the baseline per deployment: point and 95 % error bar, the A/A interval as a grey band behind. */
export function overheadsSpec(across: AcrossRounds, labels: readonly string[], panels: readonly Panel[], footnote?: string): Spec {
  const shown = labels.filter((l) => l !== across.baseline);
  const values = panels.flatMap((p) => shown.flatMap((label) => {
    const c = comparisonOf(across, label, p);
    if (!c) return [];
    return [{ label, panel: p.title, overhead: round(c.diff.estimate), low: round(c.diff.low), high: round(c.diff.high),
      aa_low: round(c.aa?.low), aa_high: round(c.aa?.high), verdict: c.verdict }];
  }));
  const x = xLabel(shown);
  return {
    $schema: SCHEMA,
    title: titled(`Overhead against ${across.baseline} (per round, paired), 95 % interval; grey: the A/A interval`, footnote),
    data: { values },
    facet: facetOf(panels),
    columns: COLUMNS,
    spec: {
      width: 150,
      height: 180,
      layer: [
        ...(hasBoth(values, 'aa_low', 'aa_high')
          ? [{ mark: { type: 'rect', color: '#bbbbbb', opacity: 0.45 }, encoding: { x, y: { field: 'aa_low', type: 'quantitative' }, y2: { field: 'aa_high' } } }]
          : []),
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#666' }, encoding: { y: { datum: 0, type: 'quantitative' } } },
        ...(hasBoth(values, 'low', 'high')
          ? [{ mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: null }, y2: { field: 'high' }, color: colourBy(shown) } }]
          : []),
        { mark: { type: 'point', filled: true, size: 60, tooltip: true }, encoding: { x, y: { field: 'overhead', type: 'quantitative', title: null }, color: colourBy(shown) } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Every round's value as a dot, the mean as a tick: how much the rounds disagree. */
export function roundsSpec(across: AcrossRounds, labels: readonly string[], panels: readonly Panel[], footnote?: string): Spec {
  const values = panels.flatMap((p) => labels.flatMap((label) => {
    const f = figureOf(across, label, p);
    return (f?.perRound ?? []).map((v) => ({ label, panel: p.title, round: v.round, value: round(v.value), mean: round(f!.interval.estimate) }));
  }));
  const x = xLabel(labels);
  return {
    $schema: SCHEMA,
    title: titled('Each round\'s value per deployment (dots; tick: mean over rounds)', footnote),
    data: { values },
    facet: facetOf(panels),
    columns: COLUMNS,
    spec: {
      width: 150,
      height: 180,
      layer: [
        { mark: { type: 'point', filled: true, size: 40, opacity: 0.8, tooltip: true }, encoding: { x, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } }, color: colourBy(labels) } },
        { mark: { type: 'tick', color: '#222', thickness: 2 }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
