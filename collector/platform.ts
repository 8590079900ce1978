// What carries a deployment's containers on this host, and which processes are the load generator
// (pure: the /proc reading is proc.ts's). The platform of a container deployment is: docker-proxy for
// each published port (the userland proxy copies every request and response), the containerd shim of
// each container, dockerd and containerd. The swarm front is a container and is watched as one.
import { dockerProxyListen } from '../contracts/docker-proxy.js';
import { LOAD_GENERATOR_SCRIPTS, type PlatformComponent } from '../contracts/recording.js';

/** A process seen in a /proc scan, with its argument vector when it was read. */
export interface ProcessSeen {
  pid: number;
  comm: string;
  argv: readonly string[];
}

/** A watched container: what its platform processes are found by. */
export interface CarriedContainer {
  containerId: string;
  publishedPorts: readonly number[];
}

export interface PlatformProcess {
  pid: number;
  component: PlatformComponent;
  /** The row's name: the component and what it serves ("docker-proxy 0.0.0.0:5000", "containerd-shim 3f2a9c1b7d10"). */
  name: string;
}

/** Command names (/proc/<pid>/comm, 15 characters at most) of the processes worth reading the argv of. */
export function isPlatformComm(comm: string): boolean {
  return comm === 'docker-proxy' || comm === 'dockerd' || comm === 'containerd' || comm.startsWith('containerd-shim');
}

/**
 * The platform processes of `containers` among `seen`: docker-proxy whose -host-port is one of their
 * published ports, the shim whose arguments name one of their ids (`-id <id>` for runc v2 shims, the id
 * in the work directory for v1 ones), and every dockerd and containerd. Without containers there is
 * nothing to carry: no rows (an idle engine is not this run's cost).
 */
export function platformProcesses(seen: readonly ProcessSeen[], containers: readonly CarriedContainer[]): PlatformProcess[] {
  if (containers.length === 0) return [];
  const ports = new Set(containers.flatMap((c) => c.publishedPorts));
  const out: PlatformProcess[] = [];
  for (const p of seen) {
    if (p.comm === 'dockerd' || p.comm === 'containerd') {
      out.push({ pid: p.pid, component: p.comm, name: p.comm });
    } else if (p.comm === 'docker-proxy') {
      const listen = dockerProxyListen(p.argv);
      if (listen && ports.has(listen.hostPort)) out.push({ pid: p.pid, component: 'docker-proxy', name: `docker-proxy ${listen.hostIp}:${listen.hostPort}` });
    } else if (p.comm.startsWith('containerd-shim')) {
      const c = containers.find((k) => p.argv.some((a) => a.includes(k.containerId)));
      if (c) out.push({ pid: p.pid, component: 'containerd-shim', name: `containerd-shim ${c.containerId.slice(0, 12)}` });
    }
  }
  return out;
}

/** Whether a process runs the load generator (its compiled script is one of its arguments, not an option's text). */
export function isLoadGenerator(argv: readonly string[]): boolean {
  return argv.some((a) => !a.startsWith('-') && LOAD_GENERATOR_SCRIPTS.some((script) => a.endsWith(script)));
}
