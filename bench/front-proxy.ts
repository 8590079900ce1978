// `npm run bench -- front-proxy`: what the swarm front proxy (deploy/swarm/rr-proxy.ts) costs per request,
// apart from Docker. Trivial backends on 127.0.0.1/.2/.3 (one child process) answer like the service
// without doing any work; the load generator (closed loop, keep-alive) sends to one backend directly, or
// through the proxy (its own child process) in http mode (per request) and tcp mode (per connection).
// Alternating rounds; p50/p99 latency, req/s, and the added p50 and throughput ratio against direct.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../load/run.js';

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

async function spawnPrinting(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench child exited ${code}`)));
  });
  return { child, port };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const backends = await spawnPrinting(['-e', BACKENDS]);
  const http = await spawnPrinting(['--input-type=module', '-e', proxyScript('http', backends.port)]);
  const tcp = await spawnPrinting(['--input-type=module', '-e', proxyScript('tcp', backends.port)]);
  const paths = { direct: backends.port, 'proxy http': http.port, 'proxy tcp': tcp.port } as const;
  try {
    console.log(`front proxy vs direct, trivial backends, ${ROUNDS} alternating rounds of ${SECONDS} s (medians)`);
    console.log('clients | path       | p50 ms | p99 ms | req/s | +p50 ms vs direct | req/s ratio | replicas seen');
    for (const concurrency of [1, 16]) {
      const results = new Map<string, { p50: number[]; p99: number[]; rps: number[]; replicas: number }>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, port] of Object.entries(paths)) {
          const r = await runLoad({
            target: { host: '127.0.0.1', port, path: '/infer' },
            label: 'bench', phase: name, concurrency, durationMs: SECONDS * 1000, timeoutMs: 10_000, texts: ['a fine film.'],
          });
          const entry = results.get(name) ?? { p50: [], p99: [], rps: [], replicas: 0 };
          entry.p50.push(r.summary.latencyMs?.p50 ?? NaN);
          entry.p99.push(r.summary.latencyMs?.p99 ?? NaN);
          entry.rps.push(r.summary.rps);
          entry.replicas = Object.keys(r.summary.replicaShares).length;
          results.set(name, entry);
        }
      }
      const direct = results.get('direct')!;
      for (const [name, e] of results) {
        console.log(
          `${String(concurrency).padStart(7)} | ${name.padEnd(10)} | ${median(e.p50).toFixed(3)} | ${median(e.p99).toFixed(3)} | ` +
            `${median(e.rps).toFixed(0).padStart(5)} | ${(median(e.p50) - median(direct.p50)).toFixed(3).padStart(17)} | ` +
            `${(median(e.rps) / median(direct.rps)).toFixed(2).padStart(11)} | ${e.replicas}`,
        );
      }
    }
  } finally {
    for (const c of [backends.child, http.child, tcp.child]) c.kill();
  }
}
