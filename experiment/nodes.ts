// `--nodes N`: the experiment's swarm runs on N simulated nodes (deploy/nodes/cluster.ts) for its whole
// length. The images are built on this engine when missing, then loaded into the nodes; the experiment
// talks to node 1, the manager, through DOCKER_HOST while the nodes are up (as a user's CLI talks to a
// remote manager), so the swarm driver runs unchanged on the manager. At the end each node's collector
// database is copied out (<out>/nodes/<node>/bench.db) and the nodes are removed, also on failure and
// Ctrl-C.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../common/error-text.js';
import { runChecked } from '../common/run-command.js';
import { dockerSucceeds } from '../deploy/drivers/engine.js';
import { NodeCluster, type ImageLoad } from '../deploy/nodes/cluster.js';
import { ensureFrontImage, FRONT_IMAGE } from '../deploy/swarm/front.js';
import { COLLECTOR_DATA_IN_NODE, COLLECTOR_IMAGE } from './node-collectors.js';

export const NODE_PREFIX = 'llm-bench-node';
const SOCKET_ROOT = '/tmp/llm-bench-nodes';
const BUILD_TIMEOUT_MS = 900_000;

export interface NodesSettings {
  readonly root: string;
  readonly count: number;
  /** Host port the front answers on (node 1 publishes it on 127.0.0.1). */
  readonly port: number;
  /** Run folders: mounted into every node at the same path (the replicas' CSV bind mounts). */
  readonly out: string;
  /** The service image the deployments run. */
  readonly image: string;
  readonly log: (m: string) => void;
  readonly signal?: AbortSignal;
}

/** What a nodes run leaves: each node's copied database (merged by the reporter, the manager's first). */
export interface NodesResult<T> {
  readonly result: T | undefined;
  readonly error: unknown;
  readonly dbs: string[];
}

/** Builds what is missing on this engine: the node image (offline, from .deb files), the front, the collector. */
async function ensureImages(s: NodesSettings): Promise<void> {
  const script = async (path: string): Promise<void> => {
    s.log(`nodes: bash ${path}`);
    await runChecked('bash', [join(s.root, path)], { cwd: s.root, timeoutMs: BUILD_TIMEOUT_MS, signal: s.signal });
  };
  await script('deploy/nodes/node-image.sh');
  s.log(`nodes: ${await ensureFrontImage(s.root)}`);
  if (!(await dockerSucceeds(['image', 'inspect', '-f', '{{.Id}}', COLLECTOR_IMAGE]))) await script('deploy/collector-image.sh');
}

/** Copies every node's collector database out; the paths of those that exist. */
async function copyDatabases(cluster: NodeCluster, out: string, log: (m: string) => void): Promise<string[]> {
  const dbs: string[] = [];
  for (const node of cluster.nodes) {
    const dest = join(out, 'nodes', node.name);
    rmSync(dest, { recursive: true, force: true });
    try {
      await cluster.copyOut(node, COLLECTOR_DATA_IN_NODE, dest);
    } catch (err) {
      log(`nodes: no database copied from ${node.name}: ${errorText(err)}`);
      continue;
    }
    if (existsSync(join(dest, 'bench.db'))) dbs.push(join(dest, 'bench.db'));
  }
  if (dbs.length > 0) log(`nodes: collector databases copied to ${join(out, 'nodes')}/<node>/bench.db (${dbs.length} of ${cluster.nodes.length})`);
  return dbs;
}

/**
 * Brings the nodes up, runs `use` against their manager, copies the databases out and removes the nodes
 * on every path. Never throws for `use`'s failure: it comes back as `error`, with the databases copied.
 */
export async function withNodes<T>(s: NodesSettings, use: (cluster: NodeCluster) => Promise<T>): Promise<NodesResult<T>> {
  mkdirSync(s.out, { recursive: true });
  await ensureImages(s);
  const cluster = new NodeCluster({ count: s.count, prefix: NODE_PREFIX, port: s.port, sharedPaths: [s.out], socketRoot: SOCKET_ROOT });
  const images: ImageLoad[] = [
    { image: s.image, managerOnly: false },
    { image: COLLECTOR_IMAGE, managerOnly: false },
    { image: FRONT_IMAGE, managerOnly: true },
  ];
  const before = process.env.DOCKER_HOST;
  let result: T | undefined;
  let error: unknown;
  let dbs: string[] = [];
  try {
    await cluster.up(images, s.log, s.signal);
    process.env.DOCKER_HOST = cluster.manager.host;
    s.log(`nodes: DOCKER_HOST=${cluster.manager.host} (the manager, ${cluster.manager.name}) for the runs`);
    result = await use(cluster);
  } catch (err) {
    error = err;
  } finally {
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
    dbs = await copyDatabases(cluster, s.out, s.log).catch(() => []);
    await cluster.down(s.log).catch((err: unknown) => {
      s.log(`nodes: teardown FAILED: ${errorText(err)}`);
      error ??= err;
    });
  }
  return { result, error, dbs };
}
