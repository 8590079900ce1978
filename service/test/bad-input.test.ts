import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { postInfer, readCsvFile, startTestService, type TestService } from '../testing/harness.js';

interface Answer {
  status: number;
  contentType: string;
  error: unknown;
}

async function answer(res: Response): Promise<Answer> {
  const contentType = res.headers.get('content-type') ?? '';
  const body = (await res.json()) as { error?: unknown };
  return { status: res.status, contentType, error: body.error };
}

/** Reads one counter sample from the Prometheus text, 0 when absent. */
async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('bad input to the service', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ BODY_LIMIT_BYTES: '1024' });
  });
  after(async () => {
    await t.stop();
  });

  const cases: { name: string; send: () => Promise<Response>; status: number; reason?: string; error: RegExp }[] = [
    {
      name: 'a non-JSON body',
      send: () => postInfer(t.url, '{"text": "unterminated', { raw: true }),
      status: 400,
      reason: 'bad_json',
      error: /not valid JSON/,
    },
    {
      name: 'an empty body',
      send: () => postInfer(t.url, '', { raw: true }),
      status: 400,
      reason: 'empty_body',
      error: /body is empty/,
    },
    {
      name: 'a wrong content type',
      send: () => postInfer(t.url, '{"text":"fine"}', { raw: true, headers: { 'Content-Type': 'text/plain' } }),
      status: 415,
      reason: 'wrong_content_type',
      error: /Content-Type must be application\/json, got "text\/plain"/,
    },
    {
      name: 'a missing text',
      send: () => postInfer(t.url, { txt: 'typo' }),
      status: 400,
      reason: 'missing_text',
      error: /"text" is missing/,
    },
    {
      name: 'an empty text',
      send: () => postInfer(t.url, { text: '' }),
      status: 400,
      reason: 'empty_text',
      error: /"text" is empty/,
    },
    {
      name: 'a non-string text',
      send: () => postInfer(t.url, { text: ['a', 'b'] }),
      status: 400,
      reason: 'text_not_string',
      error: /must be a string, got array/,
    },
    {
      name: 'a body above the size limit',
      send: () => postInfer(t.url, { text: 'x'.repeat(2000) }),
      status: 413,
      reason: 'too_large',
      error: /larger than 1024 bytes/,
    },
    {
      name: 'an unknown route',
      send: () => fetch(`${t.url}/predict`, { method: 'POST' }),
      status: 404,
      error: /no route POST \/predict/,
    },
    {
      name: 'a wrong method',
      send: () => fetch(`${t.url}/infer`, { method: 'GET' }),
      status: 405,
      error: /method GET not allowed on \/infer \(allowed: POST\)/,
    },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      it(`gets ${c.status} with a JSON error naming the problem`, async () => {
        const a = await answer(await c.send());
        assert.equal(a.status, c.status);
        assert.match(a.contentType, /^application\/json/);
        assert.ok(typeof a.error === 'string');
        assert.match(a.error, c.error);
        assert.doesNotMatch(a.error, /\n\s+at /, 'no stack trace');
      });
      it('is counted in /metrics', async () => {
        const before = await metric(t.url, 'http_requests_total', `status="${c.status}"`);
        await (await c.send()).arrayBuffer();
        assert.equal(await metric(t.url, 'http_requests_total', `status="${c.status}"`), before + 1);
        if (c.reason !== undefined) {
          assert.ok((await metric(t.url, 'inference_rejected_requests_total', `reason="${c.reason}"`)) >= 2);
        }
      });
    });
  }

  describe('a body above the limit sent in chunks without a Content-Length', () => {
    it('gets 413 once the limit is passed', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${t.url}/infer`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write('{"text":"');
        for (let i = 0; i < 4; i++) req.write('y'.repeat(500));
        req.end('"}');
      });
      assert.equal(status, 413);
    });
  });

  describe('after all of the above', () => {
    it('has written no CSV row for any rejected request', () => {
      assert.equal(existsSync(t.csvFile), false);
    });
    it('still serves good requests and logs them', async () => {
      const res = await postInfer(t.url, { text: 'Still standing: a fine film.' });
      assert.equal(res.status, 200);
      await res.text();
      const rows = await readCsvFile(t.csvFile);
      assert.equal(rows.length, 1);
    });
  });
});

describe('a client that hangs up in the middle of its body', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(async () => {
    await t.stop();
  });

  it('is counted as client_aborted, writes no row, and the service keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${t.url}/infer`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"text":"half a bo', () => setTimeout(() => req.destroy(), 50));
    });
    for (let i = 0; i < 50; i++) {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      if (/inference_rejected_requests_total\{reason="client_aborted"\} 1/.test(text)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /inference_rejected_requests_total\{reason="client_aborted"\} 1/);
    assert.equal(existsSync(t.csvFile), false);
    const res = await postInfer(t.url, { text: 'fine' });
    assert.equal(res.status, 200);
    await res.text();
  });
});
