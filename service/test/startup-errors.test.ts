import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { suiteTempDir } from '../testing/harness.js';
import { spawnService } from '../testing/process.js';

describe('service start-up errors', () => {
  const tempDir = suiteTempDir('service-startup-');

  describe('a bad setting', () => {
    it('exits 2 with one line naming the variable and value', async () => {
      const p = spawnService({ PORT: 'abc' }, tempDir());
      assert.equal(await p.exited, 2);
      assert.equal(p.stderr(), 'service: PORT="abc" is not a whole number from 0 to 65535\n');
    });
  });

  describe('a port that is already taken', () => {
    it('exits 1 with one line naming the address and the reason', async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const p = spawnService({ PORT: String(port), HOST: '127.0.0.1' }, tempDir());
        assert.equal(await p.exited, 1);
        assert.equal(p.stderr(), `service: cannot listen on 127.0.0.1:${port}: EADDRINUSE (check PORT and HOST)\n`);
      } finally {
        blocker.close();
      }
    });
  });

  describe('a model that is neither local nor downloadable', () => {
    it('exits 1 with a message naming the model, where it looked and how to fix it', async () => {
      const p = spawnService(
        { PORT: '0', HOST: '127.0.0.1', MODEL_ID: 'no-such-model', ALLOW_REMOTE_MODELS: '0', MODEL_CACHE_DIR: tempDir() },
        tempDir(),
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
