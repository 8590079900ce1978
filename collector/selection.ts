// What to watch, as Docker list filters (pure). Docker ANDs different filter keys and label values
// within one query; several queries are unioned by the collector.
import { DEFAULT_IMAGE, DEFAULT_SERVICE, frontServiceName } from '../contracts/deployments.js';

/** A filter object for GET /containers/json, e.g. { label: ['a=b'], ancestor: ['img'] }. */
export type DockerFilters = Record<string, string[]>;

export interface SelectionFlags {
  /** Compose projects: --project gives one; a `compose` label may watch two (a union). */
  projects: string[];
  service?: string;
  containers: string[];
  image?: string;
  filters: string[]; // raw "key=value"
}

export const LABEL = {
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
  composeNumber: 'com.docker.compose.container-number',
  swarmService: 'com.docker.swarm.service.name',
  swarmTaskName: 'com.docker.swarm.task.name',
  swarmTaskId: 'com.docker.swarm.task.id',
  swarmNode: 'com.docker.swarm.node.id',
} as const;

function add(f: DockerFilters, key: string, value: string): void {
  (f[key] ??= []).push(value);
}

/**
 * Docker filter queries for the selection flags. With no flag: the project's defaults (the containers
 * of image llm-inference-image, and the tasks of swarm service llm-inference-service).
 * --service names a swarm service, or the Compose service when a project is given too.
 * A Compose selection requires com.docker.compose.container-number: Compose v2 stamps its project
 * label on the images it builds, so `docker run`/swarm containers of that image carry it too.
 * Several projects or containers are a union: one query each.
 */
export function dockerQueries(flags: SelectionFlags): DockerFilters[] {
  const base: DockerFilters = {};
  if (flags.projects.length === 0 && flags.service !== undefined) add(base, 'label', `${LABEL.swarmService}=${flags.service}`);
  if (flags.image !== undefined) add(base, 'ancestor', flags.image);
  for (const raw of flags.filters) {
    const eq = raw.indexOf('=');
    add(base, raw.slice(0, eq), raw.slice(eq + 1));
  }
  const bases = flags.projects.length === 0 ? [base] : flags.projects.map((project) => composeQuery(base, project, flags.service));
  if (flags.containers.length > 0) {
    return bases.flatMap((b) => flags.containers.map((name) => ({ ...b, name: [exactName(name)] })));
  }
  if (flags.projects.length > 0 || Object.keys(base).length > 0) return bases;
  return [{ ancestor: [DEFAULT_IMAGE] }, { label: [`${LABEL.swarmService}=${DEFAULT_SERVICE}`] }];
}

/**
 * The swarm front the selection's traffic goes through (platform, not service): the tasks of swarm service
 * `<service>-front` for a swarm selection (--service, or no flag: the default service), none otherwise.
 */
export function frontQueries(flags: SelectionFlags): DockerFilters[] {
  const flagged = flags.projects.length > 0 || flags.image !== undefined || flags.containers.length > 0 || flags.filters.length > 0;
  const service = flags.projects.length === 0 ? (flags.service ?? (flagged ? undefined : DEFAULT_SERVICE)) : undefined;
  return service === undefined ? [] : [{ label: [`${LABEL.swarmService}=${frontServiceName(service)}`] }];
}

/**
 * The fronts named by --front-container (the HAProxy front the experiment's --front puts before native,
 * docker or compose), each by its exact name: platform too, whatever the selection.
 */
export function frontContainerQueries(names: readonly string[]): DockerFilters[] {
  return names.map((name) => ({ name: [exactName(name)] }));
}

/** A name filter is a regexp over the name: anchored, so "api" does not match "api-2". */
const exactName = (name: string): string => `^/?${escapeRegExp(name)}$`;

function composeQuery(base: DockerFilters, project: string, service: string | undefined): DockerFilters {
  const labels = [`${LABEL.composeProject}=${project}`, LABEL.composeNumber];
  if (service !== undefined) labels.push(`${LABEL.composeService}=${service}`);
  return { ...base, label: [...labels, ...(base['label'] ?? [])] };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The subset of `docker inspect` the collector reads; parsed once at the boundary. */
export interface InspectInfo {
  Id: string;
  Name: string;
  Image: string;
  State: { Pid: number; Running: boolean; StartedAt: string };
  Config: { Hostname: string; Image: string; Labels: Record<string, string> | null };
  HostConfig: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; Memory?: number };
  /** Published ports: "5000/tcp" → the host addresses and ports it is bound to (null when not published). */
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
}

/** A replica row's descriptive fields, from one inspect result (pure). */
export interface ReplicaInfo {
  containerId: string;
  name: string;
  hostname: string;
  pid: number;
  image: string;
  imageId: string;
  startedAt: string;
  composeProject: string | null;
  composeService: string | null;
  composeNumber: number | null;
  swarmService: string | null;
  swarmTaskSlot: number | null;
  swarmTaskId: string | null;
  node: string | null;
  cpuLimit: number | null;
  memoryLimitBytes: number | null;
  labels: Record<string, string>;
  /** Host ports the container is published on (each carried by a docker-proxy when the userland proxy is on), ascending. */
  publishedPorts: number[];
}

function intOrNull(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

/** Swarm task name is "<service>.<slot>.<task id>"; a global service has the node id where the slot is. */
export function taskSlot(taskName: string | undefined, service: string | undefined): number | null {
  if (!taskName || !service || !taskName.startsWith(`${service}.`)) return null;
  return intOrNull(taskName.slice(service.length + 1).split('.')[0]);
}

export function replicaInfo(c: InspectInfo, collectorHost: string): ReplicaInfo {
  const labels = c.Config.Labels ?? {};
  const h = c.HostConfig;
  let cpuLimit: number | null = null;
  if (h.NanoCpus) cpuLimit = h.NanoCpus / 1e9;
  else if (h.CpuQuota && h.CpuQuota > 0 && h.CpuPeriod) cpuLimit = h.CpuQuota / h.CpuPeriod;
  const swarmService = labels[LABEL.swarmService] ?? null;
  return {
    containerId: c.Id,
    name: c.Name.replace(/^\//, ''),
    hostname: c.Config.Hostname,
    pid: c.State.Pid,
    image: c.Config.Image,
    imageId: c.Image,
    startedAt: c.State.StartedAt,
    composeProject: labels[LABEL.composeNumber] ? (labels[LABEL.composeProject] ?? null) : null,
    composeService: labels[LABEL.composeNumber] ? (labels[LABEL.composeService] ?? null) : null,
    composeNumber: intOrNull(labels[LABEL.composeNumber]),
    swarmService,
    swarmTaskSlot: taskSlot(labels[LABEL.swarmTaskName], swarmService ?? undefined),
    swarmTaskId: labels[LABEL.swarmTaskId] ?? null,
    node: labels[LABEL.swarmNode] ?? collectorHost,
    cpuLimit,
    memoryLimitBytes: h.Memory && h.Memory > 0 ? h.Memory : null,
    labels,
    publishedPorts: publishedPorts(c.NetworkSettings?.Ports),
  };
}

/** The distinct host ports of inspect's NetworkSettings.Ports, ascending. */
export function publishedPorts(ports: NonNullable<InspectInfo['NetworkSettings']>['Ports']): number[] {
  const out = new Set<number>();
  for (const bindings of Object.values(ports ?? {})) {
    for (const b of bindings ?? []) if (b.HostPort && /^\d+$/.test(b.HostPort)) out.add(Number(b.HostPort));
  }
  return [...out].sort((a, b) => a - b);
}
