// The reporter's own tables and views, in report.db beside the report (never in the recording). They
// hold derived data: the imported latency CSVs, the request→replica→sample join, and views that compute
// the report's headline figures with the same definitions as summary.json (see README "The views").
// report.db also holds a copy of the recorded tables the report is built on (merge.ts), so it answers
// queries on its own, with any SQLite client.
import type Database from 'better-sqlite3';
import { WARMUP_PHASE } from '../contracts/deployments.js';
import { replicasWithRoles } from '../contracts/recording.js';

export const REPORT_SCHEMA_VERSION = 3;

const TABLES = `
CREATE TABLE report_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per run the build reported on (a run folder and/or a recorded run).
CREATE TABLE report_runs (
  label          TEXT PRIMARY KEY,
  run_id         INTEGER,             -- runs.id of the recording, NULL when none matched
  deployment     TEXT,
  folder         TEXT,                -- data/runs/<label>/, NULL when there was no run folder
  manifest       TEXT,                -- run.json as read (JSON), NULL without one
  has_client_csv INTEGER NOT NULL,    -- 1 when the run folder had client.csv (else requests are service rows)
  window_start_ms REAL,               -- measured window: load phases except the warm-up
  window_end_ms   REAL,
  built_at_ms    INTEGER NOT NULL
);

CREATE TABLE report_phases (
  label       TEXT NOT NULL,
  name        TEXT NOT NULL,
  start_ms    REAL NOT NULL,
  end_ms      REAL NOT NULL,
  concurrency INTEGER,
  rate_rps    REAL,
  requests    INTEGER,
  PRIMARY KEY (label, name, start_ms)
);

-- Rows of the service CSVs (service/*.csv), the 4-column form included.
CREATE TABLE service_requests (
  id          INTEGER PRIMARY KEY,
  label       TEXT NOT NULL,
  run_id      INTEGER,
  file        TEXT NOT NULL,
  line        INTEGER NOT NULL,
  ts_ms       REAL NOT NULL,          -- the service's Timestamp, ms since epoch UTC
  latency_ms  REAL NOT NULL,          -- server-side inference latency
  prediction  TEXT,
  input_text  TEXT,
  score       REAL,
  replica     TEXT,                   -- the CSV's Replica (host name), NULL in the 4-column form
  request_id  TEXT,
  batch_size  INTEGER,
  phase       TEXT,                   -- load phase whose window holds ts_ms, NULL outside all phases
  replica_id  INTEGER,                -- replicas.id that served it, NULL = unattributed
  attribution TEXT,                   -- hostname | only-replica | NULL
  sample_id   INTEGER                 -- nearest samples.id of that replica within one interval
);
CREATE INDEX service_requests_label ON service_requests(label, phase);
CREATE INDEX service_requests_request ON service_requests(label, request_id);

-- Rows of client.csv (the load generator's record of every request).
CREATE TABLE client_requests (
  id                INTEGER PRIMARY KEY,
  label             TEXT NOT NULL,
  run_id            INTEGER,
  file              TEXT NOT NULL,
  line              INTEGER NOT NULL,
  phase             TEXT NOT NULL,
  seq               INTEGER NOT NULL,
  request_id        TEXT,
  intended_ms       REAL NOT NULL,
  sent_ms           REAL,
  done_ms           REAL,
  latency_ms        REAL,             -- done - intended (coordinated-omission safe)
  status            INTEGER NOT NULL, -- 0 = no response
  error             TEXT,
  server_latency_ms REAL,
  replica           TEXT,
  prediction        TEXT,
  bytes_sent        INTEGER,          -- on the load generator's socket (HTTP head + body); NULL in an older CSV
  bytes_received    INTEGER,
  ok                INTEGER NOT NULL, -- 1 when status is 2xx and there is no error
  replica_id        INTEGER,
  attribution       TEXT,             -- request-id | hostname | only-replica | NULL
  sample_id         INTEGER
);
CREATE INDEX client_requests_label ON client_requests(label, phase);
`;

/** The warm-up phase's name as an SQL string literal: views cannot take bound parameters. */
const WARMUP = `'${WARMUP_PHASE.replaceAll("'", "''")}'`;

/** Nearest-rank percentile columns (the value at rank ceil(p/100 · n)) over rows numbered `rn` of `n`. */
const percentiles = (prefix: string, ps: readonly number[]): string =>
  ps.map((p) => `MIN(CASE WHEN rn * 100 >= ${p} * n THEN v END) AS ${prefix}p${p}_ms`).join(', ');

/** Rows of `source` (columns: the keys, v) numbered by v within each key group. */
const ranked = (source: string, keys: string): string =>
  `SELECT ${keys}, v, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY ${keys}) AS n FROM (${source})`;

const JOIN_VIEWS = `
-- Each client request with the replica that served it and that replica's nearest resource sample.
CREATE VIEW request_samples AS
SELECT c.label, c.phase, c.seq, c.request_id, c.done_ms, c.latency_ms, c.server_latency_ms, c.status, c.ok,
       r.hostname AS replica, r.name AS replica_name, c.attribution,
       s.ts_ms AS sample_ts_ms, s.cpu_percent, s.mem_used_bytes, s.net_rx_bytes, s.net_tx_bytes, s.pids
FROM client_requests c
LEFT JOIN replicas r ON r.id = c.replica_id
LEFT JOIN samples s ON s.id = c.sample_id;

-- The same for service CSV rows (the only join possible for a service CSV without a client side).
CREATE VIEW service_request_samples AS
SELECT q.label, q.phase, q.ts_ms, q.latency_ms, q.prediction, q.request_id, r.hostname AS replica, q.attribution,
       s.ts_ms AS sample_ts_ms, s.cpu_percent, s.mem_used_bytes, s.net_rx_bytes, s.net_tx_bytes
FROM service_requests q
LEFT JOIN replicas r ON r.id = q.replica_id
LEFT JOIN samples s ON s.id = q.sample_id;
`;

/** `replicas` is the recorded table, or (version 1) its rows with role 'service' (contracts/recording.ts replicasWithRoles). */
const growthViews = (replicas: string): string => `
-- The windows figures are computed over: each run's measured window (phase NULL) and each measured phase.
CREATE VIEW report_windows AS
SELECT rr.label, NULL AS phase, rr.run_id,
       COALESCE(rr.window_start_ms, runs.started_at_ms) AS start_ms,
       COALESCE(rr.window_end_ms, runs.ended_at_ms, 9007199254740991) AS end_ms
FROM report_runs rr JOIN runs ON runs.id = rr.run_id
UNION ALL
SELECT p.label, p.name, rr.run_id, p.start_ms, p.end_ms
FROM report_phases p JOIN report_runs rr ON rr.label = p.label
WHERE p.name <> ${WARMUP} AND rr.run_id IS NOT NULL;

-- Growth of each cumulative counter per replica and window, over its successful readings in time order;
-- a reading lower than the one before means the counter restarted, so it counts as growth since then.
-- NULL with fewer than two readings.
CREATE VIEW replica_counter_growth AS
WITH readings AS (
  SELECT w.label, w.phase, s.replica_id, s.ts_ms, s.cpu_total_ns, s.net_rx_bytes, s.net_tx_bytes, s.block_read_bytes, s.block_write_bytes
  FROM report_windows w JOIN samples s ON s.run_id = w.run_id AND s.error IS NULL AND s.ts_ms BETWEEN w.start_ms AND w.end_ms
), values_ AS (
            SELECT label, phase, replica_id, ts_ms, 'cpu_total_ns' AS counter, cpu_total_ns AS v FROM readings WHERE cpu_total_ns IS NOT NULL
  UNION ALL SELECT label, phase, replica_id, ts_ms, 'net_rx_bytes', net_rx_bytes FROM readings WHERE net_rx_bytes IS NOT NULL
  UNION ALL SELECT label, phase, replica_id, ts_ms, 'net_tx_bytes', net_tx_bytes FROM readings WHERE net_tx_bytes IS NOT NULL
  UNION ALL SELECT label, phase, replica_id, ts_ms, 'block_read_bytes', block_read_bytes FROM readings WHERE block_read_bytes IS NOT NULL
  UNION ALL SELECT label, phase, replica_id, ts_ms, 'block_write_bytes', block_write_bytes FROM readings WHERE block_write_bytes IS NOT NULL
), steps AS (
  SELECT label, phase, replica_id, counter, v, LAG(v) OVER (PARTITION BY label, phase, replica_id, counter ORDER BY ts_ms) AS prev
  FROM values_
), growth AS (
  SELECT label, phase, replica_id, counter,
         CASE WHEN COUNT(*) >= 2 THEN SUM(CASE WHEN prev IS NULL THEN 0 WHEN v >= prev THEN v - prev ELSE v END) END AS g
  FROM steps GROUP BY label, phase, replica_id, counter
)
SELECT g.label, g.phase, g.replica_id, r.kind, r.role, r.component,
       MAX(CASE WHEN counter = 'cpu_total_ns' THEN g END) AS cpu_total_ns,
       MAX(CASE WHEN counter = 'net_rx_bytes' THEN g END) AS net_rx_bytes,
       MAX(CASE WHEN counter = 'net_tx_bytes' THEN g END) AS net_tx_bytes,
       MAX(CASE WHEN counter = 'block_read_bytes' THEN g END) AS block_read_bytes,
       MAX(CASE WHEN counter = 'block_write_bytes' THEN g END) AS block_write_bytes
FROM growth g JOIN ${replicas} r ON r.id = g.replica_id
GROUP BY g.label, g.phase, g.replica_id;

-- Per window, summed over the service's replicas (role 'service': the platform's and the load generator's
-- rows are reported apart). A native process's network counters are the host's, not the service's: left
-- out (NULL), as in the report.
CREATE VIEW window_resources AS
SELECT label, phase, SUM(cpu_total_ns) / 1e6 AS cpu_time_ms,
       SUM(CASE WHEN kind = 'process' THEN NULL ELSE net_rx_bytes END) AS net_rx_bytes,
       SUM(CASE WHEN kind = 'process' THEN NULL ELSE net_tx_bytes END) AS net_tx_bytes,
       SUM(block_read_bytes) AS block_read_bytes, SUM(block_write_bytes) AS block_write_bytes
FROM replica_counter_growth WHERE role = 'service' GROUP BY label, phase;
`;

const measuredClient = `SELECT label, phase, latency_ms AS v FROM client_requests WHERE ok = 1 AND phase <> ${WARMUP}`;
const measuredService = `SELECT label, phase, latency_ms AS v FROM service_requests WHERE phase IS NULL OR phase <> ${WARMUP}`;

/** Byte totals ÷ successful requests as `<name>_per_request` columns (NULL when none succeeded): one rule
 * for run_summary and phase_summary. `counts` aliases the view's client counts (ok, bytes_sent,
 * bytes_received); both views join window_resources as `res`. */
const perRequestColumns = (counts: string): string =>
  [
    [`${counts}.bytes_sent`, 'client_bytes_sent'], [`${counts}.bytes_received`, 'client_bytes_received'],
    ['res.block_read_bytes', 'block_read_bytes'], ['res.block_write_bytes', 'block_write_bytes'],
  ]
    .map(([total, name]) => `CASE WHEN ${counts}.ok > 0 THEN ${total} * 1.0 / ${counts}.ok END AS ${name}_per_request`)
    .join(',\n       ');

const summaryViews = (replicas: string): string => `
-- Per run, over its measured window (every load phase but the warm-up): the figures of summary.json's
-- runs and REPORT.md's summary tables. Requests are client rows, or service rows for a run without
-- client.csv; latency percentiles are nearest-rank over the successful requests.
CREATE VIEW run_summary AS
WITH client AS (SELECT label, ${percentiles('', [50, 90, 99])}, AVG(v) AS mean_ms, MAX(v) AS max_ms
                FROM (${ranked(measuredClient, 'label')}) GROUP BY label),
     server AS (SELECT label, COUNT(*) AS rows_, ${percentiles('server_', [50, 99])}
                FROM (${ranked(measuredService, 'label')}) GROUP BY label),
     counts AS (SELECT label, COUNT(*) AS requests, SUM(ok) AS ok, SUM(bytes_sent) AS bytes_sent, SUM(bytes_received) AS bytes_received
                FROM client_requests WHERE phase <> ${WARMUP} GROUP BY label),
     totals AS (SELECT rr.label,
                       CASE WHEN rr.has_client_csv THEN COALESCE(counts.requests, 0) ELSE COALESCE(server.rows_, 0) END AS requests,
                       CASE WHEN rr.has_client_csv THEN COALESCE(counts.ok, 0) ELSE COALESCE(server.rows_, 0) END AS ok,
                       counts.bytes_sent, counts.bytes_received
                FROM report_runs rr LEFT JOIN counts ON counts.label = rr.label LEFT JOIN server ON server.label = rr.label)
SELECT rr.label, rr.deployment, rr.run_id, t.requests, t.ok, t.requests - t.ok AS errors,
       client.p50_ms, client.p90_ms, client.p99_ms, client.mean_ms, client.max_ms, server.server_p50_ms, server.server_p99_ms,
       CASE WHEN rr.window_end_ms > rr.window_start_ms THEN t.ok * 1000.0 / (rr.window_end_ms - rr.window_start_ms) END AS req_per_s,
       CASE WHEN t.ok > 0 THEN res.cpu_time_ms / t.ok END AS cpu_ms_per_request,
       res.cpu_time_ms, res.net_rx_bytes, res.net_tx_bytes, res.block_read_bytes, res.block_write_bytes,
       t.bytes_sent AS client_bytes_sent, t.bytes_received AS client_bytes_received,
       ${perRequestColumns('t')}
FROM report_runs rr
JOIN totals t ON t.label = rr.label
LEFT JOIN client ON client.label = rr.label
LEFT JOIN server ON server.label = rr.label
LEFT JOIN window_resources res ON res.label = rr.label AND res.phase IS NULL;

-- Per measured load phase of each run: the figures of summary.json's phases (the experiment's closing
-- table). Requests are the phase's client rows; req/s is successful requests over the phase's duration.
CREATE VIEW phase_summary AS
WITH client AS (SELECT label, phase, ${percentiles('', [50, 90, 99])}, AVG(v) AS mean_ms, MAX(v) AS max_ms
                FROM (${ranked(measuredClient, 'label, phase')}) GROUP BY label, phase),
     server AS (SELECT label, phase, ${percentiles('server_', [50, 99])}
                FROM (${ranked(measuredService, 'label, phase')}) GROUP BY label, phase),
     counts AS (SELECT label, phase, COUNT(*) AS requests, SUM(ok) AS ok, SUM(bytes_sent) AS bytes_sent, SUM(bytes_received) AS bytes_received
                FROM client_requests GROUP BY label, phase)
SELECT p.label, p.name AS phase, p.concurrency, p.rate_rps, COALESCE(c.requests, 0) AS requests, COALESCE(c.ok, 0) AS ok,
       COALESCE(c.requests - c.ok, 0) AS errors,
       client.p50_ms, client.p90_ms, client.p99_ms, client.mean_ms, client.max_ms, server.server_p50_ms, server.server_p99_ms,
       CASE WHEN p.end_ms > p.start_ms AND c.requests > 0 THEN c.ok * 1000.0 / (p.end_ms - p.start_ms) END AS req_per_s,
       CASE WHEN c.ok > 0 THEN res.cpu_time_ms / c.ok END AS cpu_ms_per_request,
       res.cpu_time_ms, res.net_rx_bytes, res.net_tx_bytes, res.block_read_bytes, res.block_write_bytes,
       c.bytes_sent AS client_bytes_sent, c.bytes_received AS client_bytes_received,
       ${perRequestColumns('c')}
FROM report_phases p
LEFT JOIN counts c ON c.label = p.label AND c.phase = p.name
LEFT JOIN client ON client.label = p.label AND client.phase = p.name
LEFT JOIN server ON server.label = p.label AND server.phase = p.name
LEFT JOIN window_resources res ON res.label = p.label AND res.phase = p.name
WHERE p.name <> ${WARMUP};

-- Per replica of each reported run, over the run's measured window: the service rows it wrote, their
-- latency, and its counter growth (restart-aware, as above). CPU ms per request divides by those rows.
CREATE VIEW replica_summary AS
WITH served AS (SELECT label, replica_id, COUNT(*) AS requests, SUM(sample_id IS NOT NULL) AS joined
                FROM service_requests WHERE replica_id IS NOT NULL AND (phase IS NULL OR phase <> ${WARMUP}) GROUP BY label, replica_id),
     server AS (SELECT label, replica_id, ${percentiles('server_', [50, 99])}
                FROM (${ranked(`SELECT label, replica_id, latency_ms AS v FROM service_requests WHERE replica_id IS NOT NULL AND (phase IS NULL OR phase <> ${WARMUP})`, 'label, replica_id')})
                GROUP BY label, replica_id)
SELECT rr.label, r.id AS replica_id, r.name, r.hostname, COALESCE(served.requests, 0) AS requests, COALESCE(served.joined, 0) AS joined,
       server.server_p50_ms, server.server_p99_ms,
       CASE WHEN served.requests > 0 THEN g.cpu_total_ns / 1e6 / served.requests END AS cpu_ms_per_request,
       g.cpu_total_ns / 1e6 AS cpu_time_ms,
       CASE WHEN r.kind = 'process' THEN NULL ELSE g.net_rx_bytes END AS net_rx_bytes,
       CASE WHEN r.kind = 'process' THEN NULL ELSE g.net_tx_bytes END AS net_tx_bytes,
       g.block_read_bytes, g.block_write_bytes
FROM report_runs rr
JOIN ${replicas} r ON r.run_id = rr.run_id AND r.role = 'service'
LEFT JOIN served ON served.label = rr.label AND served.replica_id = r.id
LEFT JOIN server ON server.label = rr.label AND server.replica_id = r.id
LEFT JOIN replica_counter_growth g ON g.label = rr.label AND g.phase IS NULL AND g.replica_id = r.id;
`;

/** The views `reporter query` documents (README "The views"); the others above are their building blocks. */
export const DOCUMENTED_VIEWS = ['run_summary', 'phase_summary', 'replica_summary', 'request_samples', 'service_request_samples'] as const;

/** Every table and view above, views first (a view may use a table). */
const REPORT_OBJECTS = [
  ['VIEW', 'replica_summary'], ['VIEW', 'phase_summary'], ['VIEW', 'run_summary'], ['VIEW', 'window_resources'],
  ['VIEW', 'replica_counter_growth'], ['VIEW', 'report_windows'], ['VIEW', 'service_request_samples'], ['VIEW', 'request_samples'],
  ['TABLE', 'client_requests'], ['TABLE', 'service_requests'], ['TABLE', 'report_phases'], ['TABLE', 'report_runs'], ['TABLE', 'report_meta'],
  ['TABLE', 'replica_nodes'],
] as const;

/**
 * Drops the reporter's tables and views from a copy of a recording: earlier reporter versions wrote them
 * into the recording itself, so an old recording carries them.
 */
export function dropReportSchema(db: Database.Database): void {
  db.transaction(() => {
    for (const [kind, name] of REPORT_OBJECTS) db.exec(`DROP ${kind} IF EXISTS ${name}`);
  })();
}

/** Creates the reporter's tables and views in a new report.db; `recordings` are the inputs it was built from. */
export function createReportSchema(db: Database.Database, recordings: readonly string[]): void {
  db.transaction(() => {
    db.exec(TABLES);
    db.exec(JOIN_VIEWS);
    const replicas = replicasWithRoles(db);
    db.exec(growthViews(replicas));
    db.exec(summaryViews(replicas));
    const meta = db.prepare('INSERT INTO report_meta (key, value) VALUES (?, ?)');
    meta.run('schema_version', String(REPORT_SCHEMA_VERSION));
    meta.run('recordings', JSON.stringify(recordings));
  })();
}
