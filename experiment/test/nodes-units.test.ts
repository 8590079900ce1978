// --nodes without an engine: the option's checks, the node collectors' service arguments and how their
// announcements are read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../contracts/usage-error.js';
import { announcedRuns, collectorServiceArgs } from '../node-collectors.js';
import { parseExperimentArgs } from '../options.js';

describe('--nodes', () => {
  it('defaults to swarm-3 without the A/A pair, and keeps the swarm deployments asked for', () => {
    const o = parseExperimentArgs(['--nodes', '3']);
    assert.equal(o.nodes, 3);
    assert.deepEqual(o.deployments, ['swarm-3']);
    assert.equal(o.aa, false);
    assert.deepEqual(parseExperimentArgs(['--nodes', '2', '--deployments', 'swarm-1,swarm-3']).deployments, ['swarm-1', 'swarm-3']);
    assert.equal(parseExperimentArgs([]).nodes, undefined);
  });

  it('refuses a bad count and deployments that cannot span nodes, naming them, before anything starts', () => {
    for (const bad of ['1', '0', 'two', '2.5', '10']) {
      assert.throws(() => parseExperimentArgs(['--nodes', bad]), (e: unknown) => e instanceof UsageError && e.message.includes(`got '${bad}'`), bad);
    }
    assert.throws(() => parseExperimentArgs(['--nodes', '2', '--deployments', 'native,swarm-3,compose']),
      (e: unknown) => e instanceof UsageError && /only swarm-1 and swarm-3 can span nodes, not native, compose/.test(e.message));
  });
});

describe('node collectors', () => {
  it('run globally, each on its node\'s socket and volume, named after the node, never restarted', () => {
    // --client-pid names a pid of the host's namespace (the experiment's), which a node's collector cannot see
    const args = collectorServiceArgs('swarm-3', 1000, ['--deployment', 'swarm', '--client-pid', '4242', '--service', 'llm-inference-service']);
    assert.equal(args[args.indexOf('--mode') + 1], 'global');
    assert.equal(args[args.indexOf('--hostname') + 1], '{{.Node.Hostname}}');
    assert.ok(args.includes('type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock'));
    assert.ok(args.includes('type=volume,src=llm-bench-collector,dst=/data'));
    assert.equal(args[args.indexOf('--restart-condition') + 1], 'none');
    const cmd = args.slice(args.indexOf('llm-deploy-bench-collector') + 1);
    assert.deepEqual(cmd, ['start', '--label', 'swarm-3', '--db', '/data/bench.db', '--interval', '1s', '--stats-source', 'docker-api-stream',
      '--deployment', 'swarm', '--service', 'llm-inference-service']);
  });

  it('announce their run ids per node in the service log', () => {
    const logs = [
      'llm-bench-collector.abc.def@llm-bench-node-1    | run 4 "swarm-3" recording every 1000 ms (docker-api-stream) into /data/bench.db',
      'llm-bench-collector.ghi.jkl@llm-bench-node-2    | run 1 "swarm-3" recording every 1000 ms (docker-api-stream) into /data/bench.db',
      'llm-bench-collector.ghi.jkl@llm-bench-node-2    | run 7 "swarm-1" recording every 1000 ms (docker-api-stream) into /data/bench.db',
      'llm-bench-collector.mno.pqr@llm-bench-node-3    | watching the tasks of swarm service llm-inference-service',
    ].join('\n');
    assert.deepEqual([...announcedRuns(logs, 'swarm-3')], [['llm-bench-node-1', 4], ['llm-bench-node-2', 1]]);
    assert.deepEqual([...announcedRuns(logs, 'swarm-1')], [['llm-bench-node-2', 7]]);
  });
});
