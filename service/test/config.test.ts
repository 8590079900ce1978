import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../config.js';

const where = { cwd: '/work/here', packageRoot: '/opt/app' };

describe('service settings from the environment', () => {
  describe('with nothing set', () => {
    const cfg = parseConfig({}, where);
    it('listens on 0.0.0.0:5000', () => {
      assert.equal(cfg.port, 5000);
      assert.equal(cfg.host, '0.0.0.0');
    });
    it('logs to system_inference_metrics.csv in the working directory', () => {
      assert.equal(cfg.metricsLogFile, path.join('/work/here', 'system_inference_metrics.csv'));
    });
    it('serves the bundled model from data/models under the package root, q8', () => {
      assert.equal(cfg.modelId, 'minibert-sst2');
      assert.equal(cfg.modelDtype, 'q8');
      assert.equal(cfg.modelDir, '/opt/app/data/models');
      assert.equal(cfg.modelCacheDir, '/opt/app/data/model-cache');
      assert.equal(cfg.allowRemoteModels, true);
      assert.equal(cfg.onnxThreads, undefined);
      assert.equal(cfg.onnxSpinning, false);
    });
    it('limits bodies to 16 KiB and batches up to 8 requests without waiting', () => {
      assert.equal(cfg.bodyLimitBytes, 16384);
      assert.equal(cfg.batchMaxSize, 8);
      assert.equal(cfg.batchMaxWaitMs, 0);
      assert.equal(cfg.batchMaxInFlight, 2);
    });
    it('runs lone texts on the main thread when a lone call takes at most 2 ms', () => {
      assert.equal(cfg.loneTextMaxMs, 2);
    });
  });

  describe('with values set', () => {
    it('reads every variable', () => {
      const cfg = parseConfig(
        {
          PORT: '8080',
          HOST: '127.0.0.1',
          METRICS_LOG_FILE: '/var/log/x.csv',
          MODEL_ID: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
          MODEL_DTYPE: 'fp32',
          MODEL_DIR: '/models',
          MODEL_CACHE_DIR: 'cache',
          ALLOW_REMOTE_MODELS: 'no',
          ONNX_THREADS: '2',
          ONNX_SPINNING: '1',
          BODY_LIMIT_BYTES: '1024',
          BATCH_MAX_SIZE: '8',
          BATCH_MAX_WAIT_MS: '3',
          BATCH_MAX_IN_FLIGHT: '1',
          LONE_TEXT_MAX_MS: '0.5',
          SHUTDOWN_TIMEOUT_MS: '1000',
        },
        where,
      );
      assert.deepEqual(cfg, {
        port: 8080,
        host: '127.0.0.1',
        metricsLogFile: '/var/log/x.csv',
        modelId: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
        modelDtype: 'fp32',
        modelDir: '/models',
        modelCacheDir: '/opt/app/cache',
        allowRemoteModels: false,
        onnxThreads: 2,
        onnxSpinning: true,
        bodyLimitBytes: 1024,
        batchMaxSize: 8,
        batchMaxWaitMs: 3,
        loneTextMaxMs: 0.5,
        modelSessions: 1,
        batchMaxInFlight: 1,
        shutdownTimeoutMs: 1000,
      });
    });
    it('MODEL_SESSIONS: one onnxruntime thread per session and sessions + 1 calls in flight unless set', () => {
      const one = parseConfig({}, where);
      assert.deepEqual([one.modelSessions, one.onnxThreads, one.batchMaxInFlight], [1, undefined, 2]);
      const two = parseConfig({ MODEL_SESSIONS: '2' }, where);
      assert.deepEqual([two.modelSessions, two.onnxThreads, two.batchMaxInFlight], [2, 1, 3]);
      const set = parseConfig({ MODEL_SESSIONS: '2', ONNX_THREADS: '2', BATCH_MAX_IN_FLIGHT: '2' }, where);
      assert.deepEqual([set.onnxThreads, set.batchMaxInFlight], [2, 2]);
    });
    it('takes IPv4, IPv6 and host names for HOST', () => {
      for (const host of ['127.0.0.1', '::', '::1', 'localhost', 'svc-1.internal']) {
        assert.equal(parseConfig({ HOST: host }, where).host, host);
      }
    });
    it('treats an empty value as unset', () => {
      assert.equal(parseConfig({ PORT: '' }, where).port, 5000);
    });
  });

  describe('with a bad value', () => {
    const bad: [string, string, RegExp][] = [
      ['PORT', 'eighty', /^PORT="eighty" is not a whole number from 0 to 65535$/],
      ['PORT', '70000', /^PORT="70000"/],
      ['HOST', 'bad host!', /^HOST="bad host!" is not an IP address or a host name$/],
      ['MODEL_DTYPE', 'fp16', /^MODEL_DTYPE="fp16" is not one of fp32, q8$/],
      ['MODEL_ID', '../etc', /^MODEL_ID="\.\.\/etc"/],
      ['MODEL_ID', '/abs/path', /^MODEL_ID=/],
      ['BATCH_MAX_IN_FLIGHT', '17', /^BATCH_MAX_IN_FLIGHT="17" is not a whole number from 1 to 16$/],
      ['MODEL_SESSIONS', '0', /^MODEL_SESSIONS="0" is not a whole number from 1 to 8$/],
      ['MODEL_SESSIONS', 'two', /^MODEL_SESSIONS="two"/],
      ['LONE_TEXT_MAX_MS', '-1', /^LONE_TEXT_MAX_MS="-1" is not a number of milliseconds from 0 to 60000$/],
      ['LONE_TEXT_MAX_MS', '1e3', /^LONE_TEXT_MAX_MS="1e3"/],
      ['ALLOW_REMOTE_MODELS', 'maybe', /^ALLOW_REMOTE_MODELS="maybe" is not a boolean/],
      ['ONNX_THREADS', '0', /^ONNX_THREADS="0"/],
      ['BODY_LIMIT_BYTES', '-1', /^BODY_LIMIT_BYTES="-1"/],
      ['BATCH_MAX_SIZE', '0', /^BATCH_MAX_SIZE="0"/],
      ['BATCH_MAX_WAIT_MS', '1.5', /^BATCH_MAX_WAIT_MS="1.5"/],
    ];
    for (const [name, value, message] of bad) {
      it(`refuses ${name}=${value} with a one-line error naming it`, () => {
        assert.throws(() => parseConfig({ [name]: value }, where), (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        });
      });
    }
  });
});
