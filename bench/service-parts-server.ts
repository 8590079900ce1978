// `node dist/bench/service-parts-server.js <stack> <dir>`: one rung of the service's cost ladder
// (service-parts.ts) as its own process, on an ephemeral loopback port printed as the first line.
// Each rung adds one part of the real request path on top of the one before, with an instant
// stand-in model, so the difference between two rungs is what that part costs:
//   http      node:http alone doing the route's own work: body read and checked, request id, the CSV
//             row formatted and answered (the floor any service pays)
//   app       the real app (createApp: Koa, router, middleware) with the CSV log and metrics as no-ops
//   +csv      … with the real CSV log
//   +metrics  … with the real metrics (and prom-client's process metrics): the whole app
//   +batcher  … with the model behind the real micro-batcher
//   +thread   … with the model on its own thread (the real hand-off, to a thread that answers at once)
// and, with the real model behind the whole service:
//   model on its thread   every call on the model thread, lone texts included
//   service               the service as shipped (a lone text on the main thread, batches on the thread)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createApp, type InferenceBackend } from '../service/app.js';
import { MicroBatcher, type BatchResult } from '../service/batcher.js';
import { CsvLog } from '../service/csv-log.js';
import { isJsonContentType, parseInferBody, readBody, RequestError } from '../service/infer-body.js';
import { createMetrics, type ServiceMetrics } from '../service/metrics.js';
import type { Classifier, ModelOptions, Prediction } from '../service/model.js';
import { parseConfig } from '../service/config.js';
import { startService } from '../service/service.js';
import { findPackageRoot } from '../common/package-root.js';
import { loadClassifierInWorker } from '../service/worker-classifier.js';
import { CSV_HEADER, formatCsvRow } from '../contracts/service-csv.js';

export const STACKS = ['http', 'app', '+csv', '+metrics', '+batcher', '+thread'] as const;
export const MODEL_STACKS = ['model on its thread', 'service'] as const;
export type Stack = (typeof STACKS)[number] | (typeof MODEL_STACKS)[number];

const BODY_LIMIT = 16 * 1024;
const PREDICTION: Prediction = { label: 'POSITIVE', score: 0.9876 };

/** A prom-client look-alike that does nothing, for the rungs below "+metrics". */
function noMetrics(): ServiceMetrics {
  const nothing = { inc() {}, dec() {}, set() {}, observe() {}, startTimer: () => () => 0 };
  const real = createMetrics({ defaultMetrics: false });
  return { ...real, requests: nothing, rejected: nothing, requestDuration: nothing, inFlight: nothing } as unknown as ServiceMetrics;
}

class NoLog extends CsvLog {
  override append(): Promise<void> {
    return Promise.resolve();
  }
}

function backend(infer: (text: string) => Promise<BatchResult<Prediction>>): InferenceBackend {
  return { modelId: 'stand-in', dtype: 'q8', state: 'ready', infer };
}

const instantClassifier: Pick<Classifier, 'classify'> = {
  classify: (texts) => Promise.resolve({ predictions: texts.map(() => PREDICTION), modelMs: 0 }),
};

function batched(clf: Pick<Classifier, 'classify'>): InferenceBackend {
  const batcher = new MicroBatcher(
    async (texts: string[]) => {
      const { predictions, modelMs } = await clf.classify(texts);
      return { outputs: predictions, latencyMs: modelMs };
    },
    { maxBatchSize: 8, maxWaitMs: 0, sizeOf: (text) => text.length },
  );
  return backend((text) => batcher.submit(text));
}

/** The route's work without Koa: checks, body, request id, the row formatted and sent. */
function plainHandler(): http.RequestListener {
  const answer = async (req: http.IncomingMessage): Promise<string> => {
    if (!isJsonContentType(req.headers['content-type'])) throw new RequestError(415, 'wrong_content_type', 'json only');
    const text = parseInferBody(await readBody(req, BODY_LIMIT));
    const requestId = randomUUID();
    const { output } = await instant(text);
    const timestamp = new Date().toISOString();
    const { label: prediction, score } = output;
    return CSV_HEADER + formatCsvRow({ latencyMs: 0, prediction, text, timestamp, score, replica: 'bench', requestId, batchSize: 1 });
  };
  return (req, res) => {
    answer(req).then(
      (body) => {
        res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      },
      () => res.writeHead(400).end(),
    );
  };
}

const instant = async (text: string): Promise<BatchResult<Prediction>> => ({
  output: (await instantClassifier.classify([text])).predictions[0]!,
  batchLatencyMs: 0,
  batchSize: 1,
});

async function handler(stack: (typeof STACKS)[number], dir: string): Promise<http.RequestListener> {
  if (stack === 'http') return plainHandler();
  const model =
    stack === '+thread'
      ? batched(await loadClassifierInWorker(
          { modelId: 'stand-in', dtype: 'q8', modelDir: dir, cacheDir: dir, allowRemote: false },
          { workerUrl: new URL('./service-parts-worker.js', import.meta.url) },
        ))
      : stack === '+batcher'
        ? batched(instantClassifier)
        : backend(instant);
  const rung = STACKS.indexOf(stack);
  const app = createApp({
    model,
    log: new (rung >= STACKS.indexOf('+csv') ? CsvLog : NoLog)(path.join(dir, 'parts.csv'), CSV_HEADER),
    metrics: rung >= STACKS.indexOf('+metrics') ? createMetrics({ defaultMetrics: true }) : noMetrics(),
    replica: 'bench',
    bodyLimitBytes: BODY_LIMIT,
    startedAt: Date.now(),
  });
  return app.callback();
}

/** The real service with the real model, every call on the model thread or as shipped; resolves once ready. */
async function realService(stack: (typeof MODEL_STACKS)[number], dir: string): Promise<number> {
  const cfg = parseConfig({ PORT: '0', HOST: '127.0.0.1', METRICS_LOG_FILE: 'parts.csv' }, { cwd: dir, packageRoot: findPackageRoot() });
  const threadOnly = stack === 'model on its thread' ? { loadModel: (o: ModelOptions) => loadClassifierInWorker(o) } : {};
  const svc = await startService(cfg, { defaultMetrics: true, ...threadOnly });
  await svc.modelReady;
  return svc.port;
}

async function main(stack: string | undefined, dir: string | undefined): Promise<void> {
  const known: readonly (string | undefined)[] = [...STACKS, ...MODEL_STACKS];
  if (!known.includes(stack) || dir === undefined) throw new Error(`usage: service-parts-server.js <${known.join('|')}> <dir>`);
  process.on('SIGTERM', () => process.exit(0));
  if ((MODEL_STACKS as readonly string[]).includes(stack!)) {
    console.log(String(await realService(stack as (typeof MODEL_STACKS)[number], dir)));
    return;
  }
  const server = http.createServer(await handler(stack as (typeof STACKS)[number], dir));
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => console.log(String((server.address() as AddressInfo).port)));
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2], process.argv[3]);
