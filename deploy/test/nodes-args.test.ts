// The simulated nodes' docker run arguments and the removal of their cgroup subtrees (no engine needed:
// a cgroup tree is stood in for by plain empty folders, which rmdir removes the same way).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeCluster, nodeRunArgs, removeCgroupSubtrees, type ClusterSpec } from '../nodes/cluster.js';

const spec: ClusterSpec = { count: 3, prefix: 'bench-node', port: 8080, sharedPaths: ['/work/data/runs'], socketRoot: '/tmp/socks' };

describe('node containers', () => {
  it('run dockerd with the flags this machine accepts, each in its own cgroup parent and volume', () => {
    const args = nodeRunArgs(spec, 2);
    assert.ok(!args.includes('--privileged'), '--privileged is refused here');
    for (const flag of ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'seccomp=unconfined', 'apparmor=unconfined', '/sys/fs/cgroup:/sys/fs/cgroup:rw']) assert.ok(args.includes(flag), flag);
    assert.ok(args.includes('bench-node-2:/var/lib/docker'));
    assert.equal(args[args.indexOf('--network') + 1], 'bench-node-net');
    assert.equal(args[args.indexOf('--hostname') + 1], 'bench-node-2');
    assert.ok(args.includes('--cgroup-parent=/bench-node-2'));
    assert.ok(args.includes('/work/data/runs:/work/data/runs'), 'run folders at the same path, so bind mounts resolve in the node');
    assert.ok(args.includes('unix:///run/llm-bench/docker.sock'));
    assert.ok(!args.includes('--publish'), 'only the manager publishes the port');
    const manager = nodeRunArgs(spec, 1);
    assert.equal(manager[manager.indexOf('--publish') + 1], '127.0.0.1:8080:8080');
  });

  it('are reached through their socket folders; node 1 is the manager', () => {
    const cluster = new NodeCluster(spec);
    assert.deepEqual(cluster.nodes.map((n) => [n.name, n.host, n.manager]), [
      ['bench-node-1', 'unix:///tmp/socks/bench-node-1/docker.sock', true],
      ['bench-node-2', 'unix:///tmp/socks/bench-node-2/docker.sock', false],
      ['bench-node-3', 'unix:///tmp/socks/bench-node-3/docker.sock', false],
    ]);
    assert.throws(() => new NodeCluster({ ...spec, count: 1 }), /bad node count: 1/);
  });
});

describe('cgroup subtrees of a node', () => {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('are removed deepest first under every controller, and nothing else is', () => {
    for (const controller of ['cpu', 'memory', 'pids']) mkdirSync(join(root, controller, 'bench-node-1', 'abc123', 'inner'), { recursive: true });
    mkdirSync(join(root, 'memory', 'bench-node-2', 'def'), { recursive: true });
    mkdirSync(join(root, 'memory', 'docker'), { recursive: true });
    removeCgroupSubtrees(root, 'bench-node-1');
    for (const controller of ['cpu', 'memory', 'pids']) assert.ok(!existsSync(join(root, controller, 'bench-node-1')), controller);
    assert.ok(existsSync(join(root, 'memory', 'bench-node-2', 'def')));
    assert.ok(existsSync(join(root, 'memory', 'docker')));
    removeCgroupSubtrees(root, 'bench-node-1'); // again: nothing to do
  });
});
