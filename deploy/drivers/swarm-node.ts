// The local swarm node: joined or initialised for a run, and left again only if the driver joined it.
import { existsSync } from 'node:fs';
import { docker } from './engine.js';

export interface SwarmMembership {
  /** True when this driver ran `docker swarm init` and must leave the swarm in down(). */
  readonly initialised: boolean;
}

/** Makes this engine a swarm manager, initialising a single-node swarm when it is in none. */
export async function joinSwarm(log: (m: string) => void): Promise<SwarmMembership> {
  const state = await docker(['info', '-f', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}']);
  const [nodeState, manager] = state.split(' ');
  if (nodeState === 'active') {
    if (manager !== 'true') throw new Error('this engine is a swarm worker, not a manager: services cannot be created here');
    log('swarm: using the swarm this engine is already in (it will be left as found)');
    return { initialised: false };
  }
  if (nodeState !== 'inactive') throw new Error(`swarm node state is "${nodeState}"; fix or leave it first (docker swarm leave --force)`);
  log('swarm: docker swarm init --advertise-addr 127.0.0.1');
  await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  return { initialised: true };
}

export async function leaveSwarm(log: (m: string) => void): Promise<void> {
  await docker(['swarm', 'leave', '--force']);
  log('swarm: left the swarm this run initialised');
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

/** Health status of the service's running containers on this node ("healthy", "starting", …). */
export async function replicaHealth(service: string): Promise<string[]> {
  const ids = (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const out = await docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids]);
  return out.split('\n').filter(Boolean);
}
