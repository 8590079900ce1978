import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KeepAliveConnection, inferRequest, parseResponse } from '../service-client.js';

const response = (status: number, body: string): Buffer =>
  Buffer.from(`HTTP/1.1 ${status} X\r\nContent-Type: text/csv\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

describe('the benchmark\'s lean HTTP client', () => {
  describe('parseResponse', () => {
    it('waits while the head is incomplete', () => {
      assert.equal(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Len')), undefined);
    });
    it('waits while the body is incomplete', () => {
      assert.equal(parseResponse(response(200, 'abcdef').subarray(0, -2)), undefined);
    });
    it('gives the status and where the response ends, counting body bytes not characters', () => {
      const one = response(200, 'é,🎬');
      const two = Buffer.concat([one, response(413, '{}')]);
      assert.deepEqual(parseResponse(two), { status: 200, end: one.length });
    });
    it('refuses a response without Content-Length', () => {
      assert.throws(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')));
    });
  });

  describe('KeepAliveConnection against a real HTTP server', () => {
    let server: http.Server;
    let port: number;
    const seen: { method?: string; url?: string; type?: string; body: string; socket: unknown }[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body, socket: req.socket });
          const text = (JSON.parse(body) as { text: string }).text;
          if (text === 'close') res.shouldKeepAlive = false;
          const answer = `row for ${text}`;
          // Content-Length as Koa sends it for the service's string bodies (the client needs it).
          res.writeHead(text === 'big' ? 413 : 200, {
            'Content-Type': 'text/csv',
            'Content-Length': Buffer.byteLength(answer),
          });
          res.end(answer);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('sends POST /infer with the JSON body and reads several answers on one connection', async () => {
      const conn = await KeepAliveConnection.open(port);
      try {
        assert.equal(await conn.send(inferRequest(port, JSON.stringify({ text: 'a' }))), 200);
        assert.equal(await conn.send(inferRequest(port, JSON.stringify({ text: 'big' }))), 413);
        assert.equal(await conn.send(inferRequest(port, JSON.stringify({ text: 'café 🎬' }))), 200);
      } finally {
        conn.close();
      }
      assert.deepEqual(seen.map((s) => [s.method, s.url, s.type, s.body]), [
        ['POST', '/infer', 'application/json', '{"text":"a"}'],
        ['POST', '/infer', 'application/json', '{"text":"big"}'],
        ['POST', '/infer', 'application/json', '{"text":"café 🎬"}'],
      ]);
      assert.ok(seen.every((s) => s.socket === seen[0]!.socket), 'one TCP connection, kept alive');
    });

    it('fails the next request once the server has closed the connection', async () => {
      const conn = await KeepAliveConnection.open(port);
      assert.equal(await conn.send(inferRequest(port, JSON.stringify({ text: 'close' }))), 200);
      await assert.rejects(conn.send(inferRequest(port, JSON.stringify({ text: 'after' }))), /closed|EPIPE|ECONNRESET/);
      conn.close();
    });
  });
});
