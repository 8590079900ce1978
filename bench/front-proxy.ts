// `npm run bench -- front-proxy`: what the swarm front proxy (deploy/swarm/rr-proxy.ts) costs per request,
// apart from Docker. Trivial backends on 127.0.0.1/.2/.3 (one child process) answer like the service
// without doing any work; the load generator (closed loop, keep-alive) sends to one backend directly, or
// through the proxy (its own child process) in http mode (per request) and tcp mode (per connection).
// Alternating rounds; p50/p99 latency, req/s, and the added p50 and throughput ratio against direct.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile } from '../common/percentile.js';
import { formatTable } from '../common/text-table.js';
import { runLoad } from '../load/run.js';
import { startPrinting } from './child-server.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_FRONT_SECONDS'] ?? 2);
const PROXY_MODULE = join(dirname(fileURLToPath(import.meta.url)), '../deploy/swarm/rr-proxy.js');

const BACKENDS = `
const http = require('node:http');
const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Replica', req.socket.localAddress);
    res.setHeader('X-Inference-Latency-Ms', '0.50');
    res.end('{"prediction":"POSITIVE","score":0.9}');
  });
};
const first = http.createServer(handler);
first.keepAliveTimeout = 60000;
first.listen(0, '127.0.0.1', () => {
  const port = first.address().port;
  for (const host of ['127.0.0.2', '127.0.0.3']) { const s = http.createServer(handler); s.keepAliveTimeout = 60000; s.listen(port, host); }
  setTimeout(() => console.log(port), 100);
});`;

const proxyScript = (mode: string, backendPort: number): string => `
const { startProxy } = await import(${JSON.stringify(PROXY_MODULE)});
const p = await startProxy({ listenPort: 0, listenHost: '127.0.0.1', backendPort: ${backendPort}, mode: '${mode}', refreshMs: 60000,
  resolve: async () => ['127.0.0.1', '127.0.0.2', '127.0.0.3'] });
console.log(p.port);`;

const mid = (xs: number[]): number => median(xs) ?? NaN;

interface PathFigures {
  readonly p50: number[];
  readonly p99: number[];
  readonly rps: number[];
  replicas: number;
}

/** Alternating rounds over every path at one concurrency: per path, each round's figures. */
async function measure(paths: Record<string, number>, concurrency: number): Promise<Map<string, PathFigures>> {
  const results = new Map<string, PathFigures>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port] of Object.entries(paths)) {
      const r = await runLoad({
        target: { host: '127.0.0.1', port, path: '/infer' },
        label: 'bench', phase: name, concurrency, durationMs: SECONDS * 1000, timeoutMs: 10_000, texts: ['a fine film.'],
      });
      const latencies = r.rows.filter((row) => row.error === '').map((row) => row.latencyMs);
      const entry = results.get(name) ?? { p50: [], p99: [], rps: [], replicas: 0 };
      entry.p50.push(percentile(latencies, 50) ?? NaN);
      entry.p99.push(percentile(latencies, 99) ?? NaN);
      entry.rps.push(r.summary.rps);
      entry.replicas = Object.keys(r.summary.replicaShares).length;
      results.set(name, entry);
    }
  }
  return results;
}

export async function run(): Promise<void> {
  const backends = await startPrinting(['-e', BACKENDS]);
  const children = [backends];
  try {
    const http = await startPrinting(['--input-type=module', '-e', proxyScript('http', backends.port)]);
    children.push(http);
    const tcp = await startPrinting(['--input-type=module', '-e', proxyScript('tcp', backends.port)]);
    children.push(tcp);
    const paths = { direct: backends.port, 'proxy http': http.port, 'proxy tcp': tcp.port };
    console.log(`front proxy vs direct, trivial backends, ${ROUNDS} alternating rounds of ${SECONDS} s (medians)`);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const results = await measure(paths, concurrency);
      const direct = results.get('direct')!;
      for (const [name, e] of results) {
        rows.push([
          String(concurrency), name, mid(e.p50).toFixed(3), mid(e.p99).toFixed(3), mid(e.rps).toFixed(0),
          (mid(e.p50) - mid(direct.p50)).toFixed(3), (mid(e.rps) / mid(direct.rps)).toFixed(2), String(e.replicas),
        ]);
      }
    }
    console.log(formatTable(['clients', 'path', 'p50 ms', 'p99 ms', 'req/s', '+p50 ms vs direct', 'req/s ratio', 'replicas seen'], rows));
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
