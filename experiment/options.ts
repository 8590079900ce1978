// `npm run experiment` options: parsed and validated once into one typed object, before anything starts
// (`--help` is answered by the bin before this runs).
import { parseBytes, parseIntInRange, parseNonNegativeInt, parsePort, parsePositiveInt, parsePositiveNumber, parseStrict } from '../common/cli-args.js';
import {
  ALL_DEPLOYMENT_NAMES, BASELINE_DEPLOYMENT, DEPLOYMENT_NAMES, EVENT_DEPLOYMENT_NAMES, isDeploymentName, WARMUP_PHASE, whyNoFront, type DeploymentName,
} from '../contracts/deployments.js';
import { DEFAULT_EVENT_RATE_RPS, EVENT_BOUND_MS } from '../contracts/swarm-events.js';
import { parseDuration, SAMPLE_INTERVAL_BOUNDS } from '../contracts/duration.js';
import { UsageError } from '../contracts/usage-error.js';
import { CORPUS_NAMES, DEFAULT_CORPUS } from '../load/corpus.js';
import { MODEL_DTYPES, type ModelDtype } from '../service/config.js';

export interface ExperimentOptions {
  /** In the order given; a name listed again is measured again under `<name>#k` (repeatLabel). */
  readonly deployments: readonly DeploymentName[];
  /** Rounds: every deployment is measured once per round, in an order that changes between rounds. */
  readonly repeat: number;
  /** Seed of the round orders; undefined = drawn when the experiment starts (and recorded). */
  readonly seed: number | undefined;
  /**
   * Deployments measured a second time behind the HAProxy front, as a control (--front): every
   * non-swarm deployment listed, once each, labelled `<name>-front`. Empty without --front.
   */
  readonly front: readonly DeploymentName[];
  /** Whether the baseline was added a second time (the A/A pair native, native#2). */
  readonly aa: boolean;
  /** Requests of the sequential phase. */
  readonly requests: number;
  /** The concurrent phase sends this many requests instead of running for durationMs. */
  readonly concurrentRequests: number | undefined;
  /** Clients of the concurrent closed-loop phase; 1 = no concurrent phase. */
  readonly concurrency: number;
  /** Adds an open-loop phase at this rate (req/s). */
  readonly rateRps: number | undefined;
  /** Length of the concurrent and open-loop phases. */
  readonly durationMs: number;
  readonly warmupRequests: number;
  readonly timeoutMs: number;
  readonly db: string;
  /** Collector sampling interval in ms, checked against the collector's bounds before anything starts. */
  readonly intervalMs: number;
  readonly out: string;
  /** Host port for every deployment instead of the drivers' defaults (5000 / 8080). */
  readonly port: number | undefined;
  /** CPU cores per replica for the container deployments (docker --cpus, compose/swarm limits). */
  readonly cpus: number | undefined;
  /** Memory limit per replica in bytes for the container deployments. */
  readonly memoryBytes: number | undefined;
  readonly report: boolean;
  /** Where `reporter build` writes; undefined = the reporter's default (reports/latest). */
  readonly reportDir: string | undefined;
  /** --corpus as given: a bundled corpus's name or a CSV file (read and checked by openCorpus before anything starts). */
  readonly corpus: string;
  /** MODEL_DTYPE for every deployment; undefined = the environment's MODEL_DTYPE, else the service's default (q8). */
  readonly dtype: ModelDtype | undefined;
  /** Simulated Swarm nodes (Docker-in-Docker) the swarm deployments span; undefined = this engine alone. */
  readonly nodes: number | undefined;
}

/** The deployments that can span several nodes. */
export const MULTI_NODE_DEPLOYMENTS: readonly DeploymentName[] = ['swarm-1', 'swarm-3'];
/** More simulated nodes than this would not fit a small machine's memory (each runs its own dockerd). */
const MAX_NODES = 9;

/**
 * Rounds when --repeat is not given: four, so the across-round intervals rest on four values per label
 * and each of the default six labels (five deployments and the A/A pair) runs early, in the middle and
 * late, while the default run stays under about 10 minutes on a 2-core machine (swarm's up and down
 * take about 30 s of each round).
 */
export const DEFAULT_REPEAT = 4;
/** The concurrent phase's default length: enough for several collector samples per round. */
const DEFAULT_DURATION = '5s';
const MAX_SEED = 2 ** 32 - 1;

export const EXPERIMENT_USAGE = `usage: npm run experiment -- [options]
  --deployments LIST  comma-separated (default ${DEPLOYMENT_NAMES.join(',')}); a name listed again is
                      measured again as <name>#2, #3 … (native,native: an A/A pair). Also, never by default:
                      ${EVENT_DEPLOYMENT_NAMES.join(', ')}: Swarm under steady open-loop load (--rate, default
                      ${DEFAULT_EVENT_RATE_RPS} req/s) for --duration, then "docker service scale …=3" from 1 replica, or
                      "docker kill" of one replica of 3; the load stays on until the replicas share it evenly
                      again (at most ${EVENT_BOUND_MS / 1000} s); a per-second timeline in the report
  --repeat N          rounds (default ${DEFAULT_REPEAT}): each round measures every deployment once; the order
                      changes from round to round so each takes each position in turn
  --seed S            seed of the round orders, a whole number (default: drawn at start, recorded in run.json)
  --front             measure every native, docker and compose deployment listed a second time behind the
                      HAProxy front Swarm runs behind (llm-inference-front), labelled <name>-front: what a
                      load balancer costs, apart from what Swarm costs
  --aa, --no-aa       add the A/A pair: ${BASELINE_DEPLOYMENT} measured a second time as ${BASELINE_DEPLOYMENT}#2 (default: on
                      when --deployments is not given)
  --requests N        sequential phase: N requests, one at a time (default 160)
  --concurrency C     concurrent phase: C clients back to back for --duration (default 16; 1 = none)
  --concurrent-requests N  the concurrent phase sends N requests instead of running for --duration
  --rate R            add an open-loop phase at R requests/s for --duration (latency from the intended send time)
  --duration D        length of the concurrent and open-loop phases (default ${DEFAULT_DURATION}; every duration needs a
                      unit: ms, s, m or h, e.g. 500ms, 10s, 2m)
  --warmup N          warm-up requests before measuring (default 20, recorded as phase "${WARMUP_PHASE}")
  --timeout D         per-request deadline (default 10s)
  --db FILE           collector database (default data/bench.db)
  --interval D        collector sampling interval, 50ms to 1h (default 1s)
  --out DIR           run folders (default data/runs)
  --port P            host port for every deployment (default: 5000 native/docker, 8080 compose/swarm)
  --cpus N            CPU cores per replica for docker, compose and swarm (native is not limited)
  --memory SIZE       memory limit per replica for docker, compose and swarm (e.g. 512m)
  --corpus C          request corpus: ${CORPUS_NAMES.join(' or ')} (data/<name>.csv) or a CSV file of the same
                      layout (default ${DEFAULT_CORPUS}); with --dtype, the work each request asks of the model
  --dtype D           MODEL_DTYPE for every deployment: ${MODEL_DTYPES.join(' or ')} (default: MODEL_DTYPE from the
                      environment, else the service's q8); long-reviews with fp32 is the heavy work level
  --nodes N           run the swarm deployments on a swarm of N simulated nodes (2 to ${MAX_NODES}; Docker-in-Docker
                      containers on this machine, node 1 the manager), replicas spread over them, a
                      collector on every node, the nodes' databases merged in the report (default
                      --deployments swarm-3; only ${MULTI_NODE_DEPLOYMENTS.join(' and ')} can span nodes)
  --report-dir DIR    where "reporter build" writes (default: its own, reports/latest)
  --no-report         do not run "reporter build" at the end`;

/** The list as given; a name may come more than once (each repeat gets its own label). */
export function parseDeployments(value: string): DeploymentName[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`--deployments: expected a comma-separated list, got '${value}'`);
  for (const name of names) {
    const fronted = name.replace(/-front$/, '');
    if (fronted !== name && isDeploymentName(fronted)) {
      throw new UsageError(`--deployments: '${name}' is a label, not a deployment: --deployments ${fronted} --front measures ${fronted} behind the front as ${name}`);
    }
    if (!isDeploymentName(name)) {
      throw new UsageError(`--deployments: unknown deployment '${name}' (known: ${ALL_DEPLOYMENT_NAMES.join(', ')})`);
    }
  }
  return names as DeploymentName[];
}

/** The list with the A/A pair: the baseline once more, unless it is already listed twice or not at all. */
function withAaPair(names: DeploymentName[], aa: boolean): DeploymentName[] {
  const baselines = names.filter((n) => n === BASELINE_DEPLOYMENT).length;
  return aa && baselines === 1 ? [...names, BASELINE_DEPLOYMENT] : names;
}

/** The deployments --front puts behind the front: each non-swarm one listed, once; none is a usage error. */
function frontDeployments(listed: readonly DeploymentName[]): DeploymentName[] {
  const names = [...new Set(listed)];
  const fronted = names.filter((n) => whyNoFront(n) === undefined);
  if (fronted.length === 0) {
    const why = names.map((n) => whyNoFront(n)).join('; ');
    throw new UsageError(`--front: no deployment listed can go behind the front (${why}); list native, docker or compose`);
  }
  return fronted;
}

function parseSeed(value: string): number {
  return parseIntInRange('seed', value, 0, MAX_SEED);
}

/** Docker refuses limits under 6 MiB; say so here rather than once per deployment. */
function parseMemory(value: string): number {
  const bytes = parseBytes('memory', value);
  if (bytes < 6 * 1024 * 1024) throw new UsageError(`--memory: Docker needs at least 6m, got '${value}'`);
  return bytes;
}

function parseDtype(value: string): ModelDtype {
  const dtype = MODEL_DTYPES.find((d) => d === value);
  if (!dtype) throw new UsageError(`--dtype: expected one of ${MODEL_DTYPES.join(', ')}, got '${value}'`);
  return dtype;
}

export function parseExperimentArgs(argv: readonly string[]): ExperimentOptions {
  const values = parseStrict(argv, {
    deployments: { type: 'string' },
    repeat: { type: 'string', default: String(DEFAULT_REPEAT) },
    seed: { type: 'string' },
    aa: { type: 'boolean' },
    'no-aa': { type: 'boolean' },
    front: { type: 'boolean', default: false },
    requests: { type: 'string', default: '160' },
    concurrency: { type: 'string', default: '16' },
    'concurrent-requests': { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string', default: DEFAULT_DURATION },
    warmup: { type: 'string', default: '20' },
    timeout: { type: 'string', default: '10s' },
    db: { type: 'string', default: 'data/bench.db' },
    interval: { type: 'string', default: '1s' },
    out: { type: 'string', default: 'data/runs' },
    port: { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
    'report-dir': { type: 'string' },
    corpus: { type: 'string', default: DEFAULT_CORPUS },
    dtype: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    nodes: { type: 'string' },
  }).values;
  const nodes = values.nodes === undefined ? undefined : parseNodes(values.nodes);
  if (values.db.trim() === '') throw new UsageError(`--db: expected a file path, got ''`);
  if (values.out.trim() === '') throw new UsageError(`--out: expected a folder, got ''`);
  if (values.aa && values['no-aa']) throw new UsageError('--aa and --no-aa: give one or the other');
  const aa = values.aa ?? (values['no-aa'] ? false : values.deployments === undefined && nodes === undefined);
  const listed = parseDeployments(values.deployments ?? (nodes === undefined ? DEPLOYMENT_NAMES.join(',') : 'swarm-3'));
  const single = listed.filter((name) => !MULTI_NODE_DEPLOYMENTS.includes(name));
  if (nodes !== undefined && single.length > 0) {
    throw new UsageError(`--nodes: only ${MULTI_NODE_DEPLOYMENTS.join(' and ')} can span nodes, not ${[...new Set(single)].join(', ')} (run those without --nodes)`);
  }
  const deployments = withAaPair(listed, aa);
  return {
    deployments,
    repeat: parsePositiveInt('repeat', values.repeat, 100),
    seed: values.seed === undefined ? undefined : parseSeed(values.seed),
    front: values.front ? frontDeployments(listed) : [],
    aa: deployments.length > listed.length,
    requests: parsePositiveInt('requests', values.requests),
    concurrentRequests: values['concurrent-requests'] === undefined ? undefined : parsePositiveInt('concurrent-requests', values['concurrent-requests']),
    concurrency: parsePositiveInt('concurrency', values.concurrency, 10_000),
    rateRps: values.rate === undefined ? undefined : parsePositiveNumber('rate', values.rate),
    durationMs: parseDuration('duration', values.duration),
    warmupRequests: parseNonNegativeInt('warmup', values.warmup),
    timeoutMs: parseDuration('timeout', values.timeout),
    db: values.db,
    intervalMs: parseDuration('interval', values.interval, SAMPLE_INTERVAL_BOUNDS),
    out: values.out,
    port: values.port === undefined ? undefined : parsePort('port', values.port),
    cpus: values.cpus === undefined ? undefined : parsePositiveNumber('cpus', values.cpus),
    memoryBytes: values.memory === undefined ? undefined : parseMemory(values.memory),
    report: !values['no-report'],
    reportDir: values['report-dir'],
    corpus: values.corpus,
    dtype: values.dtype === undefined ? undefined : parseDtype(values.dtype),
    nodes,
  };
}

function parseNodes(value: string): number {
  return parseIntInRange('nodes', value, 2, MAX_NODES);
}

/** Service settings taken from the experiment's own environment and given to every deployment, so that
 * e.g. `MODEL_ID=Xenova/distilbert-base-uncased-finetuned-sst-2-english npm run experiment` measures that model. */
export const SERVICE_ENV_PASSTHROUGH = [
  'MODEL_ID', 'MODEL_DTYPE', 'MODEL_CACHE_DIR', 'ALLOW_REMOTE_MODELS', 'ONNX_THREADS', 'ONNX_SPINNING',
  'BATCH_MAX_SIZE', 'BATCH_MAX_WAIT_MS', 'BATCH_MAX_IN_FLIGHT', 'LONE_TEXT_MAX_MS', 'MODEL_SESSIONS',
] as const;

export function serviceEnv(env: NodeJS.ProcessEnv, dtype?: ModelDtype): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of SERVICE_ENV_PASSTHROUGH) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  // --dtype wins over the environment: the command line says what this experiment measures.
  if (dtype !== undefined) picked.MODEL_DTYPE = dtype;
  return picked;
}
