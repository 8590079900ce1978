-- llm-deploy-bench recording schema. PUBLIC INTERFACE: users query these tables directly.
-- Version lives in PRAGMA user_version (this file = 2). Only add columns/tables in later versions;
-- a reader that finds a higher user_version than it knows refuses with a clear message.
-- Version 2 added replicas.role and replicas.component (and both to samples_normalised): besides the
-- service's replicas a run records the platform that carries them (docker-proxy, the swarm front, the
-- containerd shims, dockerd, containerd) and the load generator, each as its own replica row. A version-1
-- database holds service replicas only: the collector migrates it when it records into it (every
-- existing row gets role 'service'), readers treat a missing role as 'service'.
-- Times are integers: milliseconds since the Unix epoch, UTC (suffix _ms). Sizes are bytes (suffix _bytes).
-- A missed read is a samples row whose metric columns are NULL and whose `error` says why: never zeros.

CREATE TABLE IF NOT EXISTS runs (
  id                INTEGER PRIMARY KEY,
  label             TEXT    NOT NULL,   -- user's name for the run: native, docker, compose, swarm-1, swarm-3 …; not unique
  deployment        TEXT    NOT NULL,   -- native | docker | compose | swarm | other
  status            TEXT    NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted')),
  started_at_ms     INTEGER NOT NULL,
  ended_at_ms       INTEGER,            -- NULL while recording
  interval_ms       INTEGER NOT NULL,   -- requested poll interval
  selection         TEXT    NOT NULL,   -- JSON: what the collector was told to watch
  stats_source      TEXT    NOT NULL,   -- cgroup-files | docker-api-stream | docker-api-oneshot | proc
  collector_pid     INTEGER,
  collector_host    TEXT    NOT NULL,   -- hostname of the machine (node) the collector ran on
  host_cpus         INTEGER NOT NULL,
  host_memory_bytes INTEGER NOT NULL,
  kernel            TEXT,
  cgroup_version    INTEGER,            -- 1 or 2; NULL for a native process run
  docker_version    TEXT,               -- engine version, NULL when no engine was used
  image_id          TEXT,               -- image of the watched containers (first seen)
  model_id          TEXT,               -- from the service's /health when known
  model_dtype       TEXT,
  cpu_limit         REAL,               -- cores granted to each replica (--cpus), NULL = unlimited
  ticks             INTEGER NOT NULL DEFAULT 0, -- poll ticks completed (each one is a transaction)
  last_tick_ms      INTEGER             -- when the last tick was written: liveness, and the end of an interrupted run
);
CREATE INDEX IF NOT EXISTS runs_label ON runs(label, started_at_ms);

CREATE TABLE IF NOT EXISTS replicas (
  id                 INTEGER PRIMARY KEY,
  run_id             INTEGER NOT NULL REFERENCES runs(id),
  kind               TEXT    NOT NULL CHECK (kind IN ('container', 'process')),
  name               TEXT    NOT NULL,  -- container name, or the process command (native service, host processes of the platform, the load generator)
  container_id       TEXT,              -- full id; a restarted container is a new row
  hostname           TEXT,              -- what the service writes in its CSV "Replica" column
  pid                INTEGER,           -- host pid of the main process
  image              TEXT,
  compose_project    TEXT,
  compose_service    TEXT,
  compose_number     INTEGER,
  swarm_service      TEXT,
  swarm_task_slot    INTEGER,
  swarm_task_id      TEXT,
  node               TEXT,              -- swarm node id, or the collector host for others
  cpu_limit          REAL,              -- cores (NanoCpus / 1e9, or quota/period), NULL = unlimited
  memory_limit_bytes INTEGER,           -- NULL = unlimited
  first_seen_ms      INTEGER NOT NULL,
  ended_at_ms        INTEGER,           -- set when the replica stopped or vanished
  -- v2: what the row measures. service = the deployment's replicas (the inference service); platform =
  -- what carries or runs them (its `component` says which); client = the load generator. A deployment's
  -- cost is service + platform; the client is measured apart, never in the deployment's cost.
  role               TEXT    NOT NULL DEFAULT 'service' CHECK (role IN ('service', 'platform', 'client')),
  component          TEXT               -- v2: platform: docker-proxy | front | containerd-shim | dockerd | containerd;
                                        -- client: load-generator; NULL for service rows
);
CREATE INDEX IF NOT EXISTS replicas_run ON replicas(run_id);

CREATE TABLE IF NOT EXISTS replica_labels (
  replica_id INTEGER NOT NULL REFERENCES replicas(id),
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  PRIMARY KEY (replica_id, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS samples (
  id                       INTEGER PRIMARY KEY,
  run_id                   INTEGER NOT NULL REFERENCES runs(id),
  replica_id               INTEGER NOT NULL REFERENCES replicas(id),
  ts_ms                    INTEGER NOT NULL,  -- when the counters were read
  error                    TEXT,              -- non-NULL: a missed read; metric columns are NULL
  cpu_percent              REAL,              -- docker CLI way: 100 = one core, can exceed 100; NULL on the first sample
  cpu_total_ns             INTEGER,           -- cumulative CPU time of the replica
  system_cpu_ns            INTEGER,           -- cumulative host CPU time (/proc/stat first 7 fields, like dockerd)
  online_cpus              INTEGER,
  mem_used_bytes           INTEGER,           -- as `docker stats` shows: usage minus inactive file cache
  mem_usage_bytes          INTEGER,           -- raw cgroup usage (includes page cache)
  mem_inactive_file_bytes  INTEGER,
  mem_limit_bytes          INTEGER,           -- cgroup limit, or host memory when unlimited (as docker does)
  mem_percent              REAL,
  net_rx_bytes             INTEGER,           -- cumulative, all interfaces but lo; NULL for the platform's and the client's host processes (the host's namespace is not theirs)
  net_tx_bytes             INTEGER,
  block_read_bytes         INTEGER,           -- cumulative
  block_write_bytes        INTEGER,
  pids                     INTEGER
);
CREATE INDEX IF NOT EXISTS samples_replica_ts ON samples(replica_id, ts_ms);
CREATE INDEX IF NOT EXISTS samples_run_ts ON samples(run_id, ts_ms);

-- What happened to the collector itself: engine lost/back, replica seen/ended, run interrupted.
CREATE TABLE IF NOT EXISTS events (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  replica_id INTEGER REFERENCES replicas(id),
  ts_ms      INTEGER NOT NULL,
  kind       TEXT    NOT NULL,  -- engine-lost | engine-back | replica-started | replica-ended | run-interrupted | …
  detail     TEXT
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id, ts_ms);

-- Samples with the run and replica names, CPU also normalised to the host (100 = all cores busy) and
-- to the replica's --cpus limit (100 = the limit used up; NULL when unlimited).
CREATE VIEW IF NOT EXISTS samples_normalised AS
SELECT s.*,
       r.label,
       r.deployment,
       rp.name                                       AS replica_name,
       rp.hostname                                   AS replica_hostname,
       rp.role,
       rp.component,
       s.cpu_percent / s.online_cpus                 AS cpu_host_percent,
       CASE WHEN rp.cpu_limit > 0 THEN s.cpu_percent / rp.cpu_limit END AS cpu_limit_percent
FROM samples s
JOIN runs r ON r.id = s.run_id
JOIN replicas rp ON rp.id = s.replica_id;
