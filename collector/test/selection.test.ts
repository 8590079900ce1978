import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InspectInfo } from '../selection.js';
import { dockerQueries, replicaInfo, taskSlot } from '../selection.js';

const none = { projects: [], containers: [], filters: [] };

describe('selection', () => {
  describe('docker filter queries', () => {
    it('defaults to the project image and swarm service, as a union', () => {
      assert.deepEqual(dockerQueries(none), [
        { ancestor: ['llm-inference-image'] },
        { label: ['com.docker.swarm.service.name=llm-inference-service'] },
      ]);
    });
    it('requires the container-number label for a Compose project (images carry the project label too)', () => {
      assert.deepEqual(dockerQueries({ ...none, projects: ['bench'] }), [
        { label: ['com.docker.compose.project=bench', 'com.docker.compose.container-number'] },
      ]);
    });
    it('narrows a Compose project to a Compose service with --service', () => {
      assert.deepEqual(dockerQueries({ ...none, projects: ['bench'], service: 'api' })[0]!['label'], [
        'com.docker.compose.project=bench', 'com.docker.compose.container-number', 'com.docker.compose.service=api',
      ]);
    });
    it('takes several Compose projects as a union, one query each', () => {
      assert.deepEqual(dockerQueries({ ...none, projects: ['llm-inference', 'main'] }), [
        { label: ['com.docker.compose.project=llm-inference', 'com.docker.compose.container-number'] },
        { label: ['com.docker.compose.project=main', 'com.docker.compose.container-number'] },
      ]);
    });
    it('selects a swarm service', () => {
      assert.deepEqual(dockerQueries({ ...none, service: 'llm-inference-service' }), [
        { label: ['com.docker.swarm.service.name=llm-inference-service'] },
      ]);
    });
    it('ANDs image and raw filters, and gives each exact container name its own query', () => {
      const q = dockerQueries({ ...none, image: 'img', filters: ['label=a=b'], containers: ['api.1', 'db'] });
      assert.deepEqual(q, [
        { ancestor: ['img'], label: ['a=b'], name: ['^/?api\\.1$'] },
        { ancestor: ['img'], label: ['a=b'], name: ['^/?db$'] },
      ]);
    });
  });

  describe('replica facts from inspect', () => {
    const inspect: InspectInfo = {
      Id: 'f'.repeat(64),
      Name: '/llm_api.2.x1y2z3',
      Image: 'sha256:abc',
      State: { Pid: 1234, Running: true, StartedAt: '2026-11-23T04:00:00Z' },
      Config: {
        Hostname: '3f2a9c1b7d10',
        Image: 'llm-inference-image:latest',
        Labels: {
          'com.docker.swarm.service.name': 'llm_api',
          'com.docker.swarm.task.name': 'llm_api.2.x1y2z3',
          'com.docker.swarm.task.id': 'x1y2z3',
          'com.docker.swarm.node.id': 'node9',
          'com.docker.compose.project': 'stamped-on-image',
        },
      },
      HostConfig: { NanoCpus: 500_000_000, Memory: 536_870_912 },
    };
    const r = replicaInfo(inspect, 'myhost');
    it('uses Config.Hostname, which the service writes as its Replica', () => assert.equal(r.hostname, '3f2a9c1b7d10'));
    it('reads swarm slot, task and node', () => {
      assert.deepEqual([r.swarmService, r.swarmTaskSlot, r.swarmTaskId, r.node], ['llm_api', 2, 'x1y2z3', 'node9']);
    });
    it('ignores a Compose project label without a container number', () => assert.equal(r.composeProject, null));
    it('turns NanoCpus into cores and keeps the memory limit', () => {
      assert.equal(r.cpuLimit, 0.5);
      assert.equal(r.memoryLimitBytes, 536_870_912);
    });
    it('strips the leading slash of the name and keeps every label', () => {
      assert.equal(r.name, 'llm_api.2.x1y2z3');
      assert.equal(Object.keys(r.labels).length, 5);
    });
    it('falls back to the collector host as node and reads a quota as cores', () => {
      const plain = replicaInfo({ ...inspect, Config: { ...inspect.Config, Labels: null }, HostConfig: { CpuQuota: 150_000, CpuPeriod: 100_000 } }, 'myhost');
      assert.equal(plain.node, 'myhost');
      assert.equal(plain.cpuLimit, 1.5);
      assert.equal(plain.memoryLimitBytes, null);
    });
  });

  describe('swarm task slot', () => {
    it('is the number after the service name', () => assert.equal(taskSlot('svc.3.abc', 'svc'), 3));
    it('is null for a global service (node id in its place) or another service', () => {
      assert.equal(taskSlot('svc.nodeid123.abc', 'svc'), null);
      assert.equal(taskSlot('other.1.abc', 'svc'), null);
    });
  });
});
