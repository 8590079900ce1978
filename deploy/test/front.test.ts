// The HAProxy front (deploy/swarm/haproxy.cfg in llm-inference-front) before two stand-in replicas
// found through Docker's embedded DNS: per-request round robin, no POST replayed on a second replica,
// a stopped replica skipped.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../common/poll.js';
import { requireDocker } from '../../test-support/docker.js';
import { docker } from '../drivers/engine.js';
import { FrontStand } from '../testing/front-stand.js';
import { freePort, infer, ROOT } from '../testing/flow.js';
import type { InferAnswer } from '../testing/flow.js';

/** POST /infer through the front with a request id; `agent` decides whether the connection is kept. */
function post(port: number, id: string, options: { agent?: http.Agent; reset?: boolean } = {}): Promise<InferAnswer> {
  const headers: http.OutgoingHttpHeaders = { 'X-Request-Id': id };
  if (options.reset) headers['X-Reset-After-Body'] = '1';
  return infer(port, `review ${id}`, { agent: options.agent, headers, timeoutMs: 10_000 });
}

/** The request ids a stand-in logged, each as often as it received it. */
async function received(stand: FrontStand, container: string): Promise<string[]> {
  return (await stand.output(container)).filter((line) => line.startsWith('POST ')).map((line) => line.slice('POST '.length));
}

describe('HAProxy front', () => {
  const stand = new FrontStand(`llm-test-front-${process.pid}`);
  let port = 0;
  let steady = '';
  let crashing = '';
  let front = '';

  before(async () => {
    await requireDocker();
    await stand.remove();
    await stand.create(ROOT);
    steady = await stand.startReplica('steady', { logPosts: true });
    crashing = await stand.startReplica('crashing', { logPosts: true, resets: true });
    port = await freePort();
    front = await stand.startFront({ hostPort: port });
    // Both replicas behind the front: resolved through DNS and passed their first health check.
    const seen = new Set<string>();
    await pollUntil(
      async () => {
        const answer = await post(port, 'warm-up').catch(() => undefined);
        if (answer?.status === 200 && answer.replica) seen.add(answer.replica);
        return seen.size === 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the front to reach both stand-in replicas' },
    );
  });

  after(() => stand.remove());

  it('docker: spreads the POSTs of one kept-alive connection over both replicas in turn, body intact', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const order: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const answer = await post(port, `rr-${i}`, { agent });
        assert.equal(answer.status, 200, answer.body);
        assert.equal((JSON.parse(answer.body) as { bytes: number }).bytes, Buffer.byteLength(JSON.stringify({ text: `review rr-${i}` })));
        order.push(answer.replica!);
      }
    } finally {
      agent.destroy();
    }
    for (let i = 1; i < order.length; i++) assert.notEqual(order[i], order[i - 1], `request ${i} went to the same replica as the one before: ${order.join(' ')}`);
  });

  it('docker: a POST whose replica resets the connection after reading it fails with 502 and is never sent to the other replica', async () => {
    const answers = new Map<string, InferAnswer>();
    for (let i = 0; i < 10; i++) answers.set(`reset-${i}`, await post(port, `reset-${i}`, { reset: true }));
    const onSteady = (await received(stand, steady)).filter((id) => id.startsWith('reset-'));
    const onCrashing = (await received(stand, crashing)).filter((id) => id.startsWith('reset-'));

    const failed = [...answers].filter(([, a]) => a.status !== 200).map(([id]) => id);
    assert.ok(failed.length >= 1, 'some POSTs were sent to the replica that resets');
    for (const id of failed) assert.equal(answers.get(id)!.status, 502, `${id}: ${answers.get(id)!.body}`);
    assert.deepEqual(failed, onCrashing, 'exactly the POSTs the crashing replica read failed');
    assert.deepEqual([...onSteady, ...onCrashing].sort(), [...answers.keys()].sort(), 'each POST reached exactly one replica, once');
    for (const id of onSteady) assert.equal(answers.get(id)!.replica, 'steady');
  });

  it('docker: a stopped replica is skipped: every request from the moment it stops succeeds on the other, and the front takes it out', async () => {
    await docker(['stop', '--time', '1', crashing]);
    const replicas = new Set<string>();
    const serve = async (what: string): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        const answer = await post(port, `${what}-${i}`);
        assert.equal(answer.status, 200, answer.body);
        replicas.add(answer.replica!);
      }
    };
    await serve('just-stopped');
    // Whichever notices first takes it out: the health check ("is DOWN") or Docker's DNS dropping its
    // address ("is going DOWN for maintenance (No IP ...)"); on this VM either wins, 1-6 s after the stop.
    await pollUntil(async () => ((await stand.output(front)).some((line) => / is (going )?DOWN\b/.test(line)) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the front to mark the stopped replica down',
    });
    await serve('marked-down');
    assert.deepEqual([...replicas], ['steady']);
  });
});
