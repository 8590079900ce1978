// `node dist/bench/autocannon-run.js <port> <connections> <seconds> <corpus.csv>`: autocannon in its own
// process for the load generator comparison (bench/loadgen.ts), cycling through the same review corpus
// as our generator; prints {"requests", "p50Ms"} as JSON when done.
import { createRequire } from 'node:module';
import { loadCorpus } from '../load/corpus.js';

interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const [port, connections, seconds, corpus] = process.argv.slice(2);
const requests = loadCorpus(corpus!).map((r) => ({
  method: 'POST',
  path: '/infer',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ text: r.text }),
}));
const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: Number(connections), duration: Number(seconds), requests });
process.stdout.write(`${JSON.stringify({ requests: result.requests.total, p50Ms: result.latency.p50 })}\n`);
