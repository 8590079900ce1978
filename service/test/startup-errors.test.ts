import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnService } from '../testing/process.js';

describe('service start-up errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'service-startup-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('a bad setting', () => {
    it('exits 2 with one line naming the variable and value', async () => {
      const p = spawnService({ PORT: 'abc' }, dir);
      assert.equal(await p.exited, 2);
      assert.equal(p.stderr(), 'service: PORT="abc" is not a whole number from 0 to 65535\n');
    });
  });

  describe('a model that is neither local nor downloadable', () => {
    it('exits 1 with a message naming the model, where it looked and how to fix it', async () => {
      const p = spawnService(
        { PORT: '0', HOST: '127.0.0.1', MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: '0', MODEL_CACHE_DIR: dir },
        dir,
      );
      assert.equal(await p.exited, 1);
      const err = p.stderr();
      assert.match(err, /cannot load model "no-such-model" \(q8\)/);
      assert.match(err, /Looked in: local folder .*data\/models\/no-such-model \(absent\), download cache/);
      assert.match(err, /ALLOW_REMOTE_MODELS=0/);
      assert.match(err, /Fix: put the model folder at /);
    });
  });
});
