import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLoad, type LoadPlan } from '../run.js';
import { serviceLike, startLocalServer, type LocalServer } from '../../test-support/local-servers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const plan = (port: number, over: Partial<LoadPlan>): LoadPlan => ({
  target: { host: '127.0.0.1', port, path: '/infer' },
  label: 'test', phase: 'p', concurrency: 1, requests: 5, timeoutMs: 5000, texts: ['one', 'two', 'three'], ...over,
});

describe('load generator against real local HTTP servers', () => {
  describe('closed loop', () => {
    let server: LocalServer;
    let inFlight = 0;
    let maxInFlight = 0;
    before(async () => {
      const answer = serviceLike('replica-a', 5);
      server = await startLocalServer((req, res, body, i) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        res.on('finish', () => inFlight--);
        answer(req, res, body, i);
      });
    });
    after(() => server.close());

    it('sends M requests with a fresh UUID each and records the response headers', async () => {
      const { rows, summary } = await runLoad(plan(server.port, { requests: 7 }));
      assert.equal(rows.length, 7);
      assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
      assert.ok(rows.every((r) => UUID.test(r.requestId)));
      assert.equal(new Set(rows.map((r) => r.requestId)).size, 7);
      assert.deepEqual(server.received.slice(-7).map((r) => r.requestId), rows.map((r) => r.requestId));
      assert.deepEqual(JSON.parse(server.received.at(-1)!.body), { text: 'one' }); // seq 7 wraps to texts[0]
      for (const r of rows) {
        assert.equal(r.status, 200);
        assert.equal(r.error, '');
        assert.equal(r.replica, 'replica-a');
        assert.equal(r.serverLatencyMs, 1.25);
        assert.equal(r.prediction, 'POSITIVE');
        assert.equal(r.latencyMs, r.doneMs - r.intendedMs);
        assert.ok(r.intendedMs <= r.sentMs && r.sentMs <= r.doneMs);
      }
      assert.equal(summary.ok, 7);
      assert.deepEqual(summary.replicaShares, { 'replica-a': 1 });
      assert.ok(summary.cpuPercent >= 0);
    });

    it('never has more than N requests in flight', async () => {
      maxInFlight = 0;
      const { rows } = await runLoad(plan(server.port, { requests: 24, concurrency: 4 }));
      assert.equal(rows.length, 24);
      // Never more than 4; at least 2 at once shows the clients did run side by side (how many overlap
      // exactly depends on scheduling on a busy machine).
      assert.ok(maxInFlight <= 4 && maxInFlight >= 2, `max in flight ${maxInFlight}`);
    });

    it('can leave the rows out of memory (keepRows: false) and still summarise them all', async () => {
      const seen: number[] = [];
      const { rows, summary } = await runLoad(plan(server.port, { requests: 9, concurrency: 3 }), {
        keepRows: false,
        onRow: (r) => seen.push(r.seq),
      });
      assert.deepEqual(rows, []);
      assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(summary.requests, 9);
      assert.equal(summary.ok, 9);
      assert.ok(summary.latencyMs !== null && summary.latencyMs.max >= summary.latencyMs.p50);
    });

    it('stops claiming requests when the duration is over', async () => {
      const { rows, startMs } = await runLoad(plan(server.port, { requests: undefined, durationMs: 150, concurrency: 2 }));
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => r.intendedMs < startMs + 150));
    });
  });

  describe('open loop', () => {
    it('keeps sending at the intended times while earlier requests are still unanswered', async () => {
      // Answers take 1 s; 10 requests at 50/s are all due within 180 ms, so a closed loop would have sent one.
      const server = await startLocalServer(serviceLike('slow', 1000));
      try {
        let receivedBeforeFirstAnswer = -1;
        const { rows } = await runLoad(plan(server.port, { rateRps: 50, requests: 10 }), {
          onRow: () => {
            if (receivedBeforeFirstAnswer < 0) receivedBeforeFirstAnswer = server.received.length;
          },
        });
        assert.equal(rows.length, 10);
        assert.equal(receivedBeforeFirstAnswer, 10);
        const t0 = rows[0]!.intendedMs;
        rows.forEach((r, i) => assert.ok(Math.abs(r.intendedMs - (t0 + i * 20)) < 1e-6, `intended ${i}`));
        // Never early (a timer may fire before its time by as much as the event loop was busy).
        for (const r of rows) assert.ok(r.sentMs >= r.intendedMs, `seq ${r.seq} sent ${r.intendedMs - r.sentMs} ms early`);
      } finally {
        await server.close();
      }
    });

    it('measures latency from the intended send time, so a stall is not hidden (no coordinated omission)', async () => {
      // The first answer blocks this process for 300 ms: the requests due meanwhile go out late, and
      // their latency includes the wait.
      const server = await startLocalServer((req, res, body, i) => {
        if (i === 0) {
          const until = Date.now() + 300;
          while (Date.now() < until);
        }
        serviceLike()(req, res, body, i);
      });
      try {
        const { rows } = await runLoad(plan(server.port, { rateRps: 100, requests: 20 }));
        assert.equal(rows.length, 20);
        const late = rows.filter((r) => r.sentMs - r.intendedMs > 100);
        assert.ok(late.length >= 5, `requests sent late during the stall: ${late.length}`);
        for (const r of rows) assert.ok(r.latencyMs >= r.sentMs - r.intendedMs && r.latencyMs === r.doneMs - r.intendedMs);
      } finally {
        await server.close();
      }
    });
  });

  describe('response framing', () => {
    it('reads chunked bodies and servers that close each connection, and counts answers, not sockets', async () => {
      const chunked = await startLocalServer((_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Replica', 'chunky');
        res.write('{"prediction":');
        res.end('"NEGATIVE"}');
      });
      const closing = await startLocalServer((_req, res) => {
        res.setHeader('Connection', 'close');
        serviceLike('closer')(_req, res, '', 0);
      });
      try {
        const a = await runLoad(plan(chunked.port, { requests: 6, concurrency: 2 }));
        assert.deepEqual(new Set(a.rows.map((r) => `${r.status} ${r.replica} ${r.prediction}`)), new Set(['200 chunky NEGATIVE']));
        const b = await runLoad(plan(closing.port, { requests: 6, concurrency: 2 }));
        assert.deepEqual(b.summary.errors, {});
        assert.equal(b.summary.ok, 6);
        assert.deepEqual(b.summary.replicaShares, { closer: 1 });
      } finally {
        await chunked.close();
        await closing.close();
      }
    });
  });

  describe('failures are counted and never hang the run', () => {
    it('times out a server that does not answer', async () => {
      const server = await startLocalServer(() => {}); // never answers
      try {
        const { rows, summary } = await runLoad(plan(server.port, { requests: 3, concurrency: 3, timeoutMs: 200 }));
        assert.deepEqual(rows.map((r) => [r.status, r.error]), [[0, 'timeout'], [0, 'timeout'], [0, 'timeout']]);
        assert.deepEqual(summary.errors, { timeout: 3 });
        assert.equal(summary.ok, 0);
      } finally {
        await server.close();
      }
    });

    it('records ECONNRESET when the server drops the socket', async () => {
      const server = await startLocalServer((req) => req.socket.destroy());
      try {
        const { summary } = await runLoad(plan(server.port, { requests: 4, concurrency: 2 }));
        assert.deepEqual(summary.errors, { ECONNRESET: 4 });
      } finally {
        await server.close();
      }
    });

    it('records ECONNREFUSED when nothing listens', async () => {
      const server = await startLocalServer(() => {});
      const port = server.port;
      await server.close();
      const { rows } = await runLoad(plan(port, { requests: 2 }));
      assert.deepEqual(rows.map((r) => r.error), ['ECONNREFUSED', 'ECONNREFUSED']);
    });

    it('records the status of an error response', async () => {
      const server = await startLocalServer((_req, res) => {
        res.statusCode = 503;
        res.end('{"error":"loading"}');
      });
      try {
        const { rows, summary } = await runLoad(plan(server.port, { requests: 2 }));
        assert.deepEqual(rows.map((r) => [r.status, r.error]), [[503, 'http_503'], [503, 'http_503']]);
        assert.equal(summary.latencyMs?.max !== undefined, true); // answered requests still have a latency
      } finally {
        await server.close();
      }
    });

    it('stops when the signal fires; requests in flight end as aborted', async () => {
      const server = await startLocalServer(() => {});
      try {
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 100);
        const { rows } = await runLoad(plan(server.port, { requests: 1000, concurrency: 2, timeoutMs: 60_000 }), { signal: stop.signal });
        assert.deepEqual(rows.map((r) => r.error), ['aborted', 'aborted']);
      } finally {
        await server.close();
      }
    });
  });
});
