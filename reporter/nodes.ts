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
  readonly cpuTimeMs: number | null;
  readonly memUsedBytes: number | null;
  readonly netRxBytes: number | null;
  readonly netTxBytes: number | null;
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

function nodeUse(db: Database.Database): NodeUse[] {
  return db.prepare(`
    WITH mem AS (SELECT w.label, s.replica_id, AVG(s.mem_used_bytes) AS mem FROM report_windows w
                 JOIN samples s ON s.run_id = w.run_id AND s.error IS NULL AND s.ts_ms BETWEEN w.start_ms AND w.end_ms
                 WHERE w.phase IS NULL GROUP BY w.label, s.replica_id)
    SELECT rs.label, n.node, COUNT(*) AS replicas, SUM(rs.requests) AS requests, SUM(rs.cpu_time_ms) AS cpuTimeMs,
           SUM(mem.mem) AS memUsedBytes, SUM(rs.net_rx_bytes) AS netRxBytes, SUM(rs.net_tx_bytes) AS netTxBytes
    FROM replica_summary rs JOIN replica_nodes n ON n.replica_id = rs.replica_id
    LEFT JOIN mem ON mem.label = rs.label AND mem.replica_id = rs.replica_id
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
  for (const r of rows) by.set(r.node, [...(by.get(r.node) ?? []), r.path]);
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

const windowMs = (run: ReportRun | undefined): number | null =>
  run?.windowStartMs != null && run.windowEndMs != null && run.windowEndMs > run.windowStartMs ? run.windowEndMs - run.windowStartMs : null;

/** The per-node section; nothing when no run spans several nodes. */
export function nodeSection(db: Database.Database, runs: readonly ReportRun[]): Block[] {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'replica_nodes'`).get() !== undefined;
  if (!hasTable) return [];
  const uses = nodeUse(db);
  const spanning = multiNodeLabels(uses);
  if (spanning.size === 0) return [];
  const byLabel = new Map(runs.map((r) => [r.label, r]));
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Per node' },
    {
      kind: 'paragraph',
      text: 'Runs whose replicas ran on several nodes, one collector per node, their databases merged. A replica\'s node is the host of the collector that recorded it. '
        + 'CPU is the replicas\' CPU time over the measured window (100 % = one core), memory the mean of their used memory, network the growth of their counters. '
        + 'Every node\'s collector time-stamps with its own clock: on simulated nodes they share this kernel\'s clock, on separate hosts they agree only as far as NTP keeps them.',
    },
    {
      kind: 'table',
      header: ['Run', 'Node', 'Replicas', 'Requests', 'Req/replica', 'CPU', 'Memory MiB', 'Net rx', 'Net tx'],
      rows: uses.filter((u) => spanning.has(u.label)).map((u) => {
        const w = windowMs(byLabel.get(u.label));
        return [u.label, u.node, String(u.replicas), String(u.requests), fixed(u.requests / u.replicas, 0),
          u.cpuTimeMs !== null && w !== null ? pct((u.cpuTimeMs / w) * 100) : DASH, mib(u.memUsedBytes), bytes(u.netRxBytes), bytes(u.netTxBytes)];
      }),
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
