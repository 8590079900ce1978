// Wires config, model, batcher, CSV log and app into a listening HTTP server, and takes it down
// gracefully: stop accepting, finish what is in flight, close the CSV log. main.ts is a thin shell on this.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type Koa from 'koa';
import { createApp, type InferenceBackend, type ModelState } from './app.js';
import { MicroBatcher, type BatchResult } from './batcher.js';
import type { ServiceConfig } from './config.js';
import { CSV_HEADER } from '../contracts/service-csv.js';
import { CsvLog } from './csv-log.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { modelOptionsFrom, type Classifier, type ModelOptions, type Prediction } from './model.js';
import { loadSplitClassifier } from './split-classifier.js';

export interface RunningService {
  readonly server: http.Server;
  /** The bound port (useful with PORT=0). */
  readonly port: number;
  readonly log: CsvLog;
  /** Resolves when the model has loaded; rejects with a ModelLoadError when it cannot be. */
  readonly modelReady: Promise<Classifier>;
  /** Graceful stop; idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Replica name for the CSV; os.hostname() by default. */
  readonly replica?: string;
  /** Process-wide default metrics (CPU, memory, event loop); on in production, off in tests. */
  readonly defaultMetrics?: boolean;
  /** Replaces the real loader (tests use it for a model that never gets ready). */
  readonly loadModel?: (opts: ModelOptions) => Promise<Classifier>;
  /** Called if the model thread dies after loading; /health and /infer already answer 503 by then. */
  readonly onModelLost?: (err: Error) => void;
  readonly info?: (message: string) => void;
}

/** Holds the model while it loads, then serves it through the micro-batcher. */
class ModelSlot implements InferenceBackend {
  #state: ModelState = 'loading';
  #classifier: Classifier | undefined;
  #batcher: MicroBatcher<string, Prediction> | undefined;
  constructor(
    readonly modelId: string,
    readonly dtype: string,
  ) {}

  get state(): ModelState {
    return this.#state;
  }

  /** The model has loaded: /infer is answered through the batcher from now on. */
  serve(classifier: Classifier, batcher: MicroBatcher<string, Prediction>): void {
    this.#classifier = classifier;
    this.#batcher = batcher;
    this.#state = 'ready';
  }

  /** The model could not be loaded, or its thread died: /health and /infer answer 503 from now on. */
  fail(): void {
    this.#state = 'failed';
  }

  infer(text: string): Promise<BatchResult<Prediction>> {
    if (this.#batcher === undefined) return Promise.reject(new Error(`model ${this.modelId} is not loaded`));
    return this.#batcher.submit(text);
  }

  /** Shutdown: serve what is queued now instead of waiting for fuller batches. */
  hurry(): void {
    this.#batcher?.hurry();
  }

  /** Resolves when every request handed to the model so far has its answer. */
  drain(): Promise<void> {
    return this.#batcher?.drain() ?? Promise.resolve();
  }

  /** Releases a serving model; one still loading is left to process exit rather than waited for. */
  async dispose(): Promise<void> {
    if (this.#state === 'ready') await this.#classifier?.dispose();
  }
}

export async function startService(cfg: ServiceConfig, opts: StartOptions = {}): Promise<RunningService> {
  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics ?? false });
  const log = new CsvLog(cfg.metricsLogFile, CSV_HEADER);
  const slot = new ModelSlot(cfg.modelId, cfg.modelDtype);
  const app = createApp({
    model: slot,
    log,
    metrics,
    replica: opts.replica ?? os.hostname(),
    bodyLimitBytes: cfg.bodyLimitBytes,
    startedAt: Date.now(),
  });
  const server = await listen(app, cfg);
  const modelReady = loadInto(slot, cfg, metrics, opts);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= shutdown(server, slot, log, cfg.shutdownTimeoutMs));
  return { server, port: (server.address() as AddressInfo).port, log, modelReady, close };
}

/** An HTTP server for the app, listening on HOST:PORT; rejects with one line naming the address. */
async function listen(app: Koa, cfg: ServiceConfig): Promise<http.Server> {
  const server = http.createServer(app.callback());
  // Longer than the usual client/proxy idle timeouts, so the server is not the side that drops a
  // keep-alive connection just as a client reuses it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void =>
      reject(new Error(`cannot listen on ${cfg.host}:${cfg.port}: ${err.code ?? err.message} (check PORT and HOST)`));
    server.once('error', failed);
    server.listen(cfg.port, cfg.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  return server;
}

/** Loads the model (split between its own thread and this one, unless a test swaps the loader) and puts it in the slot. */
function loadInto(slot: ModelSlot, cfg: ServiceConfig, metrics: ServiceMetrics, opts: StartOptions): Promise<Classifier> {
  const load =
    opts.loadModel ??
    ((o: ModelOptions) =>
      loadSplitClassifier(o, {
        loneTextMaxMs: cfg.loneTextMaxMs,
        sessions: cfg.modelSessions,
        onLost: (err) => {
          slot.fail();
          opts.onModelLost?.(err);
        },
      }));
  const started = performance.now();
  const modelReady = load(modelOptionsFrom(cfg)).then(
    (classifier) => {
      slot.serve(classifier, batcherFor(classifier, cfg, metrics));
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      opts.info?.(`service: model ${cfg.modelId} (${cfg.modelDtype}) ready in ${seconds} s from ${classifier.source}`);
      return classifier;
    },
    (err: unknown) => {
      slot.fail();
      throw err;
    },
  );
  modelReady.catch(() => {}); // the caller decides what a failed load means; never an unhandled rejection
  return modelReady;
}

function batcherFor(classifier: Classifier, cfg: ServiceConfig, metrics: ServiceMetrics): MicroBatcher<string, Prediction> {
  const batcher = new MicroBatcher(
    async (texts: string[]) => {
      const { predictions, modelMs } = await classifier.classify(texts);
      return { outputs: predictions, latencyMs: modelMs };
    },
    { maxBatchSize: cfg.batchMaxSize, maxWaitMs: cfg.batchMaxWaitMs, maxInFlight: cfg.batchMaxInFlight, sizeOf: (text) => text.length },
  );
  batcher.onBatch((size, ms) => {
    metrics.batchSize.observe(size);
    metrics.modelLatency.observe(ms / 1000);
  });
  return batcher;
}

/** Stops accepting, answers (and logs) what is in flight, then closes the log and releases the model. */
async function shutdown(server: http.Server, slot: ModelSlot, log: CsvLog, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  slot.hurry(); // in-flight requests must not sit out BATCH_MAX_WAIT_MS
  // Idle keep-alive sockets would hold close() open; cut them now and as in-flight ones go idle.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
  await slot.drain();
  log.close();
  await slot.dispose();
}
