// Tables and views the reporter adds to the recording database. They hold only derived data (the
// imported latency CSVs and the request→replica→sample join); a build replaces a label's rows and never
// touches the collector's tables. REPORT_SCHEMA_VERSION lets a newer reporter rebuild them.
import type Database from 'better-sqlite3';

export const REPORT_SCHEMA_VERSION = 1;

const TABLES = `
CREATE TABLE report_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per run the last build reported on (a run folder and/or a recorded run).
CREATE TABLE report_runs (
  label          TEXT PRIMARY KEY,
  run_id         INTEGER,             -- runs.id of the recording, NULL when none matched
  deployment     TEXT,
  folder         TEXT,                -- data/runs/<label>/, NULL when there was no run folder
  manifest       TEXT,                -- run.json as read (JSON), NULL without one
  window_start_ms REAL,               -- measured window: load phases except warmup
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

-- Rows of the service CSVs (service/*.csv), seed 4-column form included.
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
  replica     TEXT,                   -- the CSV's Replica (host name), NULL in the seed form
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
  ok                INTEGER NOT NULL, -- 1 when status is 2xx and there is no error
  replica_id        INTEGER,
  attribution       TEXT,             -- request-id | hostname | only-replica | NULL
  sample_id         INTEGER
);
CREATE INDEX client_requests_label ON client_requests(label, phase);
`;

const VIEWS = `
-- Each client request with the replica that served it and that replica's nearest resource sample.
CREATE VIEW request_samples AS
SELECT c.label, c.phase, c.seq, c.request_id, c.done_ms, c.latency_ms, c.server_latency_ms, c.status, c.ok,
       r.hostname AS replica, r.name AS replica_name, c.attribution,
       s.ts_ms AS sample_ts_ms, s.cpu_percent, s.mem_used_bytes, s.net_rx_bytes, s.net_tx_bytes, s.pids
FROM client_requests c
LEFT JOIN replicas r ON r.id = c.replica_id
LEFT JOIN samples s ON s.id = c.sample_id;

-- The same for service CSV rows (the only join possible for seed CSVs, which have no client side).
CREATE VIEW service_request_samples AS
SELECT q.label, q.phase, q.ts_ms, q.latency_ms, q.prediction, q.request_id, r.hostname AS replica, q.attribution,
       s.ts_ms AS sample_ts_ms, s.cpu_percent, s.mem_used_bytes, s.net_rx_bytes, s.net_tx_bytes
FROM service_requests q
LEFT JOIN replicas r ON r.id = q.replica_id
LEFT JOIN samples s ON s.id = q.sample_id;

-- Per run: client requests, errors, latency percentiles (nearest rank) and achieved req/s, warmup excluded.
CREATE VIEW run_summary AS
WITH measured AS (
  SELECT label, latency_ms,
         ROW_NUMBER() OVER (PARTITION BY label ORDER BY latency_ms) AS rn,
         COUNT(*) OVER (PARTITION BY label) AS n
  FROM client_requests WHERE ok = 1 AND phase <> 'warmup'
), pct AS (
  SELECT label, n,
         MIN(CASE WHEN rn * 100 >= 50 * n THEN latency_ms END) AS p50_ms,
         MIN(CASE WHEN rn * 100 >= 90 * n THEN latency_ms END) AS p90_ms,
         MIN(CASE WHEN rn * 100 >= 99 * n THEN latency_ms END) AS p99_ms,
         AVG(latency_ms) AS mean_ms, MAX(latency_ms) AS max_ms
  FROM measured GROUP BY label
)
SELECT rr.label, rr.deployment, rr.run_id, runs.status,
       (SELECT COUNT(*) FROM client_requests c WHERE c.label = rr.label AND c.phase <> 'warmup') AS requests,
       (SELECT COUNT(*) FROM client_requests c WHERE c.label = rr.label AND c.phase <> 'warmup' AND c.ok = 0) AS errors,
       pct.p50_ms, pct.p90_ms, pct.p99_ms, pct.mean_ms, pct.max_ms,
       pct.n * 1000.0 / NULLIF(rr.window_end_ms - rr.window_start_ms, 0) AS req_per_s
FROM report_runs rr
LEFT JOIN runs ON runs.id = rr.run_id
LEFT JOIN pct ON pct.label = rr.label;

-- Per replica of each reported run: samples in the measured window, CPU (docker-CLI %, 100 = one core),
-- memory, and counter growth (MAX - MIN: exact unless a counter restarted) of network and block I/O.
CREATE VIEW replica_summary AS
SELECT rr.label, r.id AS replica_id, r.name, r.hostname, COUNT(s.id) AS samples,
       AVG(s.cpu_percent) AS cpu_mean_pct, MAX(s.cpu_percent) AS cpu_max_pct,
       AVG(s.cpu_percent) / runs.host_cpus AS cpu_mean_host_pct,
       AVG(s.mem_used_bytes) AS mem_mean_bytes, MAX(s.mem_used_bytes) AS mem_max_bytes,
       MAX(s.net_rx_bytes) - MIN(s.net_rx_bytes) AS net_rx_bytes, MAX(s.net_tx_bytes) - MIN(s.net_tx_bytes) AS net_tx_bytes,
       MAX(s.block_read_bytes) - MIN(s.block_read_bytes) AS block_read_bytes,
       MAX(s.block_write_bytes) - MIN(s.block_write_bytes) AS block_write_bytes,
       (SELECT COUNT(*) FROM service_requests q WHERE q.label = rr.label AND q.replica_id = r.id
          AND (q.phase IS NULL OR q.phase <> 'warmup')) AS requests
FROM report_runs rr
JOIN runs ON runs.id = rr.run_id
JOIN replicas r ON r.run_id = rr.run_id
LEFT JOIN samples s ON s.replica_id = r.id AND s.error IS NULL
     AND s.ts_ms BETWEEN COALESCE(rr.window_start_ms, runs.started_at_ms) AND COALESCE(rr.window_end_ms, runs.ended_at_ms, 9e15)
GROUP BY rr.label, r.id;
`;

const OWN_OBJECTS = [
  ['view', 'request_samples'],
  ['view', 'service_request_samples'],
  ['view', 'run_summary'],
  ['view', 'replica_summary'],
  ['table', 'client_requests'],
  ['table', 'service_requests'],
  ['table', 'report_phases'],
  ['table', 'report_runs'],
  ['table', 'report_meta'],
] as const;

/** Creates the reporter's tables and views, rebuilding them when they come from another version. */
export function ensureReportSchema(db: Database.Database): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'report_meta'").get() !== undefined;
  const version = hasMeta
    ? (db.prepare("SELECT value FROM report_meta WHERE key = 'schema_version'").pluck().get() as string | undefined)
    : undefined;
  if (version === String(REPORT_SCHEMA_VERSION)) return;
  db.transaction(() => {
    for (const [kind, name] of OWN_OBJECTS) db.exec(`DROP ${kind.toUpperCase()} IF EXISTS ${name}`);
    db.exec(TABLES);
    db.exec(VIEWS);
    db.prepare("INSERT INTO report_meta (key, value) VALUES ('schema_version', ?)").run(String(REPORT_SCHEMA_VERSION));
  })();
}
