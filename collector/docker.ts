// The Docker Engine API through dockerode (socket from DOCKER_HOST or the default): discovery,
// inspect and version. Every call has a timeout so a hung engine is noticed as a lost engine.
import Docker from 'dockerode';
import { errorText } from '../common/error-text.js';
import type { DockerFilters, InspectInfo } from './selection.js';

export const API_TIMEOUT_MS = 5000;

export function engineAddress(): string {
  return process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
}

export function connectDocker(): Docker {
  return new Docker({ timeout: API_TIMEOUT_MS });
}

/** The engine's version; throws with a one-line message naming the address when no engine answers. */
export async function requireEngineVersion(docker: Docker): Promise<string> {
  try {
    const v = await docker.version();
    return v.Version;
  } catch (err) {
    throw new Error(`no Docker engine at ${engineAddress()}: ${errorText(err)}`);
  }
}

/** Ids of the running containers matched by any of the queries (a union; each query's keys are ANDed). */
export async function listSelected(docker: Docker, queries: DockerFilters[]): Promise<Set<string>> {
  const lists = await Promise.all(
    queries.map((filters) => docker.listContainers({ filters: { ...filters, status: ['running'] } })),
  );
  return new Set(lists.flat().map((c) => c.Id));
}

/** inspect, narrowed to the fields we use; undefined when the container no longer exists. */
export async function inspectContainer(docker: Docker, id: string): Promise<InspectInfo | undefined> {
  try {
    const c = await docker.getContainer(id).inspect();
    return {
      Id: c.Id,
      Name: c.Name,
      Image: c.Image,
      State: { Pid: c.State.Pid, Running: c.State.Running, StartedAt: c.State.StartedAt },
      Config: { Hostname: c.Config.Hostname, Image: c.Config.Image, Labels: c.Config.Labels ?? null },
      HostConfig: {
        NanoCpus: c.HostConfig.NanoCpus,
        CpuQuota: c.HostConfig.CpuQuota,
        CpuPeriod: c.HostConfig.CpuPeriod,
        Memory: c.HostConfig.Memory,
      },
      NetworkSettings: { Ports: (c.NetworkSettings?.Ports ?? null) as NonNullable<InspectInfo['NetworkSettings']>['Ports'] },
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
