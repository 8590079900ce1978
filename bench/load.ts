// `npm run bench -- load`: how much the load generator itself costs, so its figures can be trusted on a
// 2-core machine where it shares the CPUs with the service.
// - Capacity: runLoad in closed loop (c1, c16) against a trivial server in a child process, side by side
//   with a bare keep-alive http.request loop (no UUIDs, rows or histogram) in alternating rounds:
//   req/s, generator CPU µs per request, and the ratio generator / bare.
// - Schedule accuracy: the open loop at a fixed rate; how late requests leave against their intended
//   time (sent − intended, p50/p99/max) and the rate achieved.
// The real service answers ~300–400 req/s here, so the generator should manage several times that.
import http from 'node:http';
import { median, percentileSorted, sortedCopy } from '../common/percentile.js';
import { formatTable } from '../common/text-table.js';
import { nowMs } from '../load/client.js';
import { runLoad } from '../load/run.js';
import { startPrinting } from './child-server.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 2);
const OPEN_RATE = 500;

// Answers like the service (same headers, small JSON body) without doing any work.
const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Replica', 'bench');
    res.setHeader('X-Inference-Latency-Ms', '0.50');
    res.setHeader('X-Request-Id', req.headers['x-request-id'] || '');
    res.end('{"prediction":"POSITIVE","score":0.9}');
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

/** The floor: N keep-alive clients posting back to back, nothing recorded. */
async function bareLoop(port: number, concurrency: number, seconds: number): Promise<{ rps: number; cpuUsPerReq: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ text: 'a fine film.' });
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/infer', method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      await one();
      count++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { rps: (count * 1000) / (nowMs() - t0), cpuUsPerReq: (cpu.user + cpu.system) / count };
}

const mid = (xs: number[]): string => (median(xs) ?? NaN).toFixed(0);

export async function run(): Promise<void> {
  const server = await startPrinting(['-e', SERVER]);
  const target = { host: '127.0.0.1', port: server.port, path: '/infer' };
  const texts = ['a fine film.', 'a dull film.'];
  try {
    console.log(`load generator vs a bare keep-alive loop, ${ROUNDS} alternating rounds of ${SECONDS} s, trivial server in a child process (medians)`);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const bare: { rps: number; cpuUsPerReq: number }[] = [];
      const gen: { rps: number; cpuUsPerReq: number; cpu: number }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        bare.push(await bareLoop(server.port, concurrency, SECONDS));
        const r = await runLoad({ target, label: 'bench', phase: 'bench', concurrency, durationMs: SECONDS * 1000, timeoutMs: 10_000, texts });
        gen.push({ rps: r.summary.rps, cpuUsPerReq: (r.summary.cpuPercent / 100) * 1e6 / r.summary.rps, cpu: r.summary.cpuPercent });
      }
      const ratios = bare.map((b, i) => gen[i]!.rps / b.rps);
      rows.push([
        String(concurrency), mid(bare.map((b) => b.rps)), mid(gen.map((g) => g.rps)), (median(ratios) ?? NaN).toFixed(2),
        mid(bare.map((b) => b.cpuUsPerReq)), mid(gen.map((g) => g.cpuUsPerReq)), mid(gen.map((g) => g.cpu)),
      ]);
    }
    console.log(formatTable(
      ['clients', 'bare req/s', 'generator req/s', 'ratio', 'bare CPU µs/req', 'generator CPU µs/req', 'generator CPU %'], rows));

    const open = await runLoad({ target, label: 'bench', phase: 'open', concurrency: 1, rateRps: OPEN_RATE, durationMs: SECONDS * 2000, timeoutMs: 10_000, texts });
    const lag = sortedCopy(open.rows.map((r) => r.sentMs - r.intendedMs));
    const latency = sortedCopy(open.rows.filter((r) => r.error === '').map((r) => r.latencyMs));
    const f = (x: number | undefined): string => (x ?? NaN).toFixed(3);
    console.log(
      `open loop at ${OPEN_RATE} req/s for ${SECONDS * 2} s: achieved ${open.summary.rps.toFixed(1)} req/s, ` +
        `send lag (sent − intended) p50 ${f(percentileSorted(lag, 50))} ms, p99 ${f(percentileSorted(lag, 99))} ms, max ${f(lag.at(-1))} ms; ` +
        `client latency p50 ${f(percentileSorted(latency, 50))} ms; generator CPU ${open.summary.cpuPercent.toFixed(1)} %`,
    );
  } finally {
    await server.stop();
  }
}
