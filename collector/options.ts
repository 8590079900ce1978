// Command-line parsing: one typed options object per command, validated once. Every problem is a
// UsageError with one line naming the bad value (the CLI prints it and exits 2).
import { parseArgs } from 'node:util';
import { parseDuration } from './duration.js';
import type { SelectionFlags } from './selection.js';

export class UsageError extends Error {}

export const DEPLOYMENTS = ['native', 'docker', 'compose', 'swarm', 'other'] as const;
export type DeploymentKindOption = (typeof DEPLOYMENTS)[number];
export const STATS_SOURCES = ['auto', 'cgroup-files', 'docker-api-stream'] as const;
export type StatsSourceOption = (typeof STATS_SOURCES)[number];
export const DEFAULT_DB = 'data/bench.db';
const MIN_INTERVAL_MS = 50;
const MAX_INTERVAL_MS = 3_600_000;

export interface StartOptions {
  label: string;
  db: string;
  intervalMs: number;
  detach: boolean;
  deployment: DeploymentKindOption;
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
        [--deployment native|docker|compose|swarm|other]
        [--project P] [--service S] [--container NAME]... [--image IMG] [--filter key=value]...
        [--pid N | --port N] [--model-id ID] [--model-dtype T]
        [--stats-source auto|cgroup-files|docker-api-stream]
  stop [--label <name>] [--db data/bench.db]
  status [--db data/bench.db]
  runs [--db data/bench.db]`;

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type OptionSpecs = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

function parse(args: string[], options: OptionSpecs): { values: Values } {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }) as { values: Values };
  } catch (err) {
    // node's messages are multi-line ("Unknown option '--x'. To specify a positional …"): keep the first sentence
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(msg.split(/\. |\n/)[0]!);
  }
}

function label(value: string | undefined, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) throw new UsageError('missing --label <name>');
    return undefined;
  }
  if (!LABEL_RE.test(value)) {
    throw new UsageError(`bad --label "${value}": use letters, digits, ".", "_" or "-" (at most 64)`);
  }
  return value;
}

function positiveInt(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`bad --${flag} "${value}": expected an integer from 1 to ${max}`);
  }
  return Number(value);
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`bad --${flag} "${value}": expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`bad --${flag} "": must not be empty`);
  return value;
}

function parseStart(args: string[]): StartOptions {
  const { values: v } = parse(args, {
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
  });
  const intervalText = v.interval as string;
  const intervalMs = parseDuration(intervalText);
  if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    throw new UsageError(`bad --interval "${intervalText}": expected a duration from 50ms to 1h, like 100ms, 1s, 2.5s`);
  }
  for (const f of v.filter as string[]) {
    if (!/^[a-z][a-z-]*=./.test(f)) throw new UsageError(`bad --filter "${f}": expected key=value, like label=app=api`);
  }
  const selection: SelectionFlags = {
    project: nonEmpty('project', v.project as string | undefined),
    service: nonEmpty('service', v.service as string | undefined),
    containers: (v.container as string[]).map((c) => nonEmpty('container', c)!),
    image: nonEmpty('image', v.image as string | undefined),
    filters: v.filter as string[],
  };
  const pid = positiveInt('pid', v.pid as string | undefined, 4_194_304);
  const port = positiveInt('port', v.port as string | undefined, 65_535);
  const containerFlags =
    selection.project !== undefined || selection.service !== undefined || selection.image !== undefined ||
    selection.containers.length > 0 || selection.filters.length > 0;
  if (pid !== undefined && port !== undefined) throw new UsageError('--pid and --port exclude each other');
  if ((pid !== undefined || port !== undefined) && containerFlags) {
    throw new UsageError(`--${pid !== undefined ? 'pid' : 'port'} watches a native process: it excludes container selection flags`);
  }
  const native = pid !== undefined || port !== undefined;
  const deployment =
    oneOf('deployment', v.deployment as string | undefined, DEPLOYMENTS) ??
    (native ? 'native' : selection.project !== undefined ? 'compose' : selection.service !== undefined ? 'swarm' : 'docker');
  if (deployment === 'native' && !native) throw new UsageError('--deployment native needs --pid <pid> or --port <port>');
  const db = v.db as string;
  if (db.trim() === '') throw new UsageError('bad --db "": must not be empty');
  return {
    label: label(v.label as string | undefined, true)!,
    db,
    intervalMs,
    detach: v.detach as boolean,
    deployment,
    selection,
    pid,
    port,
    modelId: nonEmpty('model-id', v['model-id'] as string | undefined) ?? null,
    modelDtype: nonEmpty('model-dtype', v['model-dtype'] as string | undefined) ?? null,
    statsSource: oneOf('stats-source', v['stats-source'] as string, STATS_SOURCES)!,
  };
}

export function parseCommand(argv: string[]): Command {
  const [name, ...args] = argv;
  switch (name) {
    case 'start':
      return { name, options: parseStart(args), argv: args };
    case 'stop': {
      const { values: v } = parse(args, { label: { type: 'string' }, db: { type: 'string', default: DEFAULT_DB } });
      return { name, options: { label: label(v.label as string | undefined, false), db: v.db as string } };
    }
    case 'status':
    case 'runs': {
      const { values: v } = parse(args, { db: { type: 'string', default: DEFAULT_DB } });
      return { name, options: { db: v.db as string } };
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
