import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { SERVICE_HEALTHCHECK } from '../../contracts/deployments.js';
import { composeOverride } from '../drivers/compose.js';
import { dockerRunArgs } from '../drivers/docker.js';
import { HEALTH_PROBE_SCRIPT, HEALTH_PROBE_SH, isDockerProxyFor, parseCmdline } from '../drivers/engine.js';
import { resolveOptions } from '../drivers/options.js';
import { frontCreateArgs, serviceCreateArgs } from '../drivers/swarm.js';
import { parseTasks, taskFailure } from '../drivers/swarm-node.js';

describe('docker run arguments', () => {
  it("are the course's docker run command plus --init, --user 1000:1000 and our owner label", () => {
    assert.deepEqual(dockerRunArgs(resolveOptions('docker', {})), [
      'run', '-d', '--name', 'llm-inference-container', '--init', '--user', '1000:1000',
      '--label', 'llm-deploy-bench.driver=docker', '-p', '5000:5000', 'llm-inference-image',
    ]);
  });

  it('carry limits and extra environment when asked', () => {
    const args = dockerRunArgs(resolveOptions('docker', { cpus: 1.5, memoryBytes: 1 << 30, env: { MODEL_DTYPE: 'fp32' } }));
    assert.deepEqual(args.slice(-7), ['--cpus', '1.5', '--memory', '1073741824b', '--env', 'MODEL_DTYPE=fp32', 'llm-inference-image']);
  });
});

describe('compose override', () => {
  it('only labels the service when there is nothing else to add', () => {
    assert.deepEqual(composeOverride(resolveOptions('compose', {})), { services: { inference: { labels: { 'llm-deploy-bench.driver': 'compose' } } } });
  });

  it('adds environment and deploy.resources.limits', () => {
    const override = composeOverride(resolveOptions('compose', { cpus: 1, memoryBytes: 512 * 1024 * 1024, env: { ONNX_THREADS: '1' } }));
    assert.deepEqual(override, {
      services: {
        inference: {
          labels: { 'llm-deploy-bench.driver': 'compose' },
          environment: { ONNX_THREADS: '1' },
          deploy: { resources: { limits: { cpus: '1', memory: '536870912b' } } },
        },
      },
    });
  });
});

describe('swarm service arguments', () => {
  const o = resolveOptions('swarm-3', { env: { METRICS_LOG_FILE: 'ignored.csv', MODEL_DTYPE: 'q8' } });

  it('give every task its own CSV file by slot in the bind-mounted run folder', () => {
    const args = serviceCreateArgs(o, 3, 'proxy', 'net', '/runs/swarm-3/service');
    assert.ok(args.includes('METRICS_LOG_FILE=/app/csv/replica-{{.Task.Slot}}.csv'));
    assert.ok(!args.includes('METRICS_LOG_FILE=ignored.csv'), 'the per-slot file wins over a caller-supplied one');
    assert.ok(args.includes('MODEL_DTYPE=q8'));
    assert.equal(args[args.indexOf('--mount') + 1], 'type=bind,src=/runs/swarm-3/service,dst=/app/csv');
    assert.equal(args[args.indexOf('--replicas') + 1], '3');
    assert.equal(args[args.indexOf('--user') + 1], '1000:1000');
    assert.ok(args.includes('--init'));
    assert.equal(args.at(-1), 'llm-inference-image');
  });

  it('check health with bash, not node, with the timings of SERVICE_HEALTHCHECK, as stack.yml and docker-compose.yml do', () => {
    const args = serviceCreateArgs(o, 3, 'proxy', 'net', '/d');
    const h = SERVICE_HEALTHCHECK;
    assert.equal(args[args.indexOf('--health-cmd') + 1], HEALTH_PROBE_SH);
    assert.match(HEALTH_PROBE_SH, /^bash -c '[^']+'$/);
    assert.deepEqual(['interval', 'timeout', 'retries', 'start-period'].map((k) => args[args.indexOf(`--health-${k}`) + 1]),
      [`${h.intervalS}s`, `${h.timeoutS}s`, String(h.retries), `${h.startPeriodS}s`]);
    // The files' flow sequence is JSON (valid YAML), with the shell's $ escaped as $$ against interpolation.
    const line = `test: ${JSON.stringify(['CMD', 'bash', '-c', HEALTH_PROBE_SCRIPT.replaceAll('$', '$$$$')])}`;
    const timings = `interval: ${h.intervalS}s\n      timeout: ${h.timeoutS}s\n      retries: ${h.retries}\n      start_period: ${h.startPeriodS}s\n`;
    for (const file of ['deploy/swarm/stack.yml', 'docker-compose.yml']) {
      const text = readFileSync(join(findPackageRoot(), file), 'utf8');
      assert.ok(text.includes(`${line}\n      ${timings}`), `${file}: the healthcheck is ${line} with ${timings}`);
      assert.ok(!text.includes('"node", "-e"'), `${file}: no node process per check`);
    }
  });

  it('pass the registry login to the tasks for a registry image only', () => {
    assert.ok(!serviceCreateArgs(o, 1, 'proxy', 'net', '/d').includes('--with-registry-auth'));
    const pushed = resolveOptions('swarm-1', { image: '127.0.0.1:5001/llm-inference-image:test' });
    const args = serviceCreateArgs(pushed, 1, 'proxy', 'net', '/d');
    assert.deepEqual(args.slice(-2), ['--with-registry-auth', '127.0.0.1:5001/llm-inference-image:test']);
    assert.ok(!args.includes('--no-resolve-image'), 'the digest is resolved at creation (the default)');
  });

  it('use dnsrr behind the front proxy, or publish on the routing mesh', () => {
    const proxy = serviceCreateArgs(o, 3, 'proxy', 'net', '/d');
    assert.equal(proxy[proxy.indexOf('--endpoint-mode') + 1], 'dnsrr');
    assert.ok(!proxy.includes('--publish'));
    const mesh = serviceCreateArgs(o, 1, 'mesh', 'net', '/d');
    assert.equal(mesh[mesh.indexOf('--publish') + 1], 'published=8080,target=5000');
    assert.ok(!mesh.includes('--endpoint-mode'));
  });

  it('publish the front proxy in host mode and point it at tasks.<service>', () => {
    const args = frontCreateArgs(o, 'net');
    assert.equal(args[args.indexOf('--name') + 1], 'llm-inference-service-front');
    assert.equal(args[args.indexOf('--publish') + 1], 'mode=host,published=8080,target=8080');
    assert.ok(args.includes('BACKEND=tasks.llm-inference-service'));
    assert.ok(!args.includes('--constraint'), 'one node: no placement rule');
  });

  it('spread the replicas over several nodes and keep the front on the manager', () => {
    assert.ok(!serviceCreateArgs(o, 3, 'proxy', 'net', '/d').includes('--replicas-max-per-node'), 'one node: no spread rule');
    const three = resolveOptions('swarm-3', { nodes: 3 });
    const spread = serviceCreateArgs(three, 3, 'proxy', 'net', '/d');
    assert.equal(spread[spread.indexOf('--replicas-max-per-node') + 1], '1');
    const two = serviceCreateArgs(resolveOptions('swarm-3', { nodes: 2 }), 3, 'proxy', 'net', '/d');
    assert.equal(two[two.indexOf('--replicas-max-per-node') + 1], '2', '3 replicas on 2 nodes: 2 + 1');
    const front = frontCreateArgs(three, 'net');
    assert.equal(front[front.indexOf('--constraint') + 1], 'node.role==manager');
    assert.throws(() => resolveOptions('swarm-3', { nodes: 0 }), /bad nodes: 0/);
  });
});

describe('swarm task states', () => {
  const output = [
    'svc.1|Running|Running 5 seconds ago|',
    'svc.2|Shutdown|Failed 3 seconds ago|task: non-zero exit (1)',
    'svc.3|Running|Starting 1 second ago|',
  ].join('\n');

  it('are parsed from docker service ps', () => {
    assert.deepEqual(parseTasks(output)[1], { name: 'svc.2', desired: 'Shutdown', current: 'Failed 3 seconds ago', error: 'task: non-zero exit (1)' });
  });

  it('name the first failed or rejected task', () => {
    assert.equal(taskFailure(parseTasks(output)), 'task svc.2 failed: task: non-zero exit (1)');
    assert.equal(taskFailure(parseTasks('a.1|Running|Rejected 1 second ago|no such image')), 'task a.1 rejected: no such image');
    assert.equal(taskFailure(parseTasks('svc.1|Running|Running 5 seconds ago|')), undefined);
  });
});

describe('userland proxy detection', () => {
  const argv = parseCmdline('/usr/bin/docker-proxy\0-proto\0tcp\0-host-ip\x000.0.0.0\0-host-port\x005000\0-container-ip\x00172.17.0.2\0-container-port\x005000\0');

  it('recognises the docker-proxy carrying a host port', () => {
    assert.equal(isDockerProxyFor(argv, 5000), true);
    assert.equal(isDockerProxyFor(argv, 8080), false);
    assert.equal(isDockerProxyFor(['/usr/bin/node', '-host-port', '5000'], 5000), false);
  });
});
