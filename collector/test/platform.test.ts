// Which host processes carry a deployment and which are the load generator (pure parts of the platform
// sampling), and the fronts the selection's traffic goes through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerProxyListen } from '../../contracts/docker-proxy.js';
import { isLoadGenerator, isPlatformComm, platformProcesses, type ProcessSeen } from '../platform.js';
import { frontContainerQueries, frontQueries, publishedPorts } from '../selection.js';

const CID = 'a8e6d25a0b889035c46c310db447e524798048c4f448e3b961d66baa4517cab6';
const OTHER = 'ffff0000aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777';

/** A process table as `ps` showed it on the development VM (Docker 20.10, userland proxy on). */
const SEEN: ProcessSeen[] = [
  { pid: 1, comm: 'systemd', argv: ['/sbin/init'] },
  { pid: 2349, comm: 'dockerd', argv: ['dockerd'] },
  { pid: 2364, comm: 'containerd', argv: ['containerd', '--config', '/var/run/docker/containerd/containerd.toml'] },
  { pid: 3001, comm: 'docker-proxy', argv: ['/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '5000', '-container-ip', '172.17.0.2', '-container-port', '5000'] },
  { pid: 3002, comm: 'docker-proxy', argv: ['/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '::', '-host-port', '5000', '-container-ip', '172.17.0.2', '-container-port', '5000'] },
  { pid: 3003, comm: 'docker-proxy', argv: ['/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '9999', '-container-ip', '172.17.0.9', '-container-port', '80'] },
  { pid: 10744, comm: 'containerd-shim', argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', CID, '-address', '/var/run/docker/containerd/containerd.sock'] },
  { pid: 10745, comm: 'containerd-shim', argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', OTHER] },
];

describe('the platform of a deployment', () => {
  it('is docker-proxy of the published ports (IPv4 and IPv6), the shim of each container, dockerd and containerd', () => {
    const found = platformProcesses(SEEN, [{ containerId: CID, publishedPorts: [5000] }]);
    assert.deepEqual(found, [
      { pid: 2349, component: 'dockerd', name: 'dockerd' },
      { pid: 2364, component: 'containerd', name: 'containerd' },
      { pid: 3001, component: 'docker-proxy', name: 'docker-proxy 0.0.0.0:5000' },
      { pid: 3002, component: 'docker-proxy', name: 'docker-proxy :::5000' },
      { pid: 10744, component: 'containerd-shim', name: 'containerd-shim a8e6d25a0b88' },
    ]);
  });
  it('leaves out the proxies and shims of other containers', () => {
    const found = platformProcesses(SEEN, [{ containerId: CID, publishedPorts: [] }]).map((p) => p.pid);
    assert.deepEqual(found, [2349, 2364, 10744]);
  });
  it('is nothing while no container is watched (an idle engine is not the run\'s cost)', () => {
    assert.deepEqual(platformProcesses(SEEN, []), []);
  });
  it('reads only the argument vectors of platform command names', () => {
    assert.deepEqual(['dockerd', 'containerd', 'docker-proxy', 'containerd-shim', 'systemd', 'node', 'containerd-fo'].map(isPlatformComm),
      [true, true, true, true, false, false, false]);
  });
  it('reads docker-proxy\'s listen address from its Go flags in each spelling, and nothing from other commands', () => {
    assert.deepEqual(dockerProxyListen(['/usr/bin/docker-proxy', '-host-ip', '::', '-host-port', '80']), { hostIp: '::', hostPort: 80 });
    assert.deepEqual(dockerProxyListen(['docker-proxy', '--host-port', '81']), { hostIp: '', hostPort: 81 });
    assert.deepEqual(dockerProxyListen(['docker-proxy', '-host-port=82']), { hostIp: '', hostPort: 82 });
    assert.equal(dockerProxyListen(['docker-proxy', '-host-ip', '::']), undefined);
    assert.equal(dockerProxyListen(['/usr/bin/node', '-host-port', '5000']), undefined);
  });
  it('takes the distinct host ports of inspect\'s NetworkSettings.Ports', () => {
    assert.deepEqual(publishedPorts({ '5000/tcp': [{ HostIp: '0.0.0.0', HostPort: '5000' }, { HostIp: '::', HostPort: '5000' }], '9000/tcp': null, '81/tcp': [{ HostPort: '8081' }] }), [5000, 8081]);
    assert.deepEqual(publishedPorts(null), []);
  });
});

describe('the swarm front', () => {
  const none = { projects: [], containers: [], filters: [] };
  it('is the -front service of a swarm selection, or of the default service with no flag', () => {
    assert.deepEqual(frontQueries({ ...none, service: 'web' }), [{ label: ['com.docker.swarm.service.name=web-front'] }]);
    assert.deepEqual(frontQueries(none), [{ label: ['com.docker.swarm.service.name=llm-inference-service-front'] }]);
  });
  it('is none for containers, images, filters or Compose', () => {
    assert.deepEqual(frontQueries({ ...none, containers: ['llm-inference-container'] }), []);
    assert.deepEqual(frontQueries({ ...none, projects: ['llm-inference'], service: 'web' }), []);
    assert.deepEqual(frontQueries({ ...none, image: 'img' }), []);
  });
});

describe('a front container (--front-container: the HAProxy front the experiment\'s --front puts before a deployment)', () => {
  it('is watched by its exact name, whatever the selection', () => {
    assert.deepEqual(frontContainerQueries(['llm-inference-native-front']), [{ name: ['^/?llm-inference-native-front$'] }]);
    assert.deepEqual(frontContainerQueries(['a.b', 'c']), [{ name: ['^/?a\\.b$'] }, { name: ['^/?c$'] }]);
    assert.deepEqual(frontContainerQueries([]), []);
  });
  it('carries its own platform: the shim of its container, docker-proxy of its published port, dockerd and containerd', () => {
    const found = platformProcesses(SEEN, [{ containerId: OTHER, publishedPorts: [9999] }]);
    assert.deepEqual(found.map((p) => p.name), ['dockerd', 'containerd', 'docker-proxy 0.0.0.0:9999', `containerd-shim ${OTHER.slice(0, 12)}`]);
  });
});

describe('the load generator', () => {
  it('is a process running the compiled load generator or one of its phase processes', () => {
    assert.ok(isLoadGenerator(['/usr/local/bin/node', '/work/dist/load/phase-child.js']));
    assert.ok(isLoadGenerator(['node', 'dist/load/cli.js', '--port', '5000']));
    assert.ok(!isLoadGenerator(['node', 'dist/service/main.js']));
    assert.ok(!isLoadGenerator(['node', 'dist/experiment/cli.js', '--load/cli.js']));
  });
});
