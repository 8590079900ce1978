// The summary's numbers against independent SQL over the recording (and the CSVs themselves), so the
// committed fixture can be swapped for a real recording without touching the expectations.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { build } from '../build.js';
import { fixtureCopy, type FixtureName, type Workspace } from '../fixture/workspace.js';

interface RunJson {
  label: string;
  runId: number;
  phases: Array<{ name: string; startMs: number; endMs: number }>;
}
interface SummaryRun {
  label: string;
  requests: number;
  errors: number;
  reqPerSec: number;
  client: Record<string, number>;
  server: Record<string, number>;
  cpu: Record<string, number>;
  cpuHostPct: number;
  cpuMsPerRequest: number;
  memBytes: Record<string, number>;
  memPercent: Record<string, number>;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  blockReadBytesPerRequest?: number;
  blockWriteBytesPerRequest?: number;
  clientBytesSent?: number;
  clientBytesReceived?: number;
  clientBytesSentPerRequest?: number;
  clientBytesReceivedPerRequest?: number;
  netRxBytesPerRequest?: number;
}

const close = (actual: number | undefined, expected: number, what: string): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

for (const fixture of ['recording', 'real'] as const satisfies readonly FixtureName[]) describe(`reporter build on the committed ${fixture} fixture`, () => {
  let ws: Workspace;
  let db: Database.Database;
  let runs: RunJson[];
  let summary: { runs: SummaryRun[]; replicas: Array<{ label: string; hostname: string; requests: number }> };
  let markdown: string;
  const win = (r: RunJson): [number, number] => {
    const measured = r.phases.filter((p) => p.name !== 'warmup');
    return [Math.min(...measured.map((p) => p.startMs)), Math.max(...measured.map((p) => p.endMs))];
  };
  const nearestRank = (sql: string, p: number, ...params: unknown[]): number => {
    const n = db.prepare(`SELECT COUNT(*) FROM (${sql})`).pluck().get(...params) as number;
    return db.prepare(`SELECT v FROM (${sql}) ORDER BY v LIMIT 1 OFFSET ?`).pluck().get(...params, Math.ceil((p / 100) * n) - 1) as number;
  };

  before(async () => {
    ws = fixtureCopy(fixture);
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
    db = new Database(ws.reportDb, { readonly: true });
    runs = ['native', 'docker', 'compose', 'swarm-1', 'swarm-3'].map((l) => JSON.parse(readFileSync(join(ws.runs, l, 'run.json'), 'utf8')) as RunJson);
    summary = JSON.parse(readFileSync(join(ws.out, 'summary.json'), 'utf8'));
    markdown = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
  });
  const get = (label: string): SummaryRun => summary.runs.find((r) => r.label === label)!;

  describe('import', () => {
    it('keeps every client.csv row, read independently with csv-parse', () => {
      for (const r of runs) {
        const rows = parse(readFileSync(join(ws.runs, r.label, 'client.csv')), { columns: true }) as object[];
        assert.equal(db.prepare('SELECT COUNT(*) FROM client_requests WHERE label = ?').pluck().get(r.label), rows.length, r.label);
      }
    });
    it('keeps every service CSV text as written (commas, quotes, newlines), formula guard removed', () => {
      for (const r of runs) {
        const dir = join(ws.runs, r.label, 'service');
        const expected = readdirSync(dir)
          .filter((f) => f.endsWith('.csv'))
          .flatMap((f) => (parse(readFileSync(join(dir, f)), { columns: true }) as Array<Record<string, string>>).map((row) => row['Input Text']!))
          .map((t) => (t.startsWith("'") ? t.slice(1) : t))
          .sort();
        const got = (db.prepare('SELECT input_text FROM service_requests WHERE label = ?').pluck().all(r.label) as string[]).sort();
        assert.deepEqual(got, expected, r.label);
      }
    });
  });

  describe('summary table', () => {
    it('lists every run in the experiment order', () => {
      assert.deepEqual(summary.runs.map((r) => r.label), runs.map((r) => r.label));
    });
    it('counts requests and errors in the measured window (warmup excluded)', () => {
      for (const r of runs) {
        const q = (extra: string): number =>
          db.prepare(`SELECT COUNT(*) FROM client_requests WHERE label = ? AND phase <> 'warmup' ${extra}`).pluck().get(r.label) as number;
        assert.equal(get(r.label).requests, q(''), r.label);
        assert.equal(get(r.label).errors, q(`AND (status NOT BETWEEN 200 AND 299 OR error IS NOT NULL)`), r.label);
      }
    });
    it('gives client latency p50/p90/p99/mean/max equal to nearest-rank SQL', () => {
      const sql = `SELECT latency_ms AS v FROM client_requests WHERE label = ? AND phase <> 'warmup' AND status = 200 AND error IS NULL`;
      for (const r of runs) {
        const s = get(r.label);
        for (const p of [50, 90, 99]) close(s.client[`p${p}`], nearestRank(sql, p, r.label), `${r.label} p${p}`);
        close(s.client['mean'], db.prepare(`SELECT AVG(v) FROM (${sql})`).pluck().get(r.label) as number, `${r.label} mean`);
        close(s.client['max'], db.prepare(`SELECT MAX(v) FROM (${sql})`).pluck().get(r.label) as number, `${r.label} max`);
      }
    });
    it('gives server latency percentiles from the service CSVs', () => {
      for (const r of runs) {
        const [a, b] = win(r);
        const sql = `SELECT latency_ms AS v FROM service_requests WHERE label = ? AND ts_ms BETWEEN ? AND ?`;
        for (const p of [50, 99]) close(get(r.label).server[`p${p}`], nearestRank(sql, p, r.label, a, b), `${r.label} server p${p}`);
      }
    });
    it('gives req/s as successful requests over the measured phases', () => {
      for (const r of runs) {
        const [a, b] = win(r);
        const ok = get(r.label).requests - get(r.label).errors;
        close(get(r.label).reqPerSec, ok / ((b - a) / 1000), r.label);
      }
    });
    it('sums CPU %, memory and MEM % over replicas per poll, then takes mean/p95/max', () => {
      for (const r of runs) {
        const [a, b] = win(r);
        const perPoll = (col: string): string => `SELECT SUM(${col}) AS v FROM samples s JOIN runs ON runs.id = s.run_id
          WHERE s.run_id = ? AND s.ts_ms BETWEEN ? AND ? AND s.error IS NULL AND ${col} IS NOT NULL
          GROUP BY CAST(ROUND((s.ts_ms - ?) * 1.0 / runs.interval_ms) AS INTEGER)`;
        const s = get(r.label);
        const args = [r.runId, a, b, a];
        close(s.cpu['mean'], db.prepare(`SELECT AVG(v) FROM (${perPoll('cpu_percent')})`).pluck().get(...args) as number, `${r.label} cpu mean`);
        close(s.cpu['p95'], nearestRank(perPoll('cpu_percent'), 95, ...args), `${r.label} cpu p95`);
        close(s.cpu['max'], db.prepare(`SELECT MAX(v) FROM (${perPoll('cpu_percent')})`).pluck().get(...args) as number, `${r.label} cpu max`);
        const hostCpus = db.prepare('SELECT host_cpus FROM runs WHERE id = ?').pluck().get(r.runId) as number;
        close(s.cpuHostPct, s.cpu['mean']! / hostCpus, `${r.label} cpu of host`);
        close(s.memBytes['mean'], db.prepare(`SELECT AVG(v) FROM (${perPoll('mem_used_bytes')})`).pluck().get(...args) as number, `${r.label} mem mean`);
        // MEM %: the collector's recorded mem_percent (docker stats: used ÷ limit × 100), summed the same way
        close(s.memPercent['mean'], db.prepare(`SELECT AVG(v) FROM (${perPoll('mem_percent')})`).pluck().get(...args) as number, `${r.label} MEM % mean`);
        close(s.memPercent['max'], db.prepare(`SELECT MAX(v) FROM (${perPoll('mem_percent')})`).pluck().get(...args) as number, `${r.label} MEM % max`);
      }
    });
    it('gives network (containers only), block I/O and CPU time as counter growth per replica, summed, and block I/O per successful request', () => {
      for (const r of runs) {
        const [a, b] = win(r);
        const growth = (col: string): number =>
          db.prepare(`SELECT SUM(g) FROM (SELECT MAX(${col}) - MIN(${col}) AS g FROM samples WHERE run_id = ? AND ts_ms BETWEEN ? AND ?
            AND error IS NULL GROUP BY replica_id)`).pluck().get(r.runId, a, b) as number;
        const s = get(r.label);
        const hostNamespace = db.prepare(`SELECT COUNT(*) = SUM(kind = 'process') FROM replicas WHERE run_id = ?`).pluck().get(r.runId) === 1;
        if (hostNamespace) {
          // a native process's network counters are the host's: left out, with a note
          assert.equal(s.netRxBytes, undefined, r.label);
          assert.match(markdown, new RegExp(`- ${r.label}: container network counters left out`));
        } else {
          close(s.netRxBytes, growth('net_rx_bytes'), `${r.label} rx`);
          close(s.netTxBytes, growth('net_tx_bytes'), `${r.label} tx`);
        }
        close(s.blockReadBytes, growth('block_read_bytes'), `${r.label} block read`);
        close(s.blockWriteBytes, growth('block_write_bytes'), `${r.label} block write`);
        close(s.blockReadBytesPerRequest, growth('block_read_bytes') / (s.requests - s.errors), `${r.label} block read per request`);
        close(s.blockWriteBytesPerRequest, growth('block_write_bytes') / (s.requests - s.errors), `${r.label} block write per request`);
        close(s.cpuMsPerRequest, growth('cpu_total_ns') / 1e6 / (s.requests - s.errors), `${r.label} cpu ms/request`);
      }
    });
    it('gives bytes on the wire per request from client.csv for every run, native included (none from a CSV without the byte columns)', () => {
      for (const r of runs) {
        const rows = parse(readFileSync(join(ws.runs, r.label, 'client.csv')), { columns: true }) as Array<Record<string, string>>;
        const measured = rows.filter((x) => x['phase'] !== 'warmup');
        const ok = measured.filter((x) => Number(x['status']) >= 200 && Number(x['status']) < 300 && x['error'] === '').length;
        const s = get(r.label);
        if (!('bytes_sent' in rows[0]!)) {
          assert.deepEqual([s.clientBytesSent, s.clientBytesSentPerRequest, s.clientBytesReceivedPerRequest], [undefined, undefined, undefined], r.label);
          continue;
        }
        const sum = (col: string): number => measured.reduce((n, x) => n + Number(x[col]), 0);
        close(s.clientBytesSent, sum('bytes_sent'), `${r.label} client bytes sent`);
        close(s.clientBytesReceived, sum('bytes_received'), `${r.label} client bytes received`);
        close(s.clientBytesSentPerRequest, sum('bytes_sent') / ok, `${r.label} client bytes sent per request`);
        close(s.clientBytesReceivedPerRequest, sum('bytes_received') / ok, `${r.label} client bytes received per request`);
        if (s.netRxBytes !== undefined) close(s.netRxBytesPerRequest, s.netRxBytes / ok, `${r.label} container rx per request`);
        else assert.equal(s.netRxBytesPerRequest, undefined, r.label);
      }
    });
    it('shows the same numbers in REPORT.md', () => {
      for (const r of runs) {
        const s = get(r.label);
        const row = markdown.split('\n').find((l) => l.startsWith(`| ${r.label} | complete |`));
        assert.ok(row, `no summary row for ${r.label}`);
        for (const v of [s.client['p50']!, s.client['p90']!, s.client['p99']!]) assert.ok(row.includes(` ${v.toFixed(2)} `), `${row} lacks ${v.toFixed(2)}`);
      }
    });
  });

  describe('per replica', () => {
    it('attributes service rows to replicas by host name, matching a SQL join', () => {
      const rows = db.prepare(`SELECT rep.hostname AS hostname, COUNT(*) AS n FROM service_requests q
          JOIN runs ON runs.label = q.label JOIN replicas rep ON rep.run_id = runs.id AND rep.hostname = q.replica
          WHERE q.label = 'swarm-3' AND q.ts_ms BETWEEN ? AND ? GROUP BY rep.hostname`).all(...win(runs[4]!)) as Array<{ hostname: string; n: number }>;
      assert.equal(rows.length, 3);
      for (const row of rows) assert.equal(summary.replicas.find((x) => x.hostname === row.hostname)?.requests, row.n, row.hostname);
    });
    it('gives each replica\'s client and server percentiles, matching SQL joins by request id and host name', () => {
      const r = runs[4]!;
      const [a, b] = win(r);
      const client = `SELECT c.latency_ms AS v FROM client_requests c JOIN service_requests q ON q.label = c.label AND q.request_id = c.request_id
        WHERE c.label = ? AND q.replica = ? AND c.phase <> 'warmup' AND c.status BETWEEN 200 AND 299 AND c.error IS NULL`;
      const server = `SELECT latency_ms AS v FROM service_requests WHERE label = ? AND replica = ? AND ts_ms BETWEEN ? AND ?`;
      const reps = summary.replicas.filter((x) => x.label === r.label) as unknown as Array<{ hostname: string; client: Record<string, number>; server: Record<string, number> }>;
      assert.ok(reps.length > 0);
      for (const rep of reps) {
        close(rep.client['p50'], nearestRank(client, 50, r.label, rep.hostname), `${rep.hostname} client p50`);
        close(rep.client['p99'], nearestRank(client, 99, r.label, rep.hostname), `${rep.hostname} client p99`);
        close(rep.server['p90'], nearestRank(server, 90, r.label, rep.hostname, a, b), `${rep.hostname} server p90`);
      }
    });
    it('joins every request of the recording to a sample within one interval', () => {
      const unjoined = db.prepare(`SELECT COUNT(*) FROM service_requests q WHERE q.sample_id IS NULL`).pluck().get();
      assert.equal(unjoined, 0);
      const far = db.prepare(`SELECT COUNT(*) FROM service_requests q JOIN samples s ON s.id = q.sample_id JOIN runs ON runs.id = s.run_id
        WHERE ABS(s.ts_ms - q.ts_ms) > runs.interval_ms OR s.replica_id <> q.replica_id`).pluck().get();
      assert.equal(far, 0);
    });
    it('joins each request to the NEAREST sample of its replica (no other successful read is closer)', () => {
      for (const [table, time] of [['service_requests', 'q.ts_ms'], ['client_requests', 'COALESCE(q.done_ms, q.intended_ms)']] as const) {
        const closer = db.prepare(`SELECT COUNT(*) FROM ${table} q JOIN samples s ON s.id = q.sample_id WHERE EXISTS (
            SELECT 1 FROM samples o WHERE o.replica_id = s.replica_id AND o.error IS NULL AND ABS(o.ts_ms - ${time}) < ABS(s.ts_ms - ${time}))`).pluck().get();
        assert.equal(closer, 0, table);
        const joined = db.prepare(`SELECT COUNT(*) FROM ${table} q WHERE q.sample_id IS NOT NULL`).pluck().get() as number;
        assert.ok(joined > 0, table);
      }
    });
  });

  describe('overhead against native', () => {
    it('states each deployment\'s p50 overhead in each phase with its 95 % interval', () => {
      const nativePhases = runs[0]!.phases.map((p) => p.name).filter((n) => n !== 'warmup');
      for (const label of ['docker', 'compose', 'swarm-1', 'swarm-3'])
        for (const phase of nativePhases)
          assert.match(markdown, new RegExp(`\\| ${label} \\| ${phase} \\| p50 \\| [0-9.]+ \\| [0-9.]+ \\| -?[0-9.]+ \\(-?[0-9.]+ to -?[0-9.]+\\) \\|`), `${label} ${phase}`);
    });
    it('gives overheads that are the difference of nearest-rank p50s of the two runs in that phase', () => {
      const json = JSON.parse(readFileSync(join(ws.out, 'summary.json'), 'utf8')) as {
        overheads: Array<{ label: string; phase: string; percentile: number; diff: { estimate: number; low: number; high: number } }>;
      };
      const sql = `SELECT latency_ms AS v FROM client_requests WHERE label = ? AND phase = ? AND status = 200 AND error IS NULL`;
      for (const o of json.overheads) {
        const expected = nearestRank(sql, o.percentile, o.label, o.phase) - nearestRank(sql, o.percentile, 'native', o.phase);
        close(o.diff.estimate, expected, `${o.label} ${o.phase} p${o.percentile}`);
        assert.ok(o.diff.low <= o.diff.high);
      }
      const measured = (r: RunJson): string[] => r.phases.map((p) => p.name).filter((n) => n !== 'warmup');
      const shared = runs.slice(1).reduce((n, r) => n + measured(r).filter((p) => measured(runs[0]!).includes(p)).length, 0);
      assert.equal(json.overheads.length, shared * 2);
    });
  });
});
