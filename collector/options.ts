// Command-line parsing: one typed options object per command, validated once. Every problem is a
// UsageError with one line naming the bad value (the CLI prints it and exits 2). The grammars of
// durations, labels and deployment kinds are the shared ones in contracts/; what a start with no
// selection flag watches is defaults.ts's. `--help` after any command answers with that command's usage.
import type { OptionSpecs } from '../common/cli-args.js';
import { parseChoice, parsePositiveInt, parseStrict, wantsHelp } from '../common/cli-args.js';
import type { RecordedDeployment } from '../contracts/deployments.js';
import {
  DEFAULT_COMPOSE_PROJECT, DEFAULT_CONTAINER, DEFAULT_IMAGE, DEFAULT_SERVICE, NATIVE_PORT, RECORDED_DEPLOYMENTS,
} from '../contracts/deployments.js';
import { parseDuration, SAMPLE_INTERVAL_BOUNDS } from '../contracts/duration.js';
import { LABEL_RULE, parseLabel } from '../contracts/label.js';
import { UsageError } from '../contracts/usage-error.js';
import { composeProjects, defaultTargets, LABEL_DEPLOYMENTS } from './defaults.js';
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
  /** What a start with no selection flag watches, for stderr; undefined when flags named the targets. */
  watching?: string;
  modelId: string | null;
  modelDtype: string | null;
  statsSource: StatsSourceOption;
  /** Sample what carries the containers (docker-proxy, swarm front, shims, dockerd, containerd) as platform rows. */
  platform: boolean;
  /** The load generator (this pid, and its children that run it), sampled as client rows. */
  clientPid?: number;
  /** Containers the traffic goes through first (an HAProxy front), sampled as platform rows (component front). */
  frontContainers: string[];
}

export interface StopOptions {
  label?: string;
  db: string;
}

export interface DbOptions {
  db: string;
}

export const COMMANDS = ['start', 'stop', 'status', 'runs'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type Command =
  | { name: 'start'; options: StartOptions; argv: string[] }
  | { name: 'stop'; options: StopOptions }
  | { name: 'status'; options: DbOptions }
  | { name: 'runs'; options: DbOptions }
  | { name: 'help'; topic?: CommandName };

const DB_LINE = '  --db <file>             the recording database (default data/bench.db)';

const USAGES: Record<CommandName, string> = {
  start: `usage: collector start --label <name> [options]
Records a run: every watched replica's CPU, memory, network, block I/O and pids, once per interval.
  --label <name>          the run's name (required): ${LABEL_RULE}
${DB_LINE}
  --interval <duration>   time between samples, with a unit: 500ms, 1s, 2m (default 1s)
  --detach                record in the background; prints the run id once the first sample is written
  --deployment <kind>     what the run is recorded as: ${RECORDED_DEPLOYMENTS.join(', ')}
                          (default: the label's deployment, else from the selection, else docker)
  --model-id ID, --model-dtype T   the model, stored with the run
  --stats-source <source> how container counters are read: ${STATS_SOURCE_OPTIONS.join(', ')} (default auto)
  --no-platform           do not sample the platform (with containers: docker-proxy of their published
                          ports, the swarm front, their containerd shims, dockerd, containerd)
  --front-container NAME  a container the traffic goes through before the selection (a load balancer
                          in front of it): sampled as platform (component front), with what carries it;
                          repeatable; with --pid/--port too
  --client-pid N          sample the load generator as the run's client: process N when it runs the load
                          generator, and its child processes that do (the experiment passes its own pid)
selection (different flags are ANDed):
  --project P             the containers of Compose project P
  --service S             the tasks of swarm service S (with --project: Compose service S)
  --container NAME        a container by its exact name; repeatable
  --image IMG             the containers of image IMG
  --filter key=value      a Docker list filter, e.g. label=app=api; repeatable
  --pid N | --port N      a native process: pid N, or whoever listens on TCP port N
with no selection flag, a label that is a deployment's name (${LABEL_DEPLOYMENTS.join(', ')}), alone or
followed by a repeat number (compose#2), watches that deployment's default targets and is recorded as it:
  native                  the process listening on port ${NATIVE_PORT}
  docker                  container ${DEFAULT_CONTAINER}
  compose                 Compose project ${DEFAULT_COMPOSE_PROJECT}, and the project plain \`docker-compose up\` names
                          after the project folder (or COMPOSE_PROJECT_NAME)
  swarm, swarm-1, swarm-3 the tasks of swarm service ${DEFAULT_SERVICE}
any other label watches the containers of image ${DEFAULT_IMAGE} and the tasks of swarm service
${DEFAULT_SERVICE}, recorded as docker, and says so on stderr.`,
  stop: `usage: collector stop [--label <name>] [--db <file>]
Stops a recording run's collector and waits until the run is closed.
  --label <name>          the run to stop (default: the only recording run)
${DB_LINE}`,
  status: `usage: collector status [--db <file>]
Lists the runs recording now: pid, host, since, interval, samples, replicas, last sample.
Runs whose collector is gone are marked interrupted first.
${DB_LINE}`,
  runs: `usage: collector runs [--db <file>]
Lists every recorded run: label, deployment, status, start and end, interval, samples, replicas.
${DB_LINE}`,
};

/** The usage of one command, or the overview. */
export function usage(topic?: CommandName): string {
  if (topic !== undefined) return USAGES[topic];
  return `usage: collector <command> [options]
commands:
  start --label <name> [options]   record a run (foreground, or --detach)
  stop [--label <name>]            stop a recording run
  status                           the runs recording now
  runs                             every recorded run
  help [command]                   this text, or one command's options (also: collector <command> --help)`;
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

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
  'no-platform': { type: 'boolean', default: false },
  'client-pid': { type: 'string' },
  'front-container': { type: 'string', multiple: true, default: [] },
} satisfies OptionSpecs;

type StartValues = ReturnType<typeof parseStrict<typeof START_FLAGS>>['values'];

function parseStart(args: string[]): StartOptions {
  const { values: v } = parseStrict(args, START_FLAGS);
  if (v.label === undefined) throw new UsageError('missing --label <name>');
  const label = parseLabel('label', v.label);
  const flagged = parseSelection(v);
  const native = parseNativeTarget(v, flagged);
  const chosen = optional(v.deployment, (text) => parseChoice('deployment', text, RECORDED_DEPLOYMENTS));
  const named = native.pid !== undefined || native.port !== undefined || hasSelection(flagged);
  const defaults = named ? undefined : defaultTargets(label, composeProjects());
  if (chosen !== undefined && defaults?.kind !== undefined && chosen !== defaults.kind) {
    throw new UsageError(`--deployment ${chosen}: label "${label}" names deployment ${defaults.kind}; name the targets with a selection flag to record them as ${chosen}`);
  }
  const selection = defaults?.selection ?? flagged;
  const pid = native.pid;
  const port = native.port ?? defaults?.port;
  const deployment = chosen ?? defaults?.kind ?? inferDeployment(pid !== undefined || port !== undefined, selection);
  if (deployment === 'native' && pid === undefined && port === undefined) throw new UsageError('--deployment native needs --pid <pid> or --port <port>');
  return {
    label,
    db: nonEmpty('db', v.db)!,
    intervalMs: parseDuration('interval', v.interval, SAMPLE_INTERVAL_BOUNDS),
    detach: v.detach,
    deployment,
    selection,
    pid,
    port,
    watching: defaults?.watching,
    modelId: nonEmpty('model-id', v['model-id']) ?? null,
    modelDtype: nonEmpty('model-dtype', v['model-dtype']) ?? null,
    statsSource: parseChoice('stats-source', v['stats-source'], STATS_SOURCE_OPTIONS),
    platform: !v['no-platform'],
    clientPid: optional(v['client-pid'], (text) => parsePositiveInt('client-pid', text, MAX_PID)),
    frontContainers: parseFrontContainers(v),
  };
}

function inferDeployment(native: boolean, selection: SelectionFlags): RecordedDeployment {
  if (native) return 'native';
  if (selection.projects.length > 0) return 'compose';
  return selection.service !== undefined ? 'swarm' : 'docker';
}

function hasSelection(s: SelectionFlags): boolean {
  return s.projects.length > 0 || s.service !== undefined || s.image !== undefined || s.containers.length > 0 || s.filters.length > 0;
}

/** Which containers to watch; the engine judges the filters' keys and values later, once. */
function parseSelection(v: StartValues): SelectionFlags {
  for (const f of v.filter) {
    if (!/^[a-z][a-z-]*=./.test(f)) throw new UsageError(`--filter: expected key=value, like label=app=api, got '${f}'`);
  }
  return {
    projects: v.project === undefined ? [] : [nonEmpty('project', v.project)!],
    service: nonEmpty('service', v.service),
    containers: v.container.map((c) => nonEmpty('container', c)!),
    image: nonEmpty('image', v.image),
    filters: v.filter,
  };
}

/** --front-container: platform rows, so it needs the platform sampled. */
function parseFrontContainers(v: StartValues): string[] {
  const names = v['front-container'].map((c) => nonEmpty('front-container', c)!);
  if (names.length > 0 && v['no-platform']) throw new UsageError(`--front-container ${names[0]}: samples the platform, which --no-platform turns off`);
  return names;
}

/** --pid or --port: a native process, which excludes every container selection flag. */
function parseNativeTarget(v: StartValues, selection: SelectionFlags): { pid?: number; port?: number } {
  const pid = optional(v.pid, (text) => parsePositiveInt('pid', text, MAX_PID));
  const port = optional(v.port, (text) => parsePositiveInt('port', text, 65_535));
  if (pid !== undefined && port !== undefined) throw new UsageError('--pid and --port exclude each other');
  if ((pid !== undefined || port !== undefined) && hasSelection(selection)) {
    throw new UsageError(`--${pid !== undefined ? 'pid' : 'port'} watches a native process: it excludes container selection flags`);
  }
  return { pid, port };
}

export function parseCommand(argv: string[]): Command {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') return { name: 'help' };
  if (name === 'help') return { name: 'help', topic: helpTopic(args) };
  if (!isCommand(name)) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.join(', ')}, help)`);
  // asked anywhere after the command, help wins over every other check of its options
  if (wantsHelp(args)) return { name: 'help', topic: name };
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
  }
}

/** `collector help [command]`. */
function helpTopic(args: string[]): CommandName | undefined {
  const [topic, ...rest] = args;
  if (topic === undefined) return undefined;
  if (rest.length > 0 || !isCommand(topic)) throw new UsageError(`help: expected one of ${COMMANDS.join(', ')}, got '${args.join(' ')}'`);
  return topic;
}
