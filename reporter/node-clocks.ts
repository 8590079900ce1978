// The nodes' clocks in the per-node section: each node's offset against the experiment host when its
// collector started and before it stopped (run.json nodeClocks), and a warning when an offset is larger
// than the sampling interval: the report lines a node's samples up with the host's request times by time
// stamp, so such a node's samples land in the wrong interval. Pure: run.json in, blocks out.
import type { NodeClock } from '../contracts/run-record.js';
import type { Block } from './document.js';
import { DASH, signedMs } from './format.js';

export interface ClockedRun {
  readonly label: string;
  /** The collectors' sampling interval; null when no recording says. */
  readonly intervalMs: number | null;
  readonly clocks: readonly NodeClock[];
}

const reading = (c: NodeClock | undefined): string => (c ? `${signedMs(c.offsetMs)} ± ${c.uncertaintyMs.toFixed(2)}` : DASH);

/** Warnings for offsets beyond the interval, and for readings too coarse to tell (pure). */
export function clockWarnings(runs: readonly ClockedRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    if (run.intervalMs === null) continue;
    for (const c of run.clocks) {
      const what = `${run.label}, ${c.node} at the ${c.at}: clock ${signedMs(c.offsetMs)} ms (± ${c.uncertaintyMs.toFixed(2)}) from the host's`;
      if (Math.abs(c.offsetMs) > run.intervalMs) {
        out.push(`**Warning** ${what}, more than the sampling interval (${run.intervalMs} ms): this node's samples fall in other intervals than the requests they served; sync its clock (NTP) and measure again.`);
      } else if (c.uncertaintyMs > run.intervalMs) {
        out.push(`${what}: the reading's round trip was too long to tell whether the offset is within the sampling interval (${run.intervalMs} ms).`);
      }
    }
  }
  return out;
}

/** The clock table and its warnings; a note when a run that spans nodes recorded no clock readings. */
export function clockBlocks(runs: readonly ClockedRun[]): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: 'Clocks' },
    {
      kind: 'paragraph',
      text: 'Each node\'s clock against the experiment host\'s, read through the node\'s Docker Engine API (`/info` SystemTime, bracketed by two host time stamps; '
        + 'offset = node − midpoint, ± half the round trip; the tightest of five readings) when its collector started and before it stopped. '
        + 'Simulated nodes share the host\'s kernel clock, so their offsets are 0 within the reading\'s uncertainty; separate hosts agree only as far as NTP keeps them, '
        + 'and an offset larger than the sampling interval puts a node\'s samples beside the wrong requests.',
    },
  ];
  const rows = runs.flatMap((run) => [...new Set(run.clocks.map((c) => c.node))].map((node) => {
    const of = (at: NodeClock['at']): NodeClock | undefined => run.clocks.find((c) => c.node === node && c.at === at);
    return [run.label, node, reading(of('start')), reading(of('end'))];
  }));
  if (rows.length > 0) blocks.push({ kind: 'table', header: ['Run', 'Node', 'Offset at start ms', 'Offset at end ms'], rows });
  const unread = runs.filter((r) => r.clocks.length === 0).map((r) => r.label);
  if (unread.length > 0) blocks.push({ kind: 'paragraph', text: `No clock readings for ${unread.join(', ')} (run.json nodeClocks empty): offsets not checked.` });
  const warnings = clockWarnings(runs);
  if (warnings.length > 0) blocks.push({ kind: 'list', items: warnings });
  else if (rows.length > 0) blocks.push({ kind: 'paragraph', text: 'Every offset is within the sampling interval.' });
  return blocks;
}
