// The HAProxy front (llm-inference-front) before stand-in replicas, without a swarm: plain containers on
// a user-defined bridge network sharing a network alias, which Docker's embedded DNS answers with every
// container's address, as it answers tasks.<service> for a dnsrr swarm service. The front's test and
// its bench use it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../../common/package-root.js';
import { runChecked } from '../../common/run-command.js';
import { docker } from '../drivers/engine.js';
import { ensureFrontImage, FRONT_IMAGE, FRONT_PORT, frontEnv } from '../swarm/front.js';

/** The stand-ins run on the project's base image (node), the one the root Dockerfile names. */
const STAND_IN_IMAGE = /^FROM (\S+)/m.exec(readFileSync(join(findPackageRoot(), 'Dockerfile'), 'utf8'))![1]!;
const ALIAS = 'replicas';
const STAND_IN_PORT = 5000;

/**
 * A trivial replica: answers every request with its name (X-Replica, and `replica` in the JSON, like the
 * service's /health). With LOG_POSTS=1 it prints "POST <X-Request-Id>" for every POST it read; with
 * RESETS=1 it resets the connection, after reading the whole body, of each POST carrying
 * X-Reset-After-Body: 1 (a replica crashing mid-request).
 */
const STAND_IN_JS = `
const http = require('node:http');
const name = process.env.NAME;
const server = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    if (req.method === 'POST' && process.env.LOG_POSTS === '1') console.log('POST ' + req.headers['x-request-id']);
    if (req.method === 'POST' && process.env.RESETS === '1' && req.headers['x-reset-after-body'] === '1') return req.socket.resetAndDestroy();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Replica', name);
    res.end(JSON.stringify({ status: 'ok', replica: name, bytes }));
  });
});
server.keepAliveTimeout = 65000;
server.listen(${STAND_IN_PORT});
process.on('SIGTERM', () => server.close(() => process.exit(0)));`;

export interface StandInOptions {
  readonly logPosts?: boolean;
  readonly resets?: boolean;
}

export class FrontStand {
  readonly network: string;
  /** The label every container and the network of this stand carry (what remove() clears). */
  readonly label: string;

  /** `prefix` names the network and every container (e.g. llm-test-front-<pid>). */
  constructor(private readonly prefix: string) {
    this.network = `${prefix}-net`;
    this.label = `llm-deploy-bench.test=${prefix}`;
  }

  /** The images (the front built when its inputs changed, the base image offline when missing) and the network. */
  async create(root: string): Promise<void> {
    await runChecked('bash', [join(root, 'deploy/base-image.sh')], { cwd: root, timeoutMs: 900_000 });
    await ensureFrontImage(root);
    await docker(['network', 'create', '--label', this.label, this.network]);
  }

  /** Starts the stand-in `<prefix>-<name>` behind the alias; resolves with the container name. */
  async startReplica(name: string, options: StandInOptions = {}): Promise<string> {
    const container = `${this.prefix}-${name}`;
    const env = ['--env', `NAME=${name}`, '--env', `LOG_POSTS=${options.logPosts ? 1 : 0}`, '--env', `RESETS=${options.resets ? 1 : 0}`];
    await docker(['run', '-d', '--init', '--name', container, '--label', this.label, '--network', this.network, '--network-alias', ALIAS, ...env, STAND_IN_IMAGE, 'node', '-e', STAND_IN_JS]);
    return container;
  }

  /**
   * Starts the front `<prefix>-<name>` (default `front`) over the alias: on the network, published on
   * 127.0.0.1:`hostPort` when given; or inside the network namespace of container `sharing` (it then
   * reaches that container's address without crossing the bridge, like a process on loopback). `env` adds
   * settings (FRONT_BIND, STATS_BIND …); `config` is a host file used instead of the image's haproxy.cfg.
   */
  async startFront(where: { hostPort?: number; sharing?: string; name?: string; env?: Record<string, string>; config?: string } = {}): Promise<string> {
    const container = `${this.prefix}-${where.name ?? 'front'}`;
    const network = where.sharing === undefined ? ['--network', this.network] : ['--network', `container:${where.sharing}`];
    const publish = where.hostPort === undefined ? [] : ['--publish', `127.0.0.1:${where.hostPort}:${FRONT_PORT}`];
    const env = Object.entries(where.env ?? {}).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
    const config = where.config === undefined ? [] : ['--volume', `${where.config}:/etc/haproxy/haproxy.cfg:ro`];
    await docker(['run', '-d', '--init', '--name', container, '--label', this.label, ...network, ...publish, ...env, ...config, ...frontEnv(ALIAS, STAND_IN_PORT), FRONT_IMAGE]);
    return container;
  }

  /** What a stand-in printed (its POST lines with LOG_POSTS). */
  async output(container: string): Promise<string[]> {
    return (await docker(['logs', container])).split('\n').filter(Boolean);
  }

  /** Removes every container and the network this stand made. */
  async remove(): Promise<void> {
    const containers = (await docker(['ps', '-aq', '--filter', `label=${this.label}`])).split('\n').filter(Boolean);
    if (containers.length > 0) await docker(['rm', '-f', ...containers]);
    await docker(['network', 'rm', this.network]).catch(() => undefined);
  }
}

export { ALIAS as STAND_IN_ALIAS, STAND_IN_IMAGE, STAND_IN_PORT };
