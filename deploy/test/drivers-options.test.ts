import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentName } from '../../contracts/deployments.js';
import { FrontedDeployment, frontRunArgs } from '../drivers/fronted.js';
import { createDeployment } from '../drivers/index.js';
import { resolveOptions } from '../drivers/options.js';

describe('createDeployment', () => {
  it('gives each deployment name its driver, kind and default names', () => {
    const kinds = { native: 'native', docker: 'docker', compose: 'compose', 'swarm-1': 'swarm', 'swarm-3': 'swarm' } as const;
    for (const [name, kind] of Object.entries(kinds)) {
      const deployment = createDeployment(name as DeploymentName, {});
      assert.equal(deployment.name, name);
      assert.equal(deployment.kind, kind);
    }
    assert.deepEqual(createDeployment('docker', {}).collectorArgs(), ['--deployment', 'docker', '--container', 'llm-inference-container']);
    assert.deepEqual(createDeployment('compose', {}).collectorArgs(), ['--deployment', 'compose', '--project', 'llm-inference']);
    assert.deepEqual(createDeployment('swarm-3', {}).collectorArgs(), ['--deployment', 'swarm', '--service', 'llm-inference-service']);
  });

  it('puts the HAProxy front before native, docker and compose on request, and refuses it for swarm', () => {
    for (const name of ['native', 'docker', 'compose'] as const) {
      const fronted = createDeployment(name, { front: true });
      assert.ok(fronted instanceof FrontedDeployment);
      assert.equal(fronted.name, name);
    }
    assert.ok(!(createDeployment('docker', {}) instanceof FrontedDeployment));
    assert.throws(() => createDeployment('swarm-1', { front: true }), {
      message: /^bad front: swarm-1 already runs behind a balancer of its own/,
    });
  });

  it('runs the front in the host network before native (loopback only), published on the replica\'s network otherwise', () => {
    assert.deepEqual(frontRunArgs('f', 5000, { network: 'host', address: '127.0.0.1:41000' }), [
      'run', '-d', '--name', 'f', '--init', '--label', 'llm-deploy-bench.driver=front', '--network', 'host',
      '--env', 'FRONT_BIND=127.0.0.1:5000', '--env', 'STATS_BIND=/tmp/haproxy-stats.sock', '--env', 'BACKEND_ADDR=127.0.0.1:41000', 'llm-inference-front',
    ]);
    assert.deepEqual(frontRunArgs('f', 8080, { network: 'llm-inference_default', address: '172.18.0.2:5000' }), [
      'run', '-d', '--name', 'f', '--init', '--label', 'llm-deploy-bench.driver=front', '--network', 'llm-inference_default',
      '--publish', '8080:8080', '--env', 'BACKEND_ADDR=172.18.0.2:5000', 'llm-inference-front',
    ]);
  });

  it('rejects an unknown deployment name, listing the known ones', () => {
    assert.throws(() => createDeployment('kubernetes' as DeploymentName, {}), {
      message: 'unknown deployment: "kubernetes" (known: native, docker, compose, swarm-1, swarm-3, swarm-scale, swarm-failover)',
    });
  });
});

describe('driver options', () => {
  it('default to port 5000 for native and docker, 8080 for compose and swarm, and no limits', () => {
    assert.equal(resolveOptions('native', {}).port, 5000);
    assert.equal(resolveOptions('docker', {}).port, 5000);
    assert.equal(resolveOptions('compose', {}).port, 8080);
    assert.equal(resolveOptions('swarm-3', {}).port, 8080);
    const docker = resolveOptions('docker', {});
    assert.equal(docker.image, 'llm-inference-image');
    assert.equal(docker.cpus, undefined);
    assert.equal(docker.memoryBytes, undefined);
  });

  for (const [options, message] of [
    [{ port: 0 }, /^bad port: 0$/],
    [{ port: 70000 }, /^bad port: 70000$/],
    [{ port: 80.5 }, /^bad port: 80.5$/],
    [{ name: 'Has Spaces' }, /^bad name: "Has Spaces"/],
    [{ image: 'UPPER' }, /^bad image: "UPPER"/],
    [{ cpus: 0 }, /^bad cpus: 0$/],
    [{ memoryBytes: 1024 }, /^bad memoryBytes: 1024/],
    [{ healthTimeoutMs: -1 }, /^bad healthTimeoutMs: -1$/],
    [{ env: { 'NOT-A-NAME': 'x' } }, /^bad env name: "NOT-A-NAME"$/],
  ] as const) {
    it(`reject ${JSON.stringify(options)} with a message naming the value`, () => {
      assert.throws(() => resolveOptions('docker', options), { message });
    });
  }
});
