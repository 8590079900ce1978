// What the event phases do to a running Swarm service: `docker service ps`, `docker service scale`,
// `docker kill` of one replica's container (SIGKILL: a crash, not a stop), and `docker inspect` of every
// container of the service (when each started and ended). The commands are the ones a user would type.
import type { ReplicaContainer } from '../../contracts/swarm-events.js';
import type { SwarmEventActions } from '../deployment.js';
import { docker } from './engine.js';

const FIELDS = [
  '{{.Id}}', '{{.Config.Hostname}}', '{{index .Config.Labels "com.docker.swarm.task.name"}}', '{{.State.Status}}',
  '{{.State.StartedAt}}', '{{.State.FinishedAt}}', '{{.State.ExitCode}}',
].join('|');

/** Docker's RFC 3339 times with nanoseconds, ms since the epoch; null for the zero time ("never"). */
export function dockerTimeMs(text: string): number | null {
  if (text.startsWith('0001-')) return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : null;
}

/** Parses one `docker inspect -f FIELDS` line (pure, unit-tested). Task names are `<service>.<slot>.<task id>`. */
export function parseContainerLine(line: string): ReplicaContainer | undefined {
  const [id = '', hostname = '', task = '', state = '', started = '', finished = '', exit = ''] = line.trim().split('|');
  if (id === '') return undefined;
  const slot = /\.(\d+)\.[^.]+$/.exec(task)?.[1];
  const startedAtMs = dockerTimeMs(started);
  return {
    containerId: id, hostname, slot: slot === undefined ? null : Number(slot), state,
    startedAtMs, finishedAtMs: state === 'running' ? null : dockerTimeMs(finished),
    // Only a container that ran and stopped has an exit code (a created one reports 0).
    exitCode: (state === 'exited' || state === 'dead') && exit !== '' ? Number(exit) : null,
  };
}

export function swarmEventActions(service: string): SwarmEventActions {
  const containers = async (): Promise<ReplicaContainer[]> => {
    const ids = (await docker(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${service}`])).split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const out = await docker(['inspect', '-f', FIELDS, ...ids]);
    return out.split('\n').map(parseContainerLine).filter((c) => c !== undefined)
      .sort((a, b) => (a.startedAtMs ?? 0) - (b.startedAtMs ?? 0));
  };
  return {
    servicePs: () => docker(['service', 'ps', service]),
    async scale(replicas) {
      // --detach: return at once, as the load keeps running; the experiment watches the shares itself.
      await docker(['service', 'scale', '--detach', `${service}=${replicas}`]);
      return `docker service scale ${service}=${replicas}`;
    },
    async killOne() {
      const running = (await containers()).filter((c) => c.state === 'running').sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0));
      const victim = running[0];
      if (!victim) throw new Error(`no running container of service ${service} to kill`);
      await docker(['kill', victim.containerId]);
      return { killed: victim, command: `docker kill ${victim.hostname}` };
    },
    containers,
  };
}
