// A collector on every node, as Swarm users run cAdvisor: a global service of the collector image
// (llm-deploy-bench-collector, deploy/collector-image.sh), created on the manager for each run. Each task
// watches its own node's engine through that node's Docker socket and writes its own database on its node
// (a volume there); `runs.collector_host` names the node (the task's hostname is the node's) and every
// replica row carries the swarm node id. The experiment copies the databases out at the end and the
// reporter merges them (`reporter build --db … --db …`).
//
// Stats come from the engine's stats stream (--stats-source docker-api-stream): a swarm service cannot
// share the host's pid namespace (`--pid host` is not a service option on Docker 20.10), so the replicas'
// /proc/<pid> that the cgroup-file reader needs is not visible to the task.
// The service commands go to the manager: the experiment points DOCKER_HOST at it (as a user points the
// CLI at a remote manager); per-node commands name the node's engine.
import { formatDuration } from '../contracts/duration.js';
import { docker, dockerSucceeds, OWNER_LABEL } from '../deploy/drivers/engine.js';
import { serviceTasks, taskFailure } from '../deploy/drivers/swarm-node.js';
import { nodeDocker, type SimNode } from '../deploy/nodes/cluster.js';
import { readClockOffset } from '../deploy/nodes/clock.js';
import { pollUntil } from '../common/poll.js';
import { runCommand } from '../common/run-command.js';
import type { CollectorControl } from './collector.js';

export const COLLECTOR_IMAGE = 'llm-deploy-bench-collector';
export const COLLECTOR_SERVICE = 'llm-bench-collector';
/** The volume each node's collector writes into, and the database in it. */
export const COLLECTOR_VOLUME = 'llm-bench-collector';
const DB_IN_TASK = '/data/bench.db';
/** Where that volume's files are inside a node container (its engine's volume folder). */
export const COLLECTOR_DATA_IN_NODE = `/var/lib/docker/volumes/${COLLECTOR_VOLUME}/_data`;
const START_TIMEOUT_MS = 90_000;

/** `docker service create` arguments of the collectors' global service (pure, unit-tested). */
export function collectorServiceArgs(label: string, intervalMs: number, selection: readonly string[]): string[] {
  return [
    'service', 'create', '--detach', '--name', COLLECTOR_SERVICE, '--mode', 'global',
    '--hostname', '{{.Node.Hostname}}', '--label', `${OWNER_LABEL}=nodes`, '--container-label', `${OWNER_LABEL}=nodes-collector`,
    '--mount', 'type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock',
    '--mount', `type=volume,src=${COLLECTOR_VOLUME},dst=/data`,
    // A collector that fails is reported, not restarted: a restart would be a second run with a gap.
    '--restart-condition', 'none', '--stop-grace-period', '30s',
    COLLECTOR_IMAGE, 'start', '--label', label, '--db', DB_IN_TASK, '--interval', formatDuration(intervalMs),
    '--stats-source', 'docker-api-stream', ...withoutHostPids(selection),
  ];
}

/**
 * The selection less `--client-pid N`: N is the experiment's pid on the host, and a node's collector runs in
 * its own pid namespace, where no such process is (it exits 2 on it). The load generator runs on the host,
 * not on a node, so no node has a client row to record.
 */
function withoutHostPids(selection: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < selection.length; i++) {
    if (selection[i] === '--client-pid') i++;
    else kept.push(selection[i]!);
  }
  return kept;
}

/**
 * `docker service logs` lines (`<task>@<node> | run 3 "swarm-3" recording …`) → the run id each node's
 * collector announced for `label` (pure).
 */
export function announcedRuns(logs: string, label: string): Map<string, number> {
  const found = new Map<string, number>();
  const quoted = JSON.stringify(label);
  for (const line of logs.split('\n')) {
    const m = /^\S+@(\S+)\s*\|\s*run (\d+) (".*?") recording/.exec(line);
    if (m && m[3] === quoted) found.set(m[1]!, Number(m[2]));
  }
  return found;
}

export function nodeCollectors(nodes: readonly SimNode[], intervalMs: number, log: (m: string) => void): CollectorControl {
  const manager = nodes.find((n) => n.manager)!;
  const remove = async (): Promise<void> => {
    if (!(await dockerSucceeds(['service', 'inspect', '-f', '{{.ID}}', COLLECTOR_SERVICE]))) return;
    await docker(['service', 'rm', COLLECTOR_SERVICE]);
    // SIGTERM ends each collector's run (status complete); its container is gone once the run is closed.
    await Promise.all(nodes.map((node) => pollUntil(
      async () => ((await nodeDocker(node, ['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${COLLECTOR_SERVICE}`])) === '' ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500, what: `the collector on ${node.name} to close its run` },
    )));
  };
  return {
    async start(label, selection) {
      await remove(); // one left by a run that failed to stop it
      await docker(collectorServiceArgs(label, intervalMs, selection));
      let runs = new Map<string, number>();
      try {
        runs = await pollUntil(
          async (note) => {
            const failed = taskFailure(await serviceTasks(COLLECTOR_SERVICE));
            // The collector logs to stderr, which `docker service logs` keeps as its own stderr.
            const r = await runCommand('docker', ['service', 'logs', '--no-trunc', COLLECTOR_SERVICE], { timeoutMs: 30_000 });
            const logs = `${r.stdout}\n${r.stderr}`;
            if (failed) throw new Error(`a node's collector stopped: ${failed} — ${logs.trim().split('\n').slice(-2).join(' | ')}`);
            runs = announcedRuns(logs, label);
            note(`${runs.size}/${nodes.length} nodes recording`);
            return runs.size >= nodes.length ? runs : undefined;
          },
          { timeoutMs: START_TIMEOUT_MS, intervalMs: 1000, what: `a collector recording "${label}" on each of the ${nodes.length} nodes` },
        );
      } catch (err) {
        await remove().catch(() => undefined);
        throw err;
      }
      log(`collector: one per node (global service ${COLLECTOR_SERVICE}): ${[...runs].map(([node, id]) => `${node} run ${id}`).join(', ')}`);
      // The run id in run.json is the manager's: its database is the first the reporter merges, whose ids stay.
      const id = runs.get(manager.name);
      if (id === undefined) throw new Error(`no collector run announced on the manager ${manager.name}`);
      return id;
    },
    async stop() {
      await remove();
    },
    // Each node's engine clock: on separate hosts the collectors stamp samples with clocks only NTP keeps together.
    async clocks(at) {
      return Promise.all(nodes.map(async (node) => {
        const measuredAtMs = Date.now();
        return { node: node.name, at, measuredAtMs, ...(await readClockOffset(node.host)) };
      }));
    },
  };
}
