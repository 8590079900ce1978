// The local swarm node: initialised for a run when the engine is in no swarm, and left again when the
// last service is gone — but only a swarm that one of our drivers initialised (a node label says so), so
// a user's own swarm is never left, and two runs sharing one swarm do not leave it behind either.
import { existsSync } from 'node:fs';
import { pollUntil } from '../../common/poll.js';
import { docker } from './engine.js';

const INIT_LABEL = 'llm-deploy-bench.swarm';

const swarmState = async (): Promise<[string, string]> => {
  const [state = '', manager = ''] = (await docker(['info', '-f', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])).split(' ');
  return [state, manager];
};

/** Makes this engine a swarm manager, initialising a single-node swarm when it is in none. */
export async function joinSwarm(log: (m: string) => void): Promise<void> {
  // "pending": someone is initialising or leaving right now; give it a moment to settle.
  let [nodeState, manager] = await pollUntil(
    async (note) => {
      const state = await swarmState();
      note(`state ${state[0]}`);
      return state[0] === 'pending' ? undefined : state;
    },
    { timeoutMs: 30_000, intervalMs: 1000, what: 'the swarm node to settle' },
  );
  if (nodeState === 'inactive') {
    log('swarm: docker swarm init --advertise-addr 127.0.0.1');
    try {
      await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    } catch (err) {
      [nodeState, manager] = await swarmState(); // another run initialised it at the same moment?
      if (nodeState !== 'active') throw err;
      log('swarm: another run initialised the swarm at the same moment; using it');
      return;
    }
    // The label tells every later down() that this swarm is ours to leave once empty. `node update`
    // does not understand "self": it needs the node id.
    try {
      const nodeId = await docker(['info', '-f', '{{.Swarm.NodeID}}']);
      await docker(['node', 'update', '--label-add', `${INIT_LABEL}=initialised`, nodeId]);
    } catch (err) {
      await docker(['swarm', 'leave', '--force']).catch(() => undefined);
      throw err;
    }
    return;
  }
  if (nodeState !== 'active') throw new Error(`swarm node state is "${nodeState}"; fix or leave it first (docker swarm leave --force)`);
  if (manager !== 'true') throw new Error('this engine is a swarm worker, not a manager: services cannot be created here');
  log('swarm: using the swarm this engine is already in');
}

/** Leaves the swarm when one of our drivers initialised it and no service runs in it any more. */
export async function leaveSwarmIfOurs(log: (m: string) => void): Promise<void> {
  const [nodeState] = await swarmState();
  if (nodeState !== 'active') return;
  const label = await docker(['node', 'inspect', '-f', `{{index .Spec.Labels "${INIT_LABEL}"}}`, 'self']).catch(() => '');
  if (label !== 'initialised') return; // not ours: leave it as found
  const others = (await docker(['service', 'ls', '--format', '{{.Name}}']).catch(() => '')).split('\n').filter(Boolean);
  if (others.length > 0) {
    log(`swarm: staying in the swarm: other services still run in it (${others.join(', ')})`);
    return;
  }
  try {
    await docker(['swarm', 'leave', '--force']);
  } catch (err) {
    // A concurrent down() (Ctrl-C while up() unwinds) may have left between our check and our leave:
    // out of the swarm is the state wanted, so only a node still in it is an error.
    const [after] = await swarmState();
    if (after === 'active') throw err;
  }
  log('swarm: left the single-node swarm (initialised for these runs, now empty)');
}

/** The routing mesh balances with IPVS; without the kernel module it refuses connections on 127.0.0.1. */
export function kernelHasIpvs(): boolean {
  return existsSync('/proc/net/ip_vs');
}

export interface TaskState {
  readonly name: string;
  readonly desired: string;
  readonly current: string;
  readonly error: string;
}

/** Parses `docker service ps --format '{{.Name}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}'`. */
export function parseTasks(output: string): TaskState[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', desired = '', current = '', ...error] = line.split('|');
      return { name: name.trim(), desired: desired.trim(), current: current.trim(), error: error.join('|').trim() };
    });
}

/** Why the service cannot start (a task failed or was rejected), or undefined while things look fine. */
export function taskFailure(tasks: readonly TaskState[]): string | undefined {
  const bad = tasks.find((t) => /^(Failed|Rejected)/.test(t.current) || (t.desired === 'Shutdown' && /^(Failed|Rejected)/.test(t.current)));
  if (!bad) return undefined;
  return `task ${bad.name} ${bad.current.split(' ')[0]?.toLowerCase()}${bad.error ? `: ${bad.error}` : ''}`;
}

export async function serviceTasks(service: string): Promise<TaskState[]> {
  const out = await docker(['service', 'ps', '--no-trunc', '--format', '{{.Name}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}', service]);
  return parseTasks(out);
}

/**
 * Health of the service's replicas on every node, from the swarm's task states: a task whose container has
 * a health check is "Starting" until the check passes, then "Running" (reported as "healthy" here).
 */
export async function swarmReplicaHealth(service: string): Promise<string[]> {
  return (await serviceTasks(service))
    .filter((t) => t.desired === 'Running')
    .map((t) => (/^Running/.test(t.current) ? 'healthy' : (t.current.split(' ')[0] ?? '').toLowerCase()));
}

/** Health status of the service's running containers on this node ("healthy", "starting", …). */
export async function replicaHealth(service: string): Promise<string[]> {
  const ids = (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const out = await docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids]);
  return out.split('\n').filter(Boolean);
}
