// Per-node figures, for runs whose replicas were recorded on several nodes (a swarm spread over
// simulated or real nodes, one collector per node, their databases merged): what each node ran and used,
// the requests per replica, and what the path from the front to a replica on another node costs against
// one on the front's own node. The node of a replica is replica_nodes (merge.ts): the host of the
// collector that recorded it.
import type Database from 'better-sqlite3';
import { median } from '../common/percentile.js';
import { SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { Block } from './document.js';
import { bytes, DASH, fixed, mib, pct } from './format.js';
import { intervalText } from './findings.js';
import { clockBlocks } from './node-clocks.js';
import { verdictOf } from './rounds.js';
import type { ReportRun } from './selection.js';
import { meanInterval } from './stats.js';

export interface NodeUse {
  readonly label: string;
  readonly node: string;
  readonly replicas: number;
  readonly requests: number;
  /** The replicas' CPU, summed: counter growth over the time between their first and last reading in the window; 1 = one core. */
  readonly cpuCores: number | null;
  readonly memUsedBytes: number | null;
  /** Network counter growth per second, over the same span as the CPU. */
  readonly netRxPerS: number | null;
  readonly netTxPerS: number | null;
}

export interface ReplicaUse {
  readonly label: string;
  readonly node: string;
  readonly replica: string;
  readonly requests: number;
}

/** One run's path cost: median (client latency − server latency) per request, same node vs other nodes. */
export interface PathCost {
  readonly label: string;
  readonly group: string;
  readonly round: number;
  readonly frontNode: string;
  readonly sameMs: number | undefined;
  readonly crossMs: number | undefined;
  readonly sameRequests: number;
  readonly crossRequests: number;
}

// Rates over the span between a replica's first and last reading in the window, not over the window: with
// 1 s samples and a window of a few seconds, 4 or 5 sample intervals fall in it depending on each node's
// sampling phase, and growth ÷ window would read 40 % on one node and 50 % on the next for the same work.
function nodeUse(db: Database.Database): NodeUse[] {
  return db.prepare(`
    WITH readings AS (SELECT w.label, s.replica_id, AVG(s.mem_used_bytes) AS mem, MAX(s.ts_ms) - MIN(s.ts_ms) AS span_ms FROM report_windows w
                      JOIN samples s ON s.run_id = w.run_id AND s.error IS NULL AND s.ts_ms BETWEEN w.start_ms AND w.end_ms
                      WHERE w.phase IS NULL GROUP BY w.label, s.replica_id)
    SELECT rs.label, n.node, COUNT(*) AS replicas, SUM(rs.requests) AS requests, SUM(rs.cpu_time_ms / NULLIF(rd.span_ms, 0)) AS cpuCores,
           SUM(rd.mem) AS memUsedBytes, SUM(rs.net_rx_bytes * 1000.0 / NULLIF(rd.span_ms, 0)) AS netRxPerS,
           SUM(rs.net_tx_bytes * 1000.0 / NULLIF(rd.span_ms, 0)) AS netTxPerS
    FROM replica_summary rs JOIN replica_nodes n ON n.replica_id = rs.replica_id
    LEFT JOIN readings rd ON rd.label = rs.label AND rd.replica_id = rs.replica_id
    GROUP BY rs.label, n.node ORDER BY rs.label, n.node`).all() as NodeUse[];
}

function replicaUse(db: Database.Database): ReplicaUse[] {
  return db.prepare(`SELECT rs.label, n.node, COALESCE(rs.hostname, rs.name) AS replica, rs.requests
                     FROM replica_summary rs JOIN replica_nodes n ON n.replica_id = rs.replica_id
                     ORDER BY rs.label, n.node, replica`).all() as ReplicaUse[];
}

/** Path times (ms) of one run's successful sequential requests, by the node of the replica that served each. */
function pathTimes(db: Database.Database, label: string): Map<string, number[]> {
  const rows = db.prepare(`SELECT n.node, c.latency_ms - c.server_latency_ms AS path FROM client_requests c
                           JOIN replica_nodes n ON n.replica_id = c.replica_id
                           WHERE c.label = ? AND c.phase = ? AND c.ok = 1 AND c.server_latency_ms IS NOT NULL AND c.latency_ms IS NOT NULL`)
    .all(label, SEQUENTIAL_PHASE) as Array<{ node: string; path: number }>;
  const by = new Map<string, number[]>();
  for (const r of rows) {
    const paths = by.get(r.node);
    if (paths) paths.push(r.path);
    else by.set(r.node, [r.path]);
  }
  return by;
}

/** Same-node vs cross-node medians from path times by node (pure). */
export function splitPath(byNode: ReadonlyMap<string, readonly number[]>, frontNode: string): Pick<PathCost, 'sameMs' | 'crossMs' | 'sameRequests' | 'crossRequests'> {
  const same = byNode.get(frontNode) ?? [];
  const cross = [...byNode].filter(([node]) => node !== frontNode).flatMap(([, v]) => v);
  return { sameMs: median(same), crossMs: median(cross), sameRequests: same.length, crossRequests: cross.length };
}

/** The runs that span several nodes (their replicas recorded on more than one). */
function multiNodeLabels(uses: readonly NodeUse[]): Set<string> {
  const count = new Map<string, number>();
  for (const u of uses) count.set(u.label, (count.get(u.label) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([label]) => label));
}

/** The per-node section; nothing when no run spans several nodes. */
export function nodeSection(db: Database.Database, runs: readonly ReportRun[]): Block[] {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'replica_nodes'`).get() !== undefined;
  if (!hasTable) return [];
  // No run can span nodes when the recording has one node: skip the per-replica figures, whose query
  // (replica_summary over every sample) tripled the build of a one-node recording (reporter bench).
  const nodes = db.prepare(`SELECT COUNT(DISTINCT node) FROM replica_nodes`).pluck().get() as number;
  if (nodes < 2) return [];
  const uses = nodeUse(db);
  const spanning = multiNodeLabels(uses);
  if (spanning.size === 0) return [];
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Per node' },
    {
      kind: 'paragraph',
      text: 'Runs whose replicas ran on several nodes, one collector per node, their databases merged. A replica\'s node is the host of the collector that recorded it. '
        + 'CPU (100 % = one core) and network are the replicas\' counter growth per second between their first and last reading in the measured window, memory the mean of their used memory. '
        + 'Every node\'s collector time-stamps with its own clock: on simulated nodes they share this kernel\'s clock, on separate hosts they agree only as far as NTP keeps them.',
    },
    {
      kind: 'table',
      header: ['Run', 'Node', 'Replicas', 'Requests', 'Req/replica', 'CPU', 'Memory MiB', 'Net rx /s', 'Net tx /s'],
      rows: uses.filter((u) => spanning.has(u.label)).map((u) => [u.label, u.node, String(u.replicas), String(u.requests), fixed(u.requests / u.replicas, 0),
        u.cpuCores !== null ? pct(u.cpuCores * 100) : DASH, mib(u.memUsedBytes), bytes(u.netRxPerS), bytes(u.netTxPerS)]),
    },
    { kind: 'heading', level: 3, text: 'Requests per replica' },
    {
      kind: 'table',
      header: ['Run', 'Node', 'Replica', 'Requests', 'Share'],
      rows: replicaUse(db).filter((r) => spanning.has(r.label)).map((r) => {
        const total = uses.filter((u) => u.label === r.label).reduce((a, u) => a + u.requests, 0);
        return [r.label, r.node, r.replica, String(r.requests), total > 0 ? pct((r.requests / total) * 100) : DASH];
      }),
    },
  ];
  const spanningRuns = runs.filter((r) => spanning.has(r.label));
  const clocked = spanningRuns.map((r) => ({ label: r.label, intervalMs: r.recorded?.intervalMs ?? null, clocks: r.manifest?.nodeClocks ?? [] }));
  return [...blocks, ...pathSection(db, spanningRuns), ...clockBlocks(clocked)];
}

/** The cross-node path against the same-node path, per round, with the interval across rounds. */
function pathSection(db: Database.Database, runs: readonly ReportRun[]): Block[] {
  const costs: PathCost[] = [];
  for (const run of runs) {
    const frontNode = run.manifest?.target?.frontNode;
    if (!frontNode) continue;
    costs.push({ label: run.label, group: run.group, round: run.round, frontNode, ...splitPath(pathTimes(db, run.label), frontNode) });
  }
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: 'The cross-node path against the same-node path' },
    {
      kind: 'paragraph',
      text: `Path time of a request = client latency − the replica's own latency: the published port, the front, and the hop from the front to the replica (over the overlay network when the replica is on another node). `
        + `Median over the ${SEQUENTIAL_PHASE} phase's requests (one at a time, so no queue), split by whether the replica ran on the front's node; the cost of crossing nodes is the difference, per round, `
        + 'then its mean over rounds with a 95 % t-interval. Verdict rule as above: one round decides nothing; "real difference" only when the interval excludes 0.',
    },
  ];
  if (costs.length === 0) return [...blocks, { kind: 'paragraph', text: 'No run recorded the front\'s node (run.json target.frontNode): no split.' }];
  blocks.push({
    kind: 'table',
    header: ['Run', 'Front on', 'Same node ms (n)', 'Other nodes ms (n)', 'Cross − same ms'],
    rows: costs.map((c) => [c.label, c.frontNode, `${fixed(c.sameMs, 3)} (${c.sameRequests})`, `${fixed(c.crossMs, 3)} (${c.crossRequests})`,
      c.sameMs !== undefined && c.crossMs !== undefined ? fixed(c.crossMs - c.sameMs, 3) : DASH]),
  });
  const items: string[] = [];
  for (const group of [...new Set(costs.map((c) => c.group))]) {
    const diffs = costs.filter((c) => c.group === group && c.sameMs !== undefined && c.crossMs !== undefined).map((c) => c.crossMs! - c.sameMs!);
    const est = meanInterval(diffs);
    if (!est) continue;
    const { verdict, reason } = verdictOf(est, null, diffs.length);
    items.push(`${group}: crossing nodes adds ${fixed(est.estimate, 3)} ms per request (95 % CI ${intervalText(est, 3)}, ${diffs.length} round(s)): ${verdict} (${reason}).`);
  }
  if (items.length > 0) blocks.push({ kind: 'list', items });
  return blocks;
}
