// `collector start` in the foreground (also what a detached start runs in the background): checks
// everything that can be wrong before writing anything, creates the run, records until SIGINT/SIGTERM.
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { errorText } from '../common/error-text.js';
import type { StatsSource, TickSummary } from '../contracts/recording.js';
import { PROC_IO_BLOCK_SOURCE, recordingRuns } from '../contracts/recording.js';
import { UsageError } from '../contracts/usage-error.js';
import type { CgroupVersion } from './cgroup.js';
import { detectCgroupVersion, v1BlkioCounts } from './cgroup.js';
import type { Db } from './db.js';
import { finishRun, insertEvent, insertRun, openDb } from './db.js';
import type { ContainerSource, DockerWatcherOptions } from './docker-watcher.js';
import { DockerWatcher } from './docker-watcher.js';
import { connectDocker, engineAddress, listSelected, requireEngineVersion } from './docker.js';
import { sweepInterrupted } from './liveness.js';
import type { StartOptions } from './options.js';
import { DEFAULT_DB } from './options.js';
import { hostMemoryBytes, processExists } from './proc.js';
import { clientFinder, HostProcessWatcher, platformFinder } from './host-process-watcher.js';
import { ProcessWatcher, processStatsSource, targetPid } from './process-watcher.js';
import type { Watcher } from './recorder.js';
import { record, watchAll } from './recorder.js';
import type { DockerFilters, ReplicaInfo } from './selection.js';
import { dockerQueries, frontContainerQueries, frontQueries } from './selection.js';

export function pidFilePath(db: string, label: string): string {
  return join(dirname(resolve(db)), `collector-${label}.pid`);
}
export function logFilePath(db: string, label: string): string {
  return join(dirname(resolve(db)), `collector-${label}.log`);
}

/** The DB path must be creatable/writable; only the default data/ directory is created for the user. */
export function checkDbPath(db: string): void {
  const dir = dirname(resolve(db));
  if (!existsSync(dir) && db === DEFAULT_DB) mkdirSync(dir, { recursive: true });
  try {
    if (existsSync(db)) {
      if (!statSync(db).isFile()) throw new Error('not a file');
      accessSync(db, constants.R_OK | constants.W_OK);
    } else {
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
      accessSync(dir, constants.W_OK);
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dir} does not exist` : errorText(err);
    throw new UsageError(`cannot use --db "${db}": ${why}`);
  }
}

export interface StartHooks {
  log(message: string): void;
  onReady(runId: number): void;
  signal: AbortSignal;
}

/** What a run watches and the facts about its source that go into its runs row. */
interface Source {
  watcher: Watcher;
  statsSource: StatsSource;
  selection: unknown;
  cgroupVersion: CgroupVersion | null;
  dockerVersion: string | null;
}

/** --client-pid names a process that runs now; checked before a start writes or forks anything. */
export function checkClientPid(o: StartOptions): void {
  if (o.clientPid === undefined || processExists(o.clientPid)) return;
  throw new UsageError(`--client-pid ${o.clientPid}: expected the pid of a running process (the load generator, or the process that starts it), found no process ${o.clientPid}`);
}

/** Runs a whole recording. Throws UsageError before anything is written when the input is bad. */
export async function runStart(o: StartOptions, hooks: StartHooks): Promise<TickSummary> {
  checkClientPid(o);
  checkDbPath(o.db);
  const hostMemory = hostMemoryBytes();
  const source = o.pid !== undefined || o.port !== undefined ? await processSource(o, hostMemory) : await dockerSource(o, hostMemory);
  if (o.clientPid !== undefined) {
    source.watcher = watchAll(source.watcher, new HostProcessWatcher(clientFinder(o.clientPid), hostMemory));
    source.selection = { ...(source.selection as object), clientPid: o.clientPid };
  }
  if (o.watching !== undefined) hooks.log(o.watching);
  const db = openForRecording(o.db);
  try {
    const runId = createRun(db, o, source, hostMemory);
    if (source.statsSource === 'cgroup-files' && source.cgroupVersion === 1 && !v1BlkioCounts()) {
      insertEvent(db, runId, null, Date.now(), 'block-io-source', PROC_IO_BLOCK_SOURCE);
    }
    const pidFile = pidFilePath(o.db, o.label);
    writeFileSync(pidFile, `${process.pid}\n`);
    try {
      hooks.log(`run ${runId} "${o.label}" recording every ${o.intervalMs} ms (${source.statsSource}) into ${o.db}`);
      return await recordRun(db, runId, o.intervalMs, source.watcher, hooks);
    } finally {
      rmSync(pidFile, { force: true });
    }
  } finally {
    db.close();
  }
}

/**
 * A native process: read from its own cgroup's files when it has one (the native driver's group, a
 * systemd scope), else from /proc. Decided here from the process the target names now; with --port and
 * nobody listening yet, /proc is recorded and a listener found later in a group of its own says so in an event.
 * A front container before it (--front-container: the experiment's `native-front`) is its platform.
 */
async function processSource(o: StartOptions, hostMemory: number): Promise<Source> {
  if (o.pid !== undefined && !processExists(o.pid)) throw new UsageError(`--pid: no process ${o.pid}`);
  const target = { pid: o.pid, port: o.port };
  const version = detectCgroupVersion();
  const statsSource = processStatsSource(version, targetPid(target));
  const service = new ProcessWatcher(target, hostMemory, version, statsSource);
  const selection = { pid: o.pid ?? null, port: o.port ?? null };
  const alone: Source = { watcher: service, statsSource, selection, cgroupVersion: statsSource === 'cgroup-files' ? version : null, dockerVersion: null };
  const fronts = frontContainerQueries(o.frontContainers);
  if (!o.platform || fronts.length === 0) return alone;
  const engine = await connectEngine();
  const platform = platformWatcher(containerWatcherOptions(o, engine.docker, hostMemory), fronts, () => []);
  return { ...alone, watcher: watchAll(service, platform), selection: { ...selection, platform: { front: fronts } }, dockerVersion: engine.version };
}

/** The engine, or a UsageError naming its address: containers were asked for. */
async function connectEngine(): Promise<{ docker: Docker; version: string }> {
  const docker = connectDocker();
  try {
    return { docker, version: await requireEngineVersion(docker) };
  } catch (err) {
    throw new UsageError(errorText(err));
  }
}

type ContainerWatcherOptions = Omit<DockerWatcherOptions, 'queries' | 'part'>;

function containerWatcherOptions(o: StartOptions, docker: Docker, hostMemory: number): ContainerWatcherOptions {
  const cgroupVersion = detectCgroupVersion();
  return { docker, source: containerSource(o, cgroupVersion), cgroupVersion, hostMemory, collectorHost: hostname(), intervalMs: o.intervalMs };
}

/**
 * The platform: the fronts (containers, read like the replicas: the swarm front, an HAProxy container
 * named by --front-container), then the host processes that carry the service's and the fronts'
 * containers (docker-proxy of their published ports, their shims, dockerd, containerd).
 */
function platformWatcher(options: ContainerWatcherOptions, fronts: DockerFilters[], service: () => ReplicaInfo[]): Watcher {
  const front = fronts.length > 0 ? new DockerWatcher({ ...options, queries: fronts, part: { role: 'platform', component: 'front' } }) : undefined;
  const carried = (): ReplicaInfo[] => [...service(), ...(front?.containers() ?? [])];
  const processes = new HostProcessWatcher(platformFinder(carried), options.hostMemory);
  return front ? watchAll(front, processes) : processes;
}

/** Asks the engine first: no engine, or a filter it rejects, fails here before anything is written. */
async function dockerSource(o: StartOptions, hostMemory: number): Promise<Source> {
  const { docker, version: dockerVersion } = await connectEngine();
  const queries = dockerQueries(o.selection);
  try {
    await listSelected(docker, queries);
  } catch (err) {
    const e = err as { statusCode?: number; json?: { message?: string } };
    if (e.statusCode === 400) throw new UsageError(`bad selection ${JSON.stringify(queries)}: ${e.json?.message ?? errorText(err)}`);
    throw new UsageError(`cannot list containers at ${engineAddress()}: ${errorText(err)}`);
  }
  const options = containerWatcherOptions(o, docker, hostMemory);
  const { source: statsSource, cgroupVersion } = options;
  const service = new DockerWatcher({ ...options, queries });
  const alone: Source = { watcher: service, statsSource, selection: { ...o.selection, queries }, cgroupVersion, dockerVersion };
  if (!o.platform) return alone;
  const fronts = [...frontQueries(o.selection), ...frontContainerQueries(o.frontContainers)];
  return {
    ...alone,
    watcher: watchAll(service, platformWatcher(options, fronts, () => service.containers())),
    selection: { ...o.selection, queries, platform: { front: fronts } },
  };
}

/** cgroup files when this process can read them (on the host, or a container with them mounted), else the stats stream. */
function containerSource(o: StartOptions, version: CgroupVersion): ContainerSource {
  const root = process.env['COLLECTOR_CGROUP_ROOT'] ?? '/sys/fs/cgroup';
  const readable = existsSync(version === 2 ? `${root}/cgroup.controllers` : `${root}/cpuacct/cpuacct.usage`);
  if (o.statsSource === 'cgroup-files' && !readable) {
    throw new UsageError(`--stats-source cgroup-files: ${root} is not readable here (mount it read-only, with --pid host)`);
  }
  if (o.statsSource === 'docker-api-stream') return 'docker-api-stream';
  return readable ? 'cgroup-files' : 'docker-api-stream';
}

function openForRecording(path: string): Db {
  try {
    return openDb(path, { create: true });
  } catch (err) {
    throw new UsageError(`cannot use --db "${path}": ${errorText(err)}`);
  }
}

/** The runs row, in one transaction with the check that the label is not already recording. */
function createRun(db: Db, o: StartOptions, source: Source, hostMemory: number): number {
  return db
    .transaction(() => {
      sweepInterrupted(db);
      const running = recordingRuns(db, o.label)[0];
      if (running) {
        throw new UsageError(`label "${o.label}" is already recording (run ${running.id}, pid ${running.collector_pid} on ${running.collector_host})`);
      }
      return insertRun(db, {
        label: o.label, deployment: o.deployment, startedAtMs: Date.now(), intervalMs: o.intervalMs,
        selection: source.selection, statsSource: source.statsSource, collectorPid: process.pid, collectorHost: hostname(),
        hostCpus: cpus().length, hostMemoryBytes: hostMemory, kernel: release(), cgroupVersion: source.cgroupVersion,
        dockerVersion: source.dockerVersion, modelId: o.modelId, modelDtype: o.modelDtype,
      });
    })
    .immediate();
}

/** Records until the signal; a run whose recording fails ends as interrupted. */
async function recordRun(db: Db, runId: number, intervalMs: number, watcher: Watcher, hooks: StartHooks): Promise<TickSummary> {
  let summary: TickSummary;
  try {
    summary = await record({
      db, runId, intervalMs, watcher, signal: hooks.signal, log: hooks.log, onFirstTick: () => hooks.onReady(runId),
    });
  } catch (err) {
    finishRun(db, runId, 'interrupted', Date.now());
    throw err;
  }
  hooks.log(`run ${runId} complete: ${summary.ticks} ticks, ${summary.missedTicks} missed, tick lag p99 ${summary.lagP99Ms} ms`);
  return summary;
}
