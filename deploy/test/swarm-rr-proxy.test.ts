import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { forwardedHeaders, RoundRobin, startProxy, type RunningProxy } from '../swarm/rr-proxy.js';

/** A backend answering with its own address, on a loopback alias (127.0.0.x), like a swarm task. */
function backend(host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'x-replica': host }).end(JSON.stringify({ host, body, method: req.method, url: req.url })));
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

function post(port: number, agent: http.Agent, body: string): Promise<{ status: number; replica: string; json: Record<string, string> }> {
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/infer?x=1', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, replica: String(res.headers['x-replica']), json: text.startsWith('{') ? JSON.parse(text) : {} }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('round robin', () => {
  it('cycles over the sorted, de-duplicated backends', () => {
    const rr = new RoundRobin();
    assert.equal(rr.update(['10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.1']), true);
    assert.deepEqual([1, 2, 3, 4].map(() => rr.pick()), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    assert.equal(rr.update(['10.0.0.2', '10.0.0.3', '10.0.0.1']), false, 'same set in another order is no change');
  });

  it('skips the backends already tried and gives up when none is left', () => {
    const rr = new RoundRobin();
    rr.update(['a', 'b']);
    assert.equal(rr.pick(new Set(['a'])), 'b');
    assert.equal(rr.pick(new Set(['a', 'b'])), undefined);
    assert.equal(new RoundRobin().pick(), undefined);
  });

  it('drops hop-by-hop headers when forwarding', () => {
    assert.deepEqual(forwardedHeaders({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-request-id': 'r1', 'content-type': 'a/b' }), {
      'x-request-id': 'r1',
      'content-type': 'a/b',
    });
  });
});

describe('rr-proxy front', () => {
  const servers: http.Server[] = [];
  let backendPort = 0;
  let addresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  let proxy: RunningProxy;

  before(async () => {
    const first = await backend('127.0.0.1', 0);
    backendPort = (first.address() as AddressInfo).port;
    servers.push(first, await backend('127.0.0.2', backendPort), await backend('127.0.0.3', backendPort));
    proxy = await startProxy({ listenPort: 0, listenHost: '127.0.0.1', backendPort, mode: 'http', refreshMs: 50, resolve: async () => addresses });
  });

  after(async () => {
    await proxy.close();
    for (const s of servers) s.close();
  });

  it('in http mode spreads the requests of one keep-alive connection evenly, passing method, path and body', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const answer = await post(proxy.port, agent, `{"text":"review ${i}"}`);
      assert.equal(answer.status, 200);
      assert.deepEqual({ body: answer.json.body, method: answer.json.method, url: answer.json.url }, { body: `{"text":"review ${i}"}`, method: 'POST', url: '/infer?x=1' });
      counts.set(answer.replica, (counts.get(answer.replica) ?? 0) + 1);
    }
    agent.destroy();
    assert.deepEqual([...counts.values()], [10, 10, 10]);
  });

  it('skips a backend that refuses connections (a stopped replica) without failing the request', async () => {
    addresses = ['127.0.0.1', '127.0.0.4']; // nothing listens on 127.0.0.4
    await new Promise((r) => setTimeout(r, 120));
    const agent = new http.Agent({ keepAlive: false });
    for (let i = 0; i < 4; i++) assert.equal((await post(proxy.port, agent, '{}')).replica, '127.0.0.1');
  });

  it('answers 502 when DNS has no task at all', async () => {
    addresses = [];
    await new Promise((r) => setTimeout(r, 120));
    assert.equal((await post(proxy.port, new http.Agent(), '{}')).status, 502);
  });
});

describe('rr-proxy front in tcp mode', () => {
  it('spreads connections (not requests) over the backends', async () => {
    const a = await backend('127.0.0.1', 0);
    const port = (a.address() as AddressInfo).port;
    const b = await backend('127.0.0.2', port);
    const proxy = await startProxy({ listenPort: 0, listenHost: '127.0.0.1', backendPort: port, mode: 'tcp', refreshMs: 1000, resolve: async () => ['127.0.0.1', '127.0.0.2'] });
    try {
      const fresh = new http.Agent({ keepAlive: false });
      const replicas = [];
      for (let i = 0; i < 4; i++) replicas.push((await post(proxy.port, fresh, '{}')).replica);
      assert.deepEqual(replicas.sort(), ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2']);
    } finally {
      await proxy.close();
      a.close();
      b.close();
    }
  });
});
