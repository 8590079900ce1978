// The service's settings, read from environment variables once at start-up. Parsing is pure (it takes
// the env record and the package root) so tests can check every bad value without starting anything.
import { isIP } from 'node:net';
import path from 'node:path';

export type ModelDtype = 'fp32' | 'q8';
export const MODEL_DTYPES: readonly ModelDtype[] = ['fp32', 'q8'];

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the CSV log. */
  readonly metricsLogFile: string;
  readonly modelId: string;
  readonly modelDtype: ModelDtype;
  /** Absolute path of the folder that contains local model folders. */
  readonly modelDir: string;
  /** Absolute path where downloaded models are cached. */
  readonly modelCacheDir: string;
  readonly allowRemoteModels: boolean;
  /** ONNX Runtime intra-op threads; undefined = onnxruntime's default (one per core). */
  readonly onnxThreads: number | undefined;
  /** Whether idle onnxruntime worker threads busy-wait for work (see README: off by default). */
  readonly onnxSpinning: boolean;
  readonly bodyLimitBytes: number;
  readonly batchMaxSize: number;
  readonly batchMaxWaitMs: number;
  /** A lone text runs on the main thread when the model's lone call takes at most this long (ms); 0 = never. */
  readonly loneTextMaxMs: number;
  /** Model sessions on their own threads, computing batches at once (1: one session, see README "Model sessions"). */
  readonly modelSessions: number;
  /** Model calls handed to the model threads at once (sessions + 1 by default: the next full batch waits there, see batcher.ts). */
  readonly batchMaxInFlight: number;
  /** After this long, open connections are cut so shutdown always ends. */
  readonly shutdownTimeoutMs: number;
}

/** A bad setting: the message names the variable and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Defaults, shown in the README; q8 is the default dtype: see service/README.md ("Why q8"). */
export const DEFAULTS = {
  PORT: 5000,
  HOST: '0.0.0.0',
  METRICS_LOG_FILE: 'system_inference_metrics.csv',
  MODEL_ID: 'minibert-sst2',
  MODEL_DTYPE: 'q8' as ModelDtype,
  MODEL_DIR: 'data/models',
  MODEL_CACHE_DIR: 'data/model-cache',
  BODY_LIMIT_BYTES: 16 * 1024,
  BATCH_MAX_SIZE: 8,
  BATCH_MAX_WAIT_MS: 0,
  MODEL_SESSIONS: 1,
  LONE_TEXT_MAX_MS: 2,
  SHUTDOWN_TIMEOUT_MS: 5000,
} as const;

/** Reads the settings. `cwd` anchors METRICS_LOG_FILE; `packageRoot` anchors the model folders. */
export function parseConfig(env: Env, opts: { cwd: string; packageRoot: string }): ServiceConfig {
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  };
  const ms = (name: string, fallback: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a number of milliseconds from 0 to ${max}`);
    }
    return Number(raw);
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a boolean (use 1/0, true/false, yes/no)`);
  };

  const dtypeRaw = value('MODEL_DTYPE') ?? DEFAULTS.MODEL_DTYPE;
  if (!(MODEL_DTYPES as readonly string[]).includes(dtypeRaw)) {
    throw new ConfigError(`MODEL_DTYPE=${JSON.stringify(dtypeRaw)} is not one of ${MODEL_DTYPES.join(', ')}`);
  }
  const modelId = value('MODEL_ID') ?? DEFAULTS.MODEL_ID;
  // A local folder name or an "owner/name" hub id; no "..", no absolute paths, nothing shell-ish.
  if (!/^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(modelId) || modelId.includes('..')) {
    throw new ConfigError(
      `MODEL_ID=${JSON.stringify(modelId)} is not a model folder name or a Hugging Face id like owner/name`,
    );
  }
  const threadsRaw = value('ONNX_THREADS');
  const sessions = int('MODEL_SESSIONS', DEFAULTS.MODEL_SESSIONS, 1, 8);
  const host = value('HOST') ?? DEFAULTS.HOST;
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) {
    throw new ConfigError(`HOST=${JSON.stringify(host)} is not an IP address or a host name`);
  }

  return {
    port: int('PORT', DEFAULTS.PORT, 0, 65535),
    host,
    metricsLogFile: path.resolve(opts.cwd, value('METRICS_LOG_FILE') ?? DEFAULTS.METRICS_LOG_FILE),
    modelId,
    modelDtype: dtypeRaw as ModelDtype,
    modelDir: path.resolve(opts.packageRoot, value('MODEL_DIR') ?? DEFAULTS.MODEL_DIR),
    modelCacheDir: path.resolve(opts.packageRoot, value('MODEL_CACHE_DIR') ?? DEFAULTS.MODEL_CACHE_DIR),
    allowRemoteModels: bool('ALLOW_REMOTE_MODELS', true),
    // Several sessions each get one onnxruntime thread unless told otherwise: they run side by side,
    // and one thread per session measured as fast per call as two for this model (service/README).
    onnxThreads: threadsRaw === undefined ? (sessions > 1 ? 1 : undefined) : int('ONNX_THREADS', 0, 1, 256),
    onnxSpinning: bool('ONNX_SPINNING', false),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', DEFAULTS.BODY_LIMIT_BYTES, 64, 16 * 1024 * 1024),
    batchMaxSize: int('BATCH_MAX_SIZE', DEFAULTS.BATCH_MAX_SIZE, 1, 1024),
    batchMaxWaitMs: int('BATCH_MAX_WAIT_MS', DEFAULTS.BATCH_MAX_WAIT_MS, 0, 10_000),
    loneTextMaxMs: ms('LONE_TEXT_MAX_MS', DEFAULTS.LONE_TEXT_MAX_MS, 60_000),
    modelSessions: sessions,
    batchMaxInFlight: int('BATCH_MAX_IN_FLIGHT', sessions + 1, 1, 16),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', DEFAULTS.SHUTDOWN_TIMEOUT_MS, 100, 60_000),
  };
}
