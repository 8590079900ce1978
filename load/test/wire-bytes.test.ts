// Bytes on the wire per request, against a real TCP server that speaks just enough HTTP/1.1 to answer
// with bytes the test chose: it counts each request's bytes as they arrive and each response's as it
// writes them, so every client row can be checked against the other end of the socket, exactly.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientRequest } from '../../contracts/client-csv.js';
import { runLoad, type LoadPlan } from '../run.js';

/** What the server saw of one request and sent back for it. */
interface Exchange {
  readonly connection: number;
  readonly requestId: string;
  readonly requestBytes: number;
  responseBytes: number;
}

/** The response to the i-th request: the byte strings to write, in order (a pause between each). */
type Answer = (i: number) => string[];

interface RawServer {
  readonly port: number;
  readonly exchanges: Exchange[];
  readonly connections: () => number;
  close(): Promise<void>;
}

const CRLFCRLF = '\r\n\r\n';

/** Reads requests framed by Content-Length (what the load generator sends) and writes `answer`'s bytes. */
async function startRawServer(answer: Answer): Promise<RawServer> {
  const exchanges: Exchange[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let writing = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf(CRLFCRLF);
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const total = end + CRLFCRLF.length + length;
        if (buf.length < total) return;
        const exchange: Exchange = {
          connection, requestId: /x-request-id: *(\S+)/i.exec(head)?.[1] ?? '', requestBytes: total, responseBytes: 0,
        };
        exchanges.push(exchange);
        buf = buf.subarray(total);
        const parts = answer(exchanges.length - 1);
        writing = writing.then(async () => {
          for (const [k, part] of parts.entries()) {
            if (k > 0) await sleep(5); // separate reads on the client side
            if (socket.destroyed) return;
            socket.write(part);
            exchange.responseBytes += Buffer.byteLength(part);
          }
        });
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    exchanges,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const json = (body: string, extra = ''): string[] => [
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Replica: raw\r\n${extra}\r\n${body}`,
];

/** A chunked JSON body in three chunks, written apart: the chunk sizes and CRLFs are bytes on the wire too. */
const chunked = (): string[] => [
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Replica: chunky\r\n\r\n',
  'e\r\n{"prediction":\r\n',
  'b\r\n"NEGATIVE"}\r\n',
  '0\r\n\r\n',
];

const plan = (port: number, over: Partial<LoadPlan>): LoadPlan => ({
  target: { host: '127.0.0.1', port, path: '/infer' },
  label: 'bytes', phase: 'p', concurrency: 1, requests: 6, timeoutMs: 5000,
  texts: ['short', 'a longer review with ünïcödé, counted in bytes, not characters', 'x'.repeat(3000)], ...over,
});

/** Each client row's bytes beside what the server counted for the same request (by X-Request-Id). */
function pairs(rows: readonly ClientRequest[], exchanges: readonly Exchange[]): { row: ClientRequest; exchange: Exchange }[] {
  return rows.map((r) => {
    const e = exchanges.find((x) => x.requestId === r.requestId);
    assert.ok(e, `the server saw request ${r.requestId}`);
    return { row: r, exchange: e };
  });
}

describe('bytes on the wire per request, against a real TCP server', () => {
  describe('one kept-alive connection carrying several requests', () => {
    let server: RawServer;
    // Sizes differ from request to request, so a count carried over to the next request would show.
    const answers: Answer = (i) => (i % 3 === 2 ? chunked() : json(`{"prediction":"POSITIVE","pad":"${'p'.repeat(i * 37)}"}`));
    before(async () => (server = await startRawServer(answers)));
    after(() => server.close());

    it('counts each request and each response exactly, Content-Length and chunked bodies alike', async () => {
      const { rows, summary } = await runLoad(plan(server.port, { requests: 6 }));
      assert.equal(server.connections(), 1, 'all six requests went over one connection');
      assert.equal(summary.ok, 6);
      assert.deepEqual(rows.map((r) => r.replica), ['raw', 'raw', 'chunky', 'raw', 'raw', 'chunky']);
      for (const { row, exchange } of pairs(rows, server.exchanges)) {
        assert.equal(row.bytesSent, exchange.requestBytes, `seq ${row.seq} sent`);
        assert.equal(row.bytesReceived, exchange.responseBytes, `seq ${row.seq} received`);
      }
      // Known sizes, independently of the server's counting: the chunked answer is its four writes.
      const chunkedBytes = chunked().reduce((n, part) => n + Buffer.byteLength(part), 0);
      assert.equal(rows[2]!.bytesReceived, chunkedBytes);
      assert.equal(rows[5]!.bytesReceived, chunkedBytes);
      assert.equal(rows[0]!.bytesReceived, Buffer.byteLength(json('{"prediction":"POSITIVE","pad":""}')[0]!));
      // The request is its head and its JSON body, the body in UTF-8 bytes.
      const body = Buffer.byteLength(JSON.stringify({ text: plan(0, {}).texts[1] }));
      const head = `POST /infer HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json\r\nContent-Length: ${body}\r\nX-Request-Id: ${rows[1]!.requestId}\r\n\r\n`;
      assert.equal(rows[1]!.bytesSent, Buffer.byteLength(head) + body);
      assert.equal(summary.bytesSent, rows.reduce((n, r) => n + r.bytesSent, 0));
      assert.equal(summary.bytesReceived, rows.reduce((n, r) => n + r.bytesReceived, 0));
    });

    it('stays exact with several connections side by side, each carrying several requests', async () => {
      const seen = server.exchanges.length;
      const before = server.connections();
      const { rows } = await runLoad(plan(server.port, { requests: 24, concurrency: 3 }));
      assert.equal(rows.length, 24);
      assert.ok(server.connections() - before <= 3, 'at most one connection per client');
      for (const { row, exchange } of pairs(rows, server.exchanges.slice(seen))) {
        assert.equal(row.bytesSent, exchange.requestBytes, `seq ${row.seq} sent`);
        assert.equal(row.bytesReceived, exchange.responseBytes, `seq ${row.seq} received`);
      }
    });
  });

  it('counts a response that ends with the connection (Connection: close) and the next request on a new one', async () => {
    const server = await startRawServer(() => json('{"prediction":"POSITIVE"}', 'Connection: close\r\n'));
    try {
      const { rows } = await runLoad(plan(server.port, { requests: 3 }));
      assert.equal(server.connections(), 3);
      for (const { row, exchange } of pairs(rows, server.exchanges)) {
        assert.equal(row.error, '');
        assert.deepEqual([row.bytesSent, row.bytesReceived], [exchange.requestBytes, exchange.responseBytes]);
      }
    } finally {
      await server.close();
    }
  });

  it('records what went out and what came back of a request that failed half-way', async () => {
    // The head arrives, the body never does: the request times out with the head's bytes received.
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const server = await startRawServer(() => [head]);
    try {
      const { rows } = await runLoad(plan(server.port, { requests: 1, timeoutMs: 300 }));
      assert.equal(rows[0]!.error, 'timeout');
      assert.equal(rows[0]!.bytesSent, server.exchanges[0]!.requestBytes);
      assert.equal(rows[0]!.bytesReceived, Buffer.byteLength(head));
    } finally {
      await server.close();
    }
  });

  it('counts nothing sent on a connection that was refused', async () => {
    const server = await startRawServer(() => []);
    const port = server.port;
    await server.close();
    const { rows } = await runLoad(plan(port, { requests: 2 }));
    assert.deepEqual(rows.map((r) => [r.error, r.bytesSent, r.bytesReceived]), [['ECONNREFUSED', 0, 0], ['ECONNREFUSED', 0, 0]]);
  });
});
