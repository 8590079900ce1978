import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestError, isJsonContentType, parseInferBody, saneRequestId } from '../infer-body.js';

const fails = (raw: string | Buffer, status: number, reason: string): void => {
  assert.throws(
    () => parseInferBody(typeof raw === 'string' ? Buffer.from(raw) : raw),
    (err: unknown) => err instanceof RequestError && err.status === status && err.reason === reason,
  );
};

describe('POST /infer body', () => {
  describe('a good body', () => {
    it('gives its text', () => assert.equal(parseInferBody(Buffer.from('{"text":"ok"}')), 'ok'));
    it('ignores other fields', () => assert.equal(parseInferBody(Buffer.from('{"text":"ok","x":1}')), 'ok'));
    it('keeps non-ASCII text intact', () => assert.equal(parseInferBody(Buffer.from('{"text":"café 🎬"}')), 'café 🎬'));
  });

  describe('a bad body', () => {
    it('empty → 400 empty_body', () => fails('', 400, 'empty_body'));
    it('not JSON → 400 bad_json', () => fails('{"text": ', 400, 'bad_json'));
    it('not UTF-8 → 400 bad_encoding', () => fails(Buffer.from([0x7b, 0xff, 0x7d]), 400, 'bad_encoding'));
    it('an array → 400 not_object', () => fails('["text"]', 400, 'not_object'));
    it('a string → 400 not_object', () => fails('"text"', 400, 'not_object'));
    it('null → 400 not_object', () => fails('null', 400, 'not_object'));
    it('no text field → 400 missing_text', () => fails('{"txt":"a"}', 400, 'missing_text'));
    it('text a number → 400 text_not_string', () => fails('{"text":5}', 400, 'text_not_string'));
    it('text null → 400 text_not_string', () => fails('{"text":null}', 400, 'text_not_string'));
    it('text empty → 400 empty_text', () => fails('{"text":""}', 400, 'empty_text'));
    it('text only spaces → 400 empty_text', () => fails('{"text":"  \\n "}', 400, 'empty_text'));
  });

  describe('content type', () => {
    it('accepts application/json with or without a UTF-8 charset', () => {
      assert.equal(isJsonContentType('application/json'), true);
      assert.equal(isJsonContentType('Application/JSON; charset=utf-8'), true);
      assert.equal(isJsonContentType('application/json;charset="UTF8"'), true);
    });
    it('refuses others, a missing one and non-UTF-8 charsets', () => {
      assert.equal(isJsonContentType(undefined), false);
      assert.equal(isJsonContentType('text/plain'), false);
      assert.equal(isJsonContentType('application/x-www-form-urlencoded'), false);
      assert.equal(isJsonContentType('application/json; charset=latin1'), false);
    });
  });

  describe('X-Request-Id', () => {
    it('keeps a UUID or a short token', () => {
      assert.equal(saneRequestId('8c1e9b7a-1f2e-4c3d-9a8b-7c6d5e4f3a2b'), '8c1e9b7a-1f2e-4c3d-9a8b-7c6d5e4f3a2b');
      assert.equal(saneRequestId('run1/req:42'), 'run1/req:42');
    });
    it('drops missing, over-long, formula-like or spaced values', () => {
      assert.equal(saneRequestId(undefined), undefined);
      assert.equal(saneRequestId('x'.repeat(129)), undefined);
      assert.equal(saneRequestId('=cmd'), undefined);
      assert.equal(saneRequestId('a b'), undefined);
      assert.equal(saneRequestId('a,b'), undefined);
    });
  });
});
