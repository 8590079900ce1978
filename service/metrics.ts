// Prometheus metrics of one service instance. Each app gets its own registry so tests can build several
// apps in one process without name clashes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Every answered HTTP request, by route, method and status. */
  readonly requests: Counter<'route' | 'method' | 'status'>;
  /** /infer requests answered with an error, by reason (bad_json, too_large, model_failed, …). */
  readonly rejected: Counter<'reason'>;
  /** HTTP time from first byte in to response written, seconds. */
  readonly requestDuration: Histogram<'route'>;
  readonly inFlight: Gauge;
  /** Model time per batch call, seconds. */
  readonly modelLatency: Histogram;
  readonly batchSize: Histogram;
  readonly ready: Gauge;
}

export function createMetrics(opts: { defaultMetrics: boolean }): ServiceMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route, method and status code',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'inference_rejected_requests_total',
      help: 'POST /infer requests answered with an error instead of a prediction, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds (body read to response written)',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    }),
    inFlight: new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being handled now', registers }),
    modelLatency: new Histogram({
      name: 'inference_batch_latency_seconds',
      help: 'Model time of one batched call in seconds (the latency each request of the batch reports)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    }),
    batchSize: new Histogram({
      name: 'inference_batch_size',
      help: 'Requests served by one model call',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    ready: new Gauge({ name: 'inference_model_ready', help: '1 when the model is loaded and /infer answers', registers }),
  };
}
