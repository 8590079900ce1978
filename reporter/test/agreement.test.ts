// One definition of every headline number: on both committed fixtures, the figures of REPORT.md,
// summary.json (read through its contract), the documented views in report.db and the experiment's
// closing table (formatted from summary.json) agree on p50, p99, req/s, CPU ms per request, network
// growth, block I/O (total and per request) and the client's bytes on the wire per request (REPORT.md and summary.json also on memory and
// MEM %), for every run and every measured phase; and on a recording with platform rows (schema v2), the
// SQL reporter/README.md documents gives REPORT.md's service/platform split.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DEPLOYMENT_NAMES, type DeploymentName } from '../../contracts/deployments.js';
import { type PhaseSummary, readSummary, type Summary } from '../../contracts/summary.js';
import { formatClosingTable } from '../../experiment/summary-table.js';
import { build } from '../build.js';
import { COST_DIGITS } from '../document.js';
import { makeFixture, SMALL_SPEC } from '../fixture/make-fixture.js';
import { fixtureCopy, type FixtureName, ROOT, tempDir } from '../fixture/workspace.js';
import { bytes, fixed, mib, pct } from '../format.js';

type Row = Record<string, string>;

/** Every markdown table in `text`, as rows keyed by their header cells. */
function markdownTables(text: string): Row[][] {
  const tables: Row[][] = [];
  const cells = (line: string): string[] => line.slice(2, -2).split(' | ').map((c) => c.trim());
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('| ') || !/^\|[ :-]+(\|[ :-]+)*\|$/.test(lines[i + 1]!) || lines[i - 1]?.startsWith('|')) continue;
    const header = cells(lines[i]!);
    const rows: Row[] = [];
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith('| '); j++) rows.push(Object.fromEntries(cells(lines[j]!).map((c, k) => [header[k]!, c])));
    tables.push(rows);
  }
  return tables;
}

const tableWith = (tables: Row[][], ...columns: string[]): Row[] => {
  const t = tables.find((rows) => rows.length > 0 && columns.every((c) => c in rows[0]!));
  assert.ok(t, `no table with ${columns.join(', ')}`);
  return t;
};

/** A view's number against summary.json's: the same, or both absent (NULL / left out). */
function same(view: number | null | undefined, json: number | undefined, what: string): void {
  if (json === undefined || view === null || view === undefined) {
    assert.equal(view ?? undefined, json, what);
    return;
  }
  assert.ok(Math.abs(view - json) <= 1e-9 * Math.max(1, Math.abs(json)), `${what}: view ${view} ≠ summary.json ${json}`);
}

interface ViewRow {
  label: string;
  phase?: string;
  p50_ms: number | null;
  p99_ms: number | null;
  server_p50_ms: number | null;
  req_per_s: number | null;
  cpu_ms_per_request: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  requests: number;
  errors: number;
  client_bytes_sent: number | null;
  client_bytes_received: number | null;
  client_bytes_sent_per_request: number | null;
  client_bytes_received_per_request: number | null;
  block_read_bytes: number | null;
  block_write_bytes: number | null;
  block_read_bytes_per_request: number | null;
  block_write_bytes_per_request: number | null;
}

const mb = (v: number | undefined): string => (v === undefined ? '–' : (v / 1e6).toFixed(2));

for (const fixture of ['recording', 'real'] as const satisfies readonly FixtureName[])
  describe(`the headline numbers agree everywhere (${fixture} fixture)`, () => {
    let summary: Summary;
    let tables: Row[][];
    let runView: ViewRow[];
    let phaseView: ViewRow[];
    let closing: Row[][];

    before(async () => {
      const ws = fixtureCopy(fixture);
      await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
      summary = readSummary(join(ws.out, 'summary.json'));
      tables = markdownTables(readFileSync(join(ws.out, 'REPORT.md'), 'utf8'));
      const db = new Database(ws.reportDb, { readonly: true });
      runView = db.prepare('SELECT * FROM run_summary').all() as ViewRow[];
      phaseView = db.prepare('SELECT * FROM phase_summary').all() as ViewRow[];
      db.close();
      const outcomes = summary.runs.map((r) => ({ name: r.label as DeploymentName, label: r.label, round: 1, status: 'done' as const, phases: [] }));
      closing = markdownTables(formatClosingTable(summary, outcomes));
    });

    it('reports every deployment and every measured phase', () => {
      assert.deepEqual(summary.runs.map((r) => r.label), [...DEPLOYMENT_NAMES]);
      assert.ok(summary.phases.length >= 2 * summary.runs.length);
      assert.equal(runView.length, summary.runs.length);
      assert.equal(phaseView.length, summary.phases.length);
    });

    it('per run: run_summary and REPORT.md show summary.json\'s figures', () => {
      const latency = tableWith(tables, 'Deployment', 'Status', 'Req/s', 'p50', 'p99');
      const network = tableWith(tables, 'Deployment', 'Client sent B/req', 'Container rx B/req');
      const resources = tableWith(tables, 'Deployment', 'CPU ms/req', 'Net rx', 'Net tx', 'Mem mean', 'Mem % mean');
      for (const s of summary.runs) {
        const v = runView.find((r) => r.label === s.label)!;
        assert.equal(v.requests, s.requests, `${s.label} requests`);
        assert.equal(v.errors, s.errors, `${s.label} errors`);
        same(v.p50_ms, s.client.p50, `${s.label} p50`);
        same(v.p99_ms, s.client.p99, `${s.label} p99`);
        same(v.server_p50_ms, s.server.p50, `${s.label} server p50`);
        same(v.req_per_s, s.reqPerSec, `${s.label} req/s`);
        same(v.cpu_ms_per_request, s.cpuMsPerRequest, `${s.label} CPU ms/request`);
        same(v.net_rx_bytes, s.netRxBytes, `${s.label} net rx`);
        same(v.net_tx_bytes, s.netTxBytes, `${s.label} net tx`);
        same(v.block_read_bytes, s.blockReadBytes, `${s.label} block read`);
        same(v.block_write_bytes, s.blockWriteBytes, `${s.label} block write`);
        same(v.block_read_bytes_per_request, s.blockReadBytesPerRequest, `${s.label} block read per request`);
        same(v.block_write_bytes_per_request, s.blockWriteBytesPerRequest, `${s.label} block write per request`);
        assert.ok(s.blockReadBytesPerRequest !== undefined && s.blockWriteBytesPerRequest !== undefined, `${s.label}: block I/O per request in summary.json`);
        const md = latency.find((r) => r['Deployment'] === s.label)!;
        assert.deepEqual([md['p50'], md['p99'], md['Req/s']], [fixed(s.client.p50), fixed(s.client.p99), fixed(s.reqPerSec, 1)], s.label);
        const res = resources.find((r) => r['Deployment'] === s.label)!;
        assert.deepEqual([res['CPU ms/req'], res['Net rx'], res['Net tx'], res['Mem mean'], res['Mem % mean'], res['Mem % max'], res['Block read/write'], res['Block B/req read / write']],
          [fixed(s.cpuMsPerRequest), bytes(s.netRxBytes), bytes(s.netTxBytes), mib(s.memBytes.mean), pct(s.memPercent.mean, 2), pct(s.memPercent.max, 2),
            `${bytes(s.blockReadBytes)} / ${bytes(s.blockWriteBytes)}`, `${fixed(s.blockReadBytesPerRequest, 1)} / ${fixed(s.blockWriteBytesPerRequest, 1)}`], s.label);
        assert.ok(s.memPercent.mean !== undefined, `${s.label}: MEM % in summary.json`);
        same(v.client_bytes_sent, s.clientBytesSent, `${s.label} client bytes sent`);
        same(v.client_bytes_received, s.clientBytesReceived, `${s.label} client bytes received`);
        same(v.client_bytes_sent_per_request, s.clientBytesSentPerRequest, `${s.label} client bytes sent per request`);
        same(v.client_bytes_received_per_request, s.clientBytesReceivedPerRequest, `${s.label} client bytes received per request`);
        const net = network.find((r) => r['Deployment'] === s.label)!;
        assert.deepEqual(
          [net['Client sent B/req'], net['Client received B/req'], net['Container rx B/req'], net['Container tx B/req']],
          [fixed(s.clientBytesSentPerRequest, 1), fixed(s.clientBytesReceivedPerRequest, 1), fixed(s.netRxBytesPerRequest, 1), fixed(s.netTxBytesPerRequest, 1)], s.label);
      }
    });

    it('has bytes on the wire per request for every deployment, native included, where the client CSV has them', () => {
      const withBytes: string[] = summary.runs.filter((s) => s.clientBytesSent !== undefined).map((s) => s.label);
      // The generated fixture's CSVs have the byte columns; the real one was recorded before them.
      assert.deepEqual(withBytes, fixture === 'recording' ? [...DEPLOYMENT_NAMES] : []);
      for (const s of summary.runs.filter((x) => withBytes.some((l) => l === x.label))) {
        assert.ok(s.clientBytesSentPerRequest! > 0 && s.clientBytesReceivedPerRequest! > 0, s.label);
      }
    });

    it('per phase: phase_summary, REPORT.md and the experiment\'s closing table show summary.json\'s figures', () => {
      const mdPhases = tableWith(tables, 'Deployment', 'Phase', 'Req/s', 'p50', 'p99', 'CPU ms/req');
      const console = closing[0]!;
      const key = (p: PhaseSummary): string => `${p.label} ${p.phase}`;
      for (const p of summary.phases) {
        const v = phaseView.find((r) => r.label === p.label && r.phase === p.phase)!;
        assert.ok(v, `${key(p)} missing from phase_summary`);
        assert.equal(v.requests, p.requests, `${key(p)} requests`);
        same(v.p50_ms, p.client.p50, `${key(p)} p50`);
        same(v.p99_ms, p.client.p99, `${key(p)} p99`);
        same(v.server_p50_ms, p.server.p50, `${key(p)} server p50`);
        same(v.req_per_s, p.reqPerSec, `${key(p)} req/s`);
        same(v.cpu_ms_per_request, p.cpuMsPerRequest, `${key(p)} CPU ms/request`);
        same(v.net_rx_bytes, p.netRxBytes, `${key(p)} net rx`);
        same(v.net_tx_bytes, p.netTxBytes, `${key(p)} net tx`);
        same(v.block_read_bytes_per_request, p.blockReadBytesPerRequest, `${key(p)} block read per request`);
        same(v.block_write_bytes_per_request, p.blockWriteBytesPerRequest, `${key(p)} block write per request`);
        same(v.client_bytes_sent_per_request, p.clientBytesSentPerRequest, `${key(p)} client bytes sent per request`);
        same(v.client_bytes_received_per_request, p.clientBytesReceivedPerRequest, `${key(p)} client bytes received per request`);
        const md = mdPhases.find((r) => r['Deployment'] === p.label && r['Phase'] === p.phase)!;
        assert.deepEqual([md['p50'], md['p99'], md['Req/s'], md['CPU ms/req'], md['Net rx'], md['Net tx'], md['Client B/req sent / received']],
          [fixed(p.client.p50), fixed(p.client.p99), fixed(p.reqPerSec, 1), fixed(p.cpuMsPerRequest), bytes(p.netRxBytes), bytes(p.netTxBytes),
            `${fixed(p.clientBytesSentPerRequest, 1)} / ${fixed(p.clientBytesReceivedPerRequest, 1)}`], key(p));
        const row = console.find((r) => r['deployment'] === p.label && r['phase'] === p.phase)!;
        assert.ok(row, `${key(p)} missing from the closing table`);
        assert.deepEqual([row['p50 ms'], row['p99 ms'], row['req/s'], row['CPU ms/request'], row['net rx MB'], row['net tx MB']],
          [fixed(p.client.p50), fixed(p.client.p99), fixed(p.reqPerSec, 1), fixed(p.cpuMsPerRequest), mb(p.netRxBytes), mb(p.netTxBytes)], key(p));
      }
    });

    it('across rounds: REPORT.md shows summary.json\'s overheads, and each round\'s is the difference of phase_summary\'s figures', () => {
      const across = summary.acrossRounds!;
      const md = tableWith(tables, 'Deployment', 'Phase', 'Figure', 'Per round', 'Overhead', '95 % CI', 'Verdict');
      assert.equal(md.length, across.comparisons.length);
      const column = { p50: 'p50_ms', p99: 'p99_ms', reqPerSec: 'req_per_s', cpuMsPerRequest: 'cpu_ms_per_request',
        clientBytesSentPerRequest: 'client_bytes_sent_per_request', clientBytesReceivedPerRequest: 'client_bytes_received_per_request',
        blockReadBytesPerRequest: 'block_read_bytes_per_request', blockWriteBytesPerRequest: 'block_write_bytes_per_request' } as const;
      for (const [i, c] of across.comparisons.entries()) {
        const what = `${c.label} ${c.phase} ${c.metric}`;
        const digits = c.unit === 'MiB' || c.unit === 'req/s' ? 1 : 2;
        assert.deepEqual([md[i]!['Deployment'], md[i]!['Phase'], md[i]!['Overhead'], md[i]!['Verdict']], [c.label, c.phase, fixed(c.diff.estimate, digits), c.verdict], what);
        const field = column[c.metric as keyof typeof column];
        if (!field) continue;
        for (const { round, value } of c.perRound) {
          const at = (label: string): number | null => {
            const run = summary.runs.find((r) => r.group === label && r.round === round)!;
            return phaseView.find((v) => v.label === run.label && v.phase === c.phase)![field];
          };
          same(at(c.label)! - at(c.baseline)!, value, `${what} round ${round}`);
        }
      }
    });
  });

/** The SQL reporter/README.md documents for the service/platform split (the block after its cost-split-sql marker). */
function documentedSplitSql(): string {
  const readme = readFileSync(join(ROOT, 'reporter', 'README.md'), 'utf8');
  const block = /<!-- cost-split-sql -->\s*```sql\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'reporter/README.md has the cost-split SQL');
  return block[1]!.replace(/^ {2}/gm, '');
}

interface SplitRow {
  label: string;
  service_cpu_ms_per_request: number;
  platform_cpu_ms_per_request: number;
  service_mem_mib: number;
  platform_mem_mib: number;
}

describe('the service/platform split agrees everywhere (a recording with platform and client rows)', () => {
  let summary: Summary;
  let split: Row[];
  let sql: SplitRow[];

  before(async () => {
    const dir = tempDir();
    makeFixture(join(dir, 'rec'), { ...SMALL_SPEC, platform: true }, ROOT);
    const out = join(dir, 'report');
    await build({ dbs: [join(dir, 'rec', 'bench.db')], csvDirs: [join(dir, 'rec', 'runs')], csvExplicit: true, labels: null, outDir: out, log: () => {}, warn: () => {} });
    summary = readSummary(join(out, 'summary.json'));
    split = tableWith(markdownTables(readFileSync(join(out, 'REPORT.md'), 'utf8')), 'Deployment', 'Service CPU ms/req', 'Platform CPU ms/req');
    const db = new Database(join(out, 'report.db'), { readonly: true });
    sql = db.prepare(documentedSplitSql()).all() as SplitRow[];
    db.close();
  });

  it('a SELECT over the documented schema gives REPORT.md\'s and summary.json\'s service and platform figures', () => {
    assert.deepEqual(sql.map((r) => r.label).sort(), summary.runs.map((r) => r.label).sort());
    for (const s of summary.runs) {
      const q = sql.find((r) => r.label === s.label)!;
      same(q.service_cpu_ms_per_request, s.cpuMsPerRequest, `${s.label} service CPU ms/request`);
      same(q.platform_cpu_ms_per_request, s.platform?.cpuMsPerRequest, `${s.label} platform CPU ms/request`);
      same(q.service_mem_mib * 2 ** 20, s.memBytes.mean, `${s.label} service memory`);
      same(q.platform_mem_mib * 2 ** 20, s.platform?.memBytes.mean, `${s.label} platform memory`);
      const md = split.find((r) => r['Deployment'] === s.label)!;
      assert.deepEqual(
        [md['Service CPU ms/req'], md['Platform CPU ms/req'], md['Service + platform CPU ms/req'], md['Service mem'], md['Platform mem'], md['Service + platform mem']],
        [fixed(q.service_cpu_ms_per_request, COST_DIGITS), fixed(q.platform_cpu_ms_per_request, COST_DIGITS),
          fixed(q.service_cpu_ms_per_request + q.platform_cpu_ms_per_request, COST_DIGITS),
          q.service_mem_mib.toFixed(1), q.platform_mem_mib.toFixed(1), (q.service_mem_mib + q.platform_mem_mib).toFixed(1)],
        s.label);
    }
  });

  it('gives every container deployment a platform share above 0, native none, and the load generator apart', () => {
    for (const s of summary.runs) {
      if (s.deployment === 'native') assert.equal(s.platform?.cpuMsPerRequest, 0, s.label);
      else assert.ok(s.platform!.cpuMsPerRequest! > 0 && s.platform!.byComponent['docker-proxy']!.cpuMsPerRequest! > 0, s.label);
      assert.ok(s.loadGenerator!.cpuMsPerRequest! > 0, `${s.label} load generator`);
      same(s.deploymentCpuMsPerRequest, s.cpuMsPerRequest! + s.platform!.cpuMsPerRequest!, `${s.label} service + platform`);
    }
    assert.ok(summary.runs.filter((s) => s.deployment === 'swarm').every((s) => s.platform!.byComponent['front']!.cpuMsPerRequest! > 0), 'the swarm front');
  });
});
