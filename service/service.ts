// Wires config, model, batcher, CSV log and app into a listening HTTP server, and takes it down
// gracefully: stop accepting, finish what is in flight, flush the CSV. main.ts is a thin shell on this.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp, type InferenceBackend, type ModelState } from './app.js';
import { MicroBatcher, type BatchResult } from './batcher.js';
import type { ServiceConfig } from './config.js';
import { CSV_HEADER } from '../contracts/service-csv.js';
import { CsvLog } from './csv-log.js';
import { createMetrics } from './metrics.js';
import { modelOptionsFrom, type Classifier, type ModelOptions, type Prediction } from './model.js';
import { loadClassifierInWorker } from './worker-classifier.js';

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
  state: ModelState = 'loading';
  #batcher: MicroBatcher<string, Prediction> | undefined;
  constructor(
    readonly modelId: string,
    readonly dtype: string,
  ) {}

  serve(batcher: MicroBatcher<string, Prediction>): void {
    this.#batcher = batcher;
    this.state = 'ready';
  }

  infer(text: string): Promise<BatchResult<Prediction>> {
    if (this.#batcher === undefined) return Promise.reject(new Error(`model ${this.modelId} is not loaded`));
    return this.#batcher.submit(text);
  }

  /** Shutdown: serve what is queued now instead of waiting for fuller batches. */
  hurry(): void {
    this.#batcher?.hurry();
  }

  drain(): Promise<void> {
    return this.#batcher?.drain() ?? Promise.resolve();
  }
}

export async function startService(cfg: ServiceConfig, opts: StartOptions = {}): Promise<RunningService> {
  const info = opts.info ?? (() => {});
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
  const port = (server.address() as AddressInfo).port;

  const load =
    opts.loadModel ??
    ((o: ModelOptions) =>
      loadClassifierInWorker(o, {
        onLost: (err) => {
          slot.state = 'failed';
          opts.onModelLost?.(err);
        },
      }));
  const started = performance.now();
  const modelReady = load(modelOptionsFrom(cfg)).then(
    (classifier) => {
      const batcher = new MicroBatcher(
        async (texts: string[]) => {
          const { predictions, modelMs } = await classifier.classify(texts);
          return { outputs: predictions, latencyMs: modelMs };
        },
        {
          maxBatchSize: cfg.batchMaxSize,
          maxWaitMs: cfg.batchMaxWaitMs,
          sizeOf: (text) => text.length,
        },
      );
      batcher.onBatch((size, ms) => {
        metrics.batchSize.observe(size);
        metrics.modelLatency.observe(ms / 1000);
      });
      slot.serve(batcher);
      info(`service: model ${cfg.modelId} (${cfg.modelDtype}) ready in ${((performance.now() - started) / 1000).toFixed(2)} s from ${classifier.source}`);
      return classifier;
    },
    (err: unknown) => {
      slot.state = 'failed';
      throw err;
    },
  );
  modelReady.catch(() => {}); // the caller decides what a failed load means; never an unhandled rejection

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      slot.hurry(); // in-flight requests must not sit out BATCH_MAX_WAIT_MS
      // Idle keep-alive sockets would hold close() open; cut them now and as in-flight ones go idle.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      const cut = setTimeout(() => server.closeAllConnections(), cfg.shutdownTimeoutMs);
      try {
        await closed;
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
      await slot.drain();
      await log.flush();
      log.close();
      // A model still loading is left to process exit rather than waited for.
      if (slot.state === 'ready') await (await modelReady).dispose();
    })());

  return { server, port, log, modelReady, close };
}
