// Small real HTTP servers on ephemeral 127.0.0.1 ports for load-generator and experiment tests, and the
// real inference service started in-process on the bundled model.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../service/config.js';
import { findPackageRoot } from '../common/package-root.js';
import { startService, type RunningService } from '../service/service.js';

export interface LocalServer {
  readonly port: number;
  /** Requests received, in arrival order, with the time they arrived (ms since epoch). */
  readonly received: { requestId: string | undefined; atMs: number; body: string }[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, index: number) => void;

/** A server answering with `handler`; it tracks sockets so close() never waits on keep-alive ones. */
export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const received: LocalServer['received'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const header = req.headers['x-request-id'];
      received.push({ requestId: typeof header === 'string' ? header : undefined, atMs: Date.now(), body });
      handler(req, res, body, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers like the service: JSON with a prediction and the X-Replica / X-Inference-Latency-Ms headers. */
export const serviceLike =
  (replica = 'fake-replica', delayMs = 0): Handler =>
  (req, res) => {
    const send = (): void => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Replica', replica);
      res.setHeader('X-Inference-Latency-Ms', '1.25');
      const id = req.headers['x-request-id'];
      if (typeof id === 'string') res.setHeader('X-Request-Id', id);
      res.end(JSON.stringify({ prediction: 'POSITIVE', score: 0.9 }));
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };

/** The real inference service, in this process, on an ephemeral port, logging to a temp CSV. */
export async function startRealService(): Promise<{ service: RunningService; port: number; csvFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ldb-service-'));
  const csvFile = join(dir, 'service.csv');
  const cfg = parseConfig({ PORT: '0', HOST: '127.0.0.1', METRICS_LOG_FILE: csvFile }, { cwd: dir, packageRoot: findPackageRoot() });
  const service = await startService(cfg, { replica: 'test-replica' });
  await service.modelReady;
  return { service, port: service.port, csvFile };
}

// One copy, the drivers' (the replica behind a --front control takes a free port too).
export { freePort } from '../deploy/drivers/ports.js';
