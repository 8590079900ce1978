// A cgroup of the native service's own, so the collector reads the same cgroup files for it as for a
// container (CPU, memory = usage − inactive file, block I/O, pids) instead of /proc (memory = RSS, which
// counts the mapped model and libraries). Made by what the machine has:
//  - systemd as PID 1: a transient scope (`systemd-run --scope`). systemd owns the tree there and would
//    not expect, nor keep, groups made beside its own by hand.
//  - cgroup v1 without systemd: one directory per controller the collector reads (cpuacct, memory,
//    blkio, pids; cpu too, where docker puts its limits), under the group this process is in, in each
//    hierarchy: a limit or an account the launcher keeps on its group (a CI job's) still covers the service.
//  - cgroup v2 without systemd: one directory under the unified root, with the controllers enabled in
//    the parents' cgroup.subtree_control. Not under this process's own group: v2 lets a group hand
//    controllers to children only when it holds no process itself, and this process is in its group.
// No library does this (node has no cgroup API; libcgroup's tools are not installed by default), and it
// is a handful of file writes.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { errorText } from '../../common/error-text.js';
import { pollUntil } from '../../common/poll.js';
import { runCommand } from '../../common/run-command.js';
import { cgroupVersionAt, type CgroupVersion } from '../../collector/cgroup.js';
import { parseProcCgroup, parseProcList } from '../../collector/procfs-parse.js';

/** The folder every native service's group sits in (one group per driver name and port inside it). */
export const CGROUP_PARENT = 'llm-deploy-bench';

export interface ServiceCgroup {
  /** How and where, for the log: "cgroup v1 groups /sys/fs/cgroup/memory/…/llm-deploy-bench/x (+4 controllers)". */
  readonly description: string;
  /** The group's directories (one per v1 controller, one on v2; none known for a systemd scope). */
  readonly dirs: readonly string[];
  /** The command line that runs `file args` inside the group from its first instruction on. */
  command(file: string, args: readonly string[]): { file: string; args: string[] };
  /** Once the service has exited: ends anything still in the group, then removes the group. */
  remove(): Promise<void>;
}

/** A group made, or why none could be (the service then runs in this process's group, read from /proc). */
export type CgroupOutcome = { readonly cgroup: ServiceCgroup } | { readonly why: string };

export interface CgroupPlace {
  /** Where the cgroup filesystem is mounted. Default /sys/fs/cgroup. */
  readonly root?: string;
  /** Use systemd-run --scope when PID 1 is systemd. Default true. */
  readonly systemd?: boolean;
}

/**
 * Makes the group `name` (letters, digits, _ . -). A group of that name left by an owner that died
 * (SIGKILL) is reused when empty; one that still holds processes is refused, naming them.
 */
export async function makeServiceCgroup(name: string, place: CgroupPlace = {}): Promise<CgroupOutcome> {
  const root = place.root ?? '/sys/fs/cgroup';
  if ((place.systemd ?? true) && systemdRuns()) return systemdScope(name);
  if (!existsSync(root)) return { why: `${root} is not mounted` };
  const version = cgroupVersionAt(root);
  try {
    return { cgroup: version === 1 ? v1Groups(root, name) : v2Group(root, name) };
  } catch (err) {
    if (err instanceof GroupBusyError) throw err;
    return { why: `cannot make a cgroup v${version} group: ${errorText(err)}` };
  }
}

/** sd_booted()'s test, and PID 1's name: systemd runs this machine. */
function systemdRuns(): boolean {
  try {
    return existsSync('/run/systemd/system') && readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd';
  } catch {
    return false;
  }
}

/**
 * A transient scope: systemd-run registers its own pid as the scope, then execs the command, so the
 * service's pid is the one the driver started and is in the scope before it runs. Probed once with
 * `true` so a systemd that refuses (no D-Bus, no rights) means "no group", not a service that cannot start.
 */
async function systemdScope(name: string): Promise<CgroupOutcome> {
  const user = process.getuid?.() !== 0 ? ['--user'] : [];
  const version = cgroupVersionAt('/sys/fs/cgroup');
  const accounting = ['CPUAccounting', 'MemoryAccounting', 'TasksAccounting', version === 2 ? 'IOAccounting' : 'BlockIOAccounting']
    .flatMap((p) => ['-p', `${p}=yes`]);
  const scopeArgs = (unit: string): string[] => [...user, '--scope', '--quiet', '--collect', `--unit=${unit}`, ...accounting, '--'];
  const probe = await runCommand('systemd-run', [...scopeArgs(`${name}-probe-${process.pid}`), 'true'], { timeoutMs: 10_000 });
  if (probe.code !== 0) return { why: `systemd-run --scope failed: ${probe.stderr.trim() || probe.failure || `exit ${probe.code}`}` };
  const unit = `${name}-${process.pid}`;
  return {
    cgroup: {
      description: `systemd scope ${unit}.scope`,
      dirs: [],
      command: (file, args) => ({ file: 'systemd-run', args: [...scopeArgs(unit), file, ...args] }),
      // The scope goes away with its last process; stop it in case a child of the service outlived it.
      remove: async () => {
        await runCommand('systemctl', [...user, 'stop', `${unit}.scope`], { timeoutMs: 15_000 });
      },
    },
  };
}

class GroupBusyError extends Error {}

/** v1 controllers the group joins; the collector reads cpuacct, memory, blkio and pids. */
const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'] as const;
const V1_REQUIRED = new Set(['cpuacct', 'memory']);

function v1Groups(root: string, name: string): ServiceCgroup {
  const own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const dirs: string[] = [];
  const seen = new Set<string>();
  const made: string[] = [];
  try {
    for (const controller of V1_CONTROLLERS) {
      const mount = `${root}/${controller}`;
      if (!existsSync(mount)) {
        if (V1_REQUIRED.has(controller)) throw new Error(`no ${controller} hierarchy at ${mount}`);
        continue;
      }
      // cpu and cpuacct are often one hierarchy (cpu,cpuacct with two symlinks): one group there
      const real = realpathSync(mount);
      if (seen.has(real)) continue;
      seen.add(real);
      const dir = `${mount}${own.get(controller) ?? '/'}/${CGROUP_PARENT}/${name}`.replace(/\/{2,}/g, '/');
      made.push(...makeGroupDir(dir));
      dirs.push(dir);
    }
  } catch (err) {
    removeDirs(made);
    throw err;
  }
  return fileGroup(`cgroup v1 groups ${dirs.find((d) => d.includes('/memory/'))} (+${dirs.length - 1} controllers)`, dirs, made);
}

/** v2 controllers to enable for the group; memory is the one the comparison needs. */
const V2_CONTROLLERS = ['cpu', 'memory', 'io', 'pids'];

function v2Group(root: string, name: string): ServiceCgroup {
  const parent = `${root}/${CGROUP_PARENT}`;
  const made = makeGroupDir(parent);
  try {
    enableControllers(root);
    enableControllers(parent);
    const enabled = readFileSync(`${parent}/cgroup.subtree_control`, 'utf8').split(/\s+/);
    if (!enabled.includes('memory')) throw new Error(`the memory controller is not available in ${parent}`);
    const dir = `${parent}/${name}`;
    made.push(...makeGroupDir(dir));
    return fileGroup(`cgroup v2 group ${dir}`, [dir], made);
  } catch (err) {
    removeDirs(made);
    throw err;
  }
}

/** Writes +c to the group's subtree_control for each wanted controller it has and has not enabled yet. */
function enableControllers(dir: string): void {
  const available = readFileSync(`${dir}/cgroup.controllers`, 'utf8').split(/\s+/);
  const enabled = readFileSync(`${dir}/cgroup.subtree_control`, 'utf8').split(/\s+/);
  const wanted = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c));
  if (wanted.length > 0) writeFileSync(`${dir}/cgroup.subtree_control`, wanted.map((c) => `+${c}`).join(' '));
}

/** mkdir -p; returns the directories it created (deepest last). An existing group must be empty. */
function makeGroupDir(dir: string): string[] {
  if (existsSync(dir)) {
    const left = parseProcList(readFileSync(`${dir}/cgroup.procs`, 'utf8'));
    if (left.length > 0) throw new GroupBusyError(`cgroup ${dir} still holds pid ${left.join(', ')} (a service of an earlier run?)`);
    return []; // left empty by an owner that died: reused
  }
  const made: string[] = [];
  for (let d = dir; !existsSync(d); d = d.slice(0, d.lastIndexOf('/'))) made.unshift(d);
  mkdirSync(dir, { recursive: true });
  return made;
}

/** rmdir, deepest first; a folder still in use (another service's group beside it) stays. */
function removeDirs(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // ENOTEMPTY/EBUSY: shared by another group; ENOENT: already gone
    }
  }
}

/** A group made by hand: join through a shell wrapper, remove by rmdir. */
function fileGroup(description: string, dirs: readonly string[], made: readonly string[]): ServiceCgroup {
  return {
    description,
    dirs,
    // The wrapper writes its own pid into each group's cgroup.procs and then execs the service, so the
    // service (same pid) is in the group before its first instruction. Writing the child's pid after
    // spawn would leave a window in which node already allocates: on v1 those pages stay charged to
    // the old group (charges do not move with a task), and the collector could catch it outside.
    command: (file, args) => ({
      file: '/bin/sh',
      args: [
        '-c',
        'while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || { echo "cannot join cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"',
        'sh', ...dirs, '--', file, ...args,
      ],
    }),
    remove: async () => {
      for (const dir of dirs) await emptyAndRemove(dir);
      // the llm-deploy-bench/ folders (and any folder above made with them), when no other group is in them
      removeDirs([...new Set([...made.filter((d) => !dirs.includes(d)), ...dirs.map((d) => d.slice(0, d.lastIndexOf('/')))])]);
    },
  };
}

/** SIGKILL whatever is left in the group (only what the service started), then rmdir once it has gone. */
async function emptyAndRemove(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await pollUntil(
    (note) => {
      let left: number[];
      try {
        left = parseProcList(readFileSync(`${dir}/cgroup.procs`, 'utf8'));
      } catch {
        return true; // gone
      }
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      try {
        rmdirSync(dir);
        return true;
      } catch (err) {
        // EBUSY until the kernel has released the exited tasks
        note(`${dir}: ${errorText(err)}${left.length ? `, pids ${left.join(' ')}` : ''}`);
        return undefined;
      }
    },
    { timeoutMs: 10_000, intervalMs: 50, what: `cgroup ${dir} to be removed` },
  );
}
