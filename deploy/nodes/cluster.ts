// Simulated Swarm nodes on this machine: N Docker-in-Docker containers (llm-deploy-bench-node), each with
// its own engine and its own /var/lib/docker volume, on a user-defined bridge network; node 1 initialises
// the swarm and the others join it as workers. The experiment (`--nodes N`) talks to node 1's engine as
// a user talks to a remote manager (DOCKER_HOST), through a unix socket the node shares with the host.
//
// Why these docker run flags (tried on this VM, Docker 20.10, cgroup v1; issue 13): `--privileged` is
// refused by the sandbox ("unable to apply caps": its bounding set lacks CAP_SYS_RESOURCE); SYS_ADMIN +
// NET_ADMIN with seccomp and AppArmor unconfined and the host's cgroup tree mounted read-write is enough
// for dockerd, overlay2 (on the volume), iptables and overlay networks; SYS_PTRACE too, or `docker exec`
// (and so every health check) into a container whose process runs as another user, like the service's
// uid 1000, fails with "error executing setns process" (runc must open that process's /proc/<pid>/ns).
// `--cgroup-parent=/<node>` keeps
// each node's containers in a cgroup subtree of their own, so two nodes (and the host's engine) never
// claim the same cgroup path; those subtrees outlive the node container and are removed by down().
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../../common/error-text.js';
import { pollUntil } from '../../common/poll.js';
import { runChecked, runCommand, type CommandOptions } from '../../common/run-command.js';
import { containerLogTail, docker, dockerSucceeds, oneLineTail, OWNER_LABEL } from '../drivers/engine.js';

export const NODE_IMAGE = 'llm-deploy-bench-node';
/** Every object the cluster creates carries OWNER_LABEL=nodes, so a leftover is recognisably ours. */
const OWNER_VALUE = 'nodes';
/** Where a node's dockerd also listens: a host folder bind-mounted at this path in the node. */
const SOCKET_DIR_IN_NODE = '/run/llm-bench';
const CGROUP_ROOT = '/sys/fs/cgroup';
const DOCKERD_READY_MS = 60_000;
/** `docker load` of a 370 MB image into a node takes ~35 s on this busy 2-core VM. */
const LOAD_TIMEOUT_MS = 600_000;

export interface ClusterSpec {
  /** Nodes, ≥ 2. */
  readonly count: number;
  /** Names: `<prefix>-1` … (containers, host names, volumes), `<prefix>-net` (the bridge network). */
  readonly prefix: string;
  /** Host port node 1 publishes on 127.0.0.1 (the front's host-mode port inside node 1). */
  readonly port: number;
  /** Host folders mounted at the same path in every node, so bind mounts of the services resolve there too. */
  readonly sharedPaths: readonly string[];
  /** Host folder for the nodes' engine sockets (one sub-folder per node). */
  readonly socketRoot: string;
}

export interface SimNode {
  readonly name: string;
  /** DOCKER_HOST value that reaches this node's engine from the host. */
  readonly host: string;
  readonly manager: boolean;
}

/** One image and the nodes that need it. */
export interface ImageLoad {
  readonly image: string;
  readonly managerOnly: boolean;
}

export const nodeName = (prefix: string, i: number): string => `${prefix}-${i}`;
export const networkName = (prefix: string): string => `${prefix}-net`;

/** `docker run` arguments of node i (1-based; pure, unit-tested). */
export function nodeRunArgs(spec: ClusterSpec, i: number): string[] {
  const name = nodeName(spec.prefix, i);
  const args = [
    'run', '--detach', '--name', name, '--hostname', name, '--network', networkName(spec.prefix),
    '--label', `${OWNER_LABEL}=${OWNER_VALUE}`,
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_PTRACE',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
    '--volume', `${CGROUP_ROOT}:${CGROUP_ROOT}:rw`,
    '--volume', `${name}:/var/lib/docker`,
    '--volume', `${join(spec.socketRoot, name)}:${SOCKET_DIR_IN_NODE}`,
  ];
  for (const path of spec.sharedPaths) args.push('--volume', `${path}:${path}`);
  if (i === 1) args.push('--publish', `127.0.0.1:${spec.port}:${spec.port}`);
  args.push(NODE_IMAGE, `--cgroup-parent=/${name}`, '-H', 'unix:///var/run/docker.sock', '-H', `unix://${SOCKET_DIR_IN_NODE}/docker.sock`);
  return args;
}

/** A docker CLI call against one node's engine (2 minutes unless told; the signal cancels it). */
export function nodeDocker(node: SimNode, args: readonly string[], options: Pick<CommandOptions, 'timeoutMs' | 'signal'> = {}): Promise<string> {
  return runChecked('docker', args, { timeoutMs: 120_000, ...options, env: { DOCKER_HOST: node.host } });
}

export class NodeCluster {
  readonly nodes: SimNode[];

  constructor(private readonly spec: ClusterSpec) {
    if (!(Number.isInteger(spec.count) && spec.count >= 2)) throw new Error(`bad node count: ${spec.count} (2 or more)`);
    this.nodes = Array.from({ length: spec.count }, (_, k) => {
      const name = nodeName(spec.prefix, k + 1);
      return { name, host: `unix://${join(spec.socketRoot, name, 'docker.sock')}`, manager: k === 0 };
    });
  }

  get manager(): SimNode {
    return this.nodes[0]!;
  }

  get network(): string {
    return networkName(this.spec.prefix);
  }

  /**
   * Starts the nodes, forms the swarm and loads the images. Throws with what failed; what was created
   * stays for down() (call it on every path). The signal stops between steps and cancels a running load.
   */
  async up(images: readonly ImageLoad[], log: (m: string) => void, signal?: AbortSignal): Promise<void> {
    const stop = (): void => {
      if (signal?.aborted) throw new Error('interrupted (Ctrl-C) while the nodes were starting');
    };
    await this.refuseLeftovers();
    stop();
    log(`nodes: docker network create ${this.network} (bridge)`);
    await docker(['network', 'create', '--label', `${OWNER_LABEL}=${OWNER_VALUE}`, this.network]);
    for (const [k, node] of this.nodes.entries()) {
      stop();
      mkdirSync(join(this.spec.socketRoot, node.name), { recursive: true });
      await docker(['volume', 'create', '--label', `${OWNER_LABEL}=${OWNER_VALUE}`, node.name]);
      await docker(nodeRunArgs(this.spec, k + 1));
    }
    log(`nodes: ${this.nodes.map((n) => n.name).join(', ')} started; waiting for their engines`);
    await Promise.all(this.nodes.map((node) => this.waitEngine(node)));
    stop();
    await this.formSwarm(log);
    for (const load of images) {
      stop();
      await this.loadImage(load, log, signal);
    }
  }

  /** Containers, volumes or a network of an earlier cluster with these names: stop with how to remove them. */
  private async refuseLeftovers(): Promise<void> {
    const names = this.nodes.map((n) => n.name);
    const containers = (await docker(['ps', '-a', '--filter', `label=${OWNER_LABEL}=${OWNER_VALUE}`, '--format', '{{.Names}}'])).split('\n').filter((n) => names.includes(n));
    const volumes = (await docker(['volume', 'ls', '--filter', `label=${OWNER_LABEL}=${OWNER_VALUE}`, '--format', '{{.Name}}'])).split('\n').filter((n) => names.includes(n));
    const network = await dockerSucceeds(['network', 'inspect', '-f', '{{.Id}}', this.network]);
    if (containers.length === 0 && volumes.length === 0 && !network) return;
    const how = [
      containers.length ? `docker rm -f ${containers.join(' ')}` : '',
      volumes.length ? `docker volume rm ${volumes.join(' ')}` : '',
      network ? `docker network rm ${this.network}` : '',
    ].filter(Boolean).join('; ');
    throw new Error(`nodes of an earlier run are still here (another experiment running? if not, remove them: ${how})`);
  }

  private async waitEngine(node: SimNode): Promise<void> {
    await pollUntil(
      async (note) => {
        const running = await docker(['inspect', '-f', '{{.State.Running}}', node.name]);
        if (running !== 'true') {
          throw new Error(`node ${node.name} stopped: ${await containerLogTail(node.name)}`);
        }
        const r = await runCommand('docker', ['info', '-f', '{{.ServerVersion}} {{.Driver}}'], { env: { DOCKER_HOST: node.host }, timeoutMs: 10_000 });
        note(r.code === 0 ? r.stdout.trim() : oneLineTail(r.stderr, 1));
        return r.code === 0 ? true : undefined;
      },
      { timeoutMs: DOCKERD_READY_MS, intervalMs: 500, what: `the engine of ${node.name}` },
    );
  }

  /** Node 1 initialises the swarm on its bridge address; the others join it with the worker token. */
  private async formSwarm(log: (m: string) => void): Promise<void> {
    const ip = await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, this.manager.name]);
    log(`nodes: docker swarm init --advertise-addr ${ip} on ${this.manager.name}`);
    await nodeDocker(this.manager, ['swarm', 'init', '--advertise-addr', ip]);
    const token = await nodeDocker(this.manager, ['swarm', 'join-token', '-q', 'worker']);
    await Promise.all(this.nodes.slice(1).map((node) => nodeDocker(node, ['swarm', 'join', '--token', token, `${ip}:2377`])));
    const ready = await pollUntil(
      async (note) => {
        const states = (await nodeDocker(this.manager, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'])).split('\n').filter(Boolean);
        note(states.join(', '));
        return states.filter((s) => s.endsWith(' Ready')).length === this.nodes.length ? states : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `all ${this.nodes.length} nodes to be Ready in the swarm` },
    );
    log(`nodes: swarm of ${ready.length} (${this.manager.name} manager, the others workers)`);
  }

  /**
   * `docker save` once into a file, then `docker load` into each node that needs it, in parallel: no
   * registry is needed (on real hosts a registry does this job; deploy/README.md).
   */
  private async loadImage(load: ImageLoad, log: (m: string) => void, signal?: AbortSignal): Promise<void> {
    const targets = load.managerOnly ? [this.manager] : this.nodes;
    const tar = join(this.spec.socketRoot, `${load.image.replace(/[^\w.-]/g, '_')}.tar`);
    const started = Date.now();
    try {
      await runChecked('docker', ['save', '-o', tar, load.image], { timeoutMs: LOAD_TIMEOUT_MS, signal });
      await Promise.all(targets.map((node) => nodeDocker(node, ['load', '-q', '-i', tar], { timeoutMs: LOAD_TIMEOUT_MS, signal })));
    } finally {
      rmSync(tar, { force: true });
    }
    log(`nodes: ${load.image} loaded into ${targets.map((n) => n.name).join(', ')} (docker save | docker load, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }

  /** Copies a folder out of a node (its contents into `dest`). */
  async copyOut(node: SimNode, pathInNode: string, dest: string): Promise<void> {
    mkdirSync(dest, { recursive: true });
    await docker(['cp', `${node.name}:${pathInNode}/.`, dest]);
  }

  /**
   * Removes the nodes, their volumes, the network, the socket folders and the nodes' cgroup subtrees;
   * whatever exists of them (idempotent, safe after a partial up()). Throws naming what is left.
   */
  async down(log: (m: string) => void): Promise<void> {
    const left: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>): Promise<void> => {
      try {
        await step();
      } catch (err) {
        left.push(`${what} (${errorText(err)})`);
      }
    };
    // Killing a node ends every process in its pid namespace: its dockerd and all its containers.
    await Promise.all(this.nodes.map((node) => attempt(`container ${node.name}`, async () => {
      if (await dockerSucceeds(['inspect', '-f', '{{.Id}}', node.name])) await docker(['rm', '-f', node.name]);
    })));
    for (const node of this.nodes) {
      await attempt(`volume ${node.name}`, async () => {
        if (await dockerSucceeds(['volume', 'inspect', node.name])) await docker(['volume', 'rm', node.name]);
      });
    }
    await attempt(`network ${this.network}`, async () => {
      if (await dockerSucceeds(['network', 'inspect', '-f', '{{.Id}}', this.network])) await docker(['network', 'rm', this.network]);
    });
    for (const node of this.nodes) {
      rmSync(join(this.spec.socketRoot, node.name), { recursive: true, force: true });
      await attempt(`cgroups of ${node.name}`, async () => removeCgroupSubtrees(CGROUP_ROOT, node.name));
    }
    if (left.length > 0) throw new Error(`nodes: could not remove ${left.join('; ')}`);
    log(`nodes: removed ${this.nodes.map((n) => n.name).join(', ')}, their volumes, ${this.network} and their cgroups`);
  }
}

/**
 * Removes `<root>/<controller>/<name>` (cgroup v1) or `<root>/<name>` (v2), deepest first: the folders a
 * node's dockerd made under its --cgroup-parent, empty once the node's processes are gone (rmdir is how
 * a cgroup is removed; its files are not real files). A cgroup that still has processes cannot go: the
 * error names it.
 */
export function removeCgroupSubtrees(root: string, name: string): void {
  if (!existsSync(root)) return;
  const tops = [join(root, name), ...readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name, name))];
  for (const top of tops) if (existsSync(top)) removeDirsDeepestFirst(top);
}

function removeDirsDeepestFirst(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeDirsDeepestFirst(join(dir, entry.name));
  }
  rmdirSync(dir);
}
