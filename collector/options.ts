// Command-line parsing: one typed options object per command, validated once. Every problem is a
// UsageError with one line naming the bad value (the CLI prints it and exits 2). The grammars of
// durations, labels and deployment kinds are the shared ones in contracts/.
import type { OptionSpecs } from '../common/cli-args.js';
import { parseChoice, parsePositiveInt, parseStrict } from '../common/cli-args.js';
import type { RecordedDeployment } from '../contracts/deployments.js';
import { RECORDED_DEPLOYMENTS } from '../contracts/deployments.js';
import { parseDuration, SAMPLE_INTERVAL_BOUNDS } from '../contracts/duration.js';
import { parseLabel } from '../contracts/label.js';
import { UsageError } from '../contracts/usage-error.js';
import type { SelectionFlags } from './selection.js';

/** What --stats-source accepts: a container stats source, or auto (cgroup files when readable). */
export const STATS_SOURCE_OPTIONS = ['auto', 'cgroup-files', 'docker-api-stream'] as const;
export type StatsSourceOption = (typeof STATS_SOURCE_OPTIONS)[number];
export const DEFAULT_DB = 'data/bench.db';
/** Linux's default pid_max on 64-bit systems. */
const MAX_PID = 4_194_304;

export interface StartOptions {
  label: string;
  db: string;
  intervalMs: number;
  detach: boolean;
  deployment: RecordedDeployment;
  selection: SelectionFlags;
  pid?: number;
  port?: number;
  modelId: string | null;
  modelDtype: string | null;
  statsSource: StatsSourceOption;
}

export interface StopOptions {
  label?: string;
  db: string;
}

export interface DbOptions {
  db: string;
}

export type Command =
  | { name: 'start'; options: StartOptions; argv: string[] }
  | { name: 'stop'; options: StopOptions }
  | { name: 'status'; options: DbOptions }
  | { name: 'runs'; options: DbOptions }
  | { name: 'help' };

export const USAGE = `usage: collector <command> [options]
  start --label <name> [--db data/bench.db] [--interval 1s] [--detach]
        [--deployment ${RECORDED_DEPLOYMENTS.join('|')}]
        [--project P] [--service S] [--container NAME]... [--image IMG] [--filter key=value]...
        [--pid N | --port N] [--model-id ID] [--model-dtype T]
        [--stats-source ${STATS_SOURCE_OPTIONS.join('|')}]
  stop [--label <name>] [--db data/bench.db]
  status [--db data/bench.db]
  runs [--db data/bench.db]`;

function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`--${flag}: must not be empty`);
  return value;
}

const START_FLAGS = {
  label: { type: 'string' },
  db: { type: 'string', default: DEFAULT_DB },
  interval: { type: 'string', default: '1s' },
  detach: { type: 'boolean', default: false },
  deployment: { type: 'string' },
  project: { type: 'string' },
  service: { type: 'string' },
  container: { type: 'string', multiple: true, default: [] },
  image: { type: 'string' },
  filter: { type: 'string', multiple: true, default: [] },
  pid: { type: 'string' },
  port: { type: 'string' },
  'model-id': { type: 'string' },
  'model-dtype': { type: 'string' },
  'stats-source': { type: 'string', default: 'auto' },
} satisfies OptionSpecs;

type StartValues = ReturnType<typeof parseStrict<typeof START_FLAGS>>['values'];

function parseStart(args: string[]): StartOptions {
  const { values: v } = parseStrict(args, START_FLAGS);
  if (v.label === undefined) throw new UsageError('missing --label <name>');
  const selection = parseSelection(v);
  const { pid, port } = parseNativeTarget(v, selection);
  const native = pid !== undefined || port !== undefined;
  const deployment =
    optional(v.deployment, (text) => parseChoice('deployment', text, RECORDED_DEPLOYMENTS)) ??
    (native ? 'native' : selection.project !== undefined ? 'compose' : selection.service !== undefined ? 'swarm' : 'docker');
  if (deployment === 'native' && !native) throw new UsageError('--deployment native needs --pid <pid> or --port <port>');
  return {
    label: parseLabel('label', v.label),
    db: nonEmpty('db', v.db)!,
    intervalMs: parseDuration('interval', v.interval, SAMPLE_INTERVAL_BOUNDS),
    detach: v.detach,
    deployment,
    selection,
    pid,
    port,
    modelId: nonEmpty('model-id', v['model-id']) ?? null,
    modelDtype: nonEmpty('model-dtype', v['model-dtype']) ?? null,
    statsSource: parseChoice('stats-source', v['stats-source'], STATS_SOURCE_OPTIONS),
  };
}

/** Which containers to watch; the engine judges the filters' keys and values later, once. */
function parseSelection(v: StartValues): SelectionFlags {
  for (const f of v.filter) {
    if (!/^[a-z][a-z-]*=./.test(f)) throw new UsageError(`--filter: expected key=value, like label=app=api, got '${f}'`);
  }
  return {
    project: nonEmpty('project', v.project),
    service: nonEmpty('service', v.service),
    containers: v.container.map((c) => nonEmpty('container', c)!),
    image: nonEmpty('image', v.image),
    filters: v.filter,
  };
}

/** --pid or --port: a native process, which excludes every container selection flag. */
function parseNativeTarget(v: StartValues, selection: SelectionFlags): { pid?: number; port?: number } {
  const pid = optional(v.pid, (text) => parsePositiveInt('pid', text, MAX_PID));
  const port = optional(v.port, (text) => parsePositiveInt('port', text, 65_535));
  if (pid !== undefined && port !== undefined) throw new UsageError('--pid and --port exclude each other');
  const containerFlags =
    selection.project !== undefined || selection.service !== undefined || selection.image !== undefined ||
    selection.containers.length > 0 || selection.filters.length > 0;
  if ((pid !== undefined || port !== undefined) && containerFlags) {
    throw new UsageError(`--${pid !== undefined ? 'pid' : 'port'} watches a native process: it excludes container selection flags`);
  }
  return { pid, port };
}

export function parseCommand(argv: string[]): Command {
  const [name, ...args] = argv;
  switch (name) {
    case 'start':
      return { name, options: parseStart(args), argv: args };
    case 'stop': {
      const { values: v } = parseStrict(args, { label: { type: 'string' }, db: { type: 'string', default: DEFAULT_DB } });
      return { name, options: { label: optional(v.label, (text) => parseLabel('label', text)), db: v.db } };
    }
    case 'status':
    case 'runs': {
      const { values: v } = parseStrict(args, { db: { type: 'string', default: DEFAULT_DB } });
      return { name, options: { db: v.db } };
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    default:
      throw new UsageError(`unknown command "${name}" (commands: start, stop, status, runs)`);
  }
}
