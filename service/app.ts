// The Koa app: routes, error mapping, metrics. It knows nothing about how the model is loaded or how the
// process starts and stops; tests build it with a real model or with one that never becomes ready.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import Router, { type RouterMiddleware } from '@koa/router';
import type { BatchResult } from './batcher.js';
import { CSV_HEADER, formatCsvRow, type InferenceRecord } from '../contracts/service-csv.js';
import { errorText } from '../common/error-text.js';
import type { CsvLog } from './csv-log.js';
import { RequestError, isJsonContentType, parseInferBody, readBody, saneRequestId } from './infer-body.js';
import type { ServiceMetrics } from './metrics.js';
import type { Prediction } from './model.js';

export type ModelState = 'loading' | 'ready' | 'failed';

/** The model as the app sees it: its identity, whether it answers yet, and one-text inference. */
export interface InferenceBackend {
  readonly modelId: string;
  readonly dtype: string;
  readonly state: ModelState;
  infer(text: string): Promise<BatchResult<Prediction>>;
}

export interface AppDeps {
  readonly model: InferenceBackend;
  readonly log: CsvLog;
  readonly metrics: ServiceMetrics;
  /** What goes in the Replica column: os.hostname() in production. */
  readonly replica: string;
  readonly bodyLimitBytes: number;
  /** Date.now() when the process started, for uptime. */
  readonly startedAt: number;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors are answered and logged by errorsAsJson; Koa's own handler would print them a second time.
  app.silent = true;
  app.use(countAndTime(deps.metrics));
  app.use(errorsAsJson(deps.metrics));

  const router = new Router();
  router.post('/infer', inferRoute(deps));
  router.get('/health', healthRoute(deps));
  router.get('/metrics', metricsRoute(deps));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function countAndTime(metrics: ServiceMetrics): Koa.Middleware {
  return async function countAndTime(ctx, next) {
    const stop = metrics.requestDuration.startTimer();
    metrics.inFlight.inc();
    try {
      await next();
    } finally {
      metrics.inFlight.dec();
      // A fixed label for unknown paths keeps the label set small whatever clients send.
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      stop({ route });
      metrics.requests.inc({ route, method: ctx.method, status: String(ctx.status) });
    }
  };
}

function errorsAsJson(metrics: ServiceMetrics): Koa.Middleware {
  return async function errorsAsJson(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) {
        ctx.status = 404;
        ctx.body = { error: `no route ${ctx.method} ${ctx.path} (routes: POST /infer, GET /health, GET /metrics)` };
      } else if (ctx.status === 405 && ctx.body == null) {
        ctx.status = 405;
        ctx.body = { error: `method ${ctx.method} not allowed on ${ctx.path} (allowed: ${ctx.response.get('Allow')})` };
      }
    } catch (err) {
      if (err instanceof RequestError) {
        if (err.status >= 500 && err.status !== 503) console.error(`service: ${ctx.method} ${ctx.path}: ${err.message}`);
        if (ctx.path === '/infer') metrics.rejected.inc({ reason: err.reason });
        if (err.status === 413) ctx.set('Connection', 'close'); // do not read the rest of a huge body
        ctx.status = err.status;
        ctx.body = { error: err.message };
      } else {
        // Details stay in the server log; the client gets no stack trace.
        console.error(`service: ${ctx.method} ${ctx.path} failed:`, err);
        ctx.status = 500;
        ctx.body = { error: 'internal error while handling the request' };
      }
    }
  };
}

function inferRoute(deps: AppDeps): RouterMiddleware {
  const { model, log } = deps;
  return async (ctx) => {
    const requestId = saneRequestId(ctx.get('X-Request-Id') || undefined) ?? randomUUID();
    ctx.set('X-Request-Id', requestId);
    if (model.state !== 'ready') {
      ctx.set('Retry-After', '1');
      throw new RequestError(503, 'not_ready', `model "${model.modelId}" is not ready (${model.state}); retry when GET /health says ready`);
    }
    if (!isJsonContentType(ctx.get('Content-Type') || undefined)) {
      throw new RequestError(
        415,
        'wrong_content_type',
        `Content-Type must be application/json, got ${JSON.stringify(ctx.get('Content-Type') || '(none)')}`,
      );
    }
    const text = parseInferBody(await readBody(ctx.req, deps.bodyLimitBytes));

    // Operational failures get a one-line cause (no stack) so a 500 seen by a load generator is
    // explainable without the replica's stderr.
    const answer = await model.infer(text).catch((err: unknown) => {
      throw new RequestError(500, 'model_failed', `model call failed: ${errorText(err)}`);
    });
    const record = recordOf(answer, text, requestId, deps.replica);
    const row = formatCsvRow(record);
    // Answered ⇒ recorded: the row is in the file before the client hears back. The rows of one model
    // call go out in one write (CsvLog.append).
    await log.append(row).catch((err: unknown) => {
      throw new RequestError(500, 'log_write_failed', `cannot append to the CSV log ${log.file}: ${errorText(err)}`);
    });

    ctx.set('X-Replica', deps.replica);
    ctx.set('X-Inference-Latency-Ms', record.latencyMs.toFixed(2));
    if (ctx.accepts('text/csv', 'application/json') === 'application/json') {
      ctx.body = record;
    } else {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = CSV_HEADER + row;
    }
  };
}

function recordOf(answer: BatchResult<Prediction>, text: string, requestId: string, replica: string): InferenceRecord {
  return {
    latencyMs: round(answer.batchLatencyMs, 2),
    prediction: answer.output.label,
    text,
    timestamp: new Date().toISOString(),
    score: round(answer.output.score, 4),
    replica,
    requestId,
    batchSize: answer.batchSize,
  };
}

function healthRoute(deps: AppDeps): RouterMiddleware {
  const { model } = deps;
  return (ctx) => {
    const ready = model.state === 'ready';
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? 'ok' : model.state,
      ready,
      modelId: model.modelId,
      dtype: model.dtype,
      uptimeSeconds: round((Date.now() - deps.startedAt) / 1000, 3),
      replica: deps.replica,
      pid: process.pid,
    };
  };
}

function metricsRoute(deps: AppDeps): RouterMiddleware {
  const { model, metrics } = deps;
  return async (ctx) => {
    metrics.ready.set(model.state === 'ready' ? 1 : 0);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}
