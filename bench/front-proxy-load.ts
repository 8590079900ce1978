// The load side of `npm run bench -- front-proxy`, run inside a container in the backend's network
// namespace (see front-proxy.ts). One long-lived process, so the bench reads every container's CPU counter
// around each round: it reads one JSON round per stdin line, runs the closed-loop load generator against
// that target and answers with one JSON line of figures.
//   in:  {"host":"127.0.0.1","port":5000,"concurrency":16,"seconds":2}
//   out: {"p50":0.38,"p99":3.3,"rps":29996,"ok":59992,"errors":{},"replicas":["backend"]}
import { createInterface } from 'node:readline';
import { errorText } from '../common/error-text.js';
import { percentile } from '../common/percentile.js';
import { runLoad } from '../load/run.js';

export interface LoadRound {
  readonly host: string;
  readonly port: number;
  readonly concurrency: number;
  readonly seconds: number;
}

export interface RoundFigures {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  /** 2xx answers in the round (what the CPU counters are divided by). */
  readonly ok: number;
  /** Failed requests, by kind. */
  readonly errors: Record<string, number>;
  readonly replicas: string[];
}

/** Either a round's figures or why it could not run. */
export type RoundAnswer = RoundFigures | { readonly error: string };

async function round(plan: LoadRound): Promise<RoundFigures> {
  const result = await runLoad({
    target: { host: plan.host, port: plan.port, path: '/infer' },
    label: 'bench', phase: 'round', concurrency: plan.concurrency, durationMs: plan.seconds * 1000, timeoutMs: 10_000, texts: ['a fine film.'],
  });
  const latencies = result.rows.filter((row) => row.error === '').map((row) => row.latencyMs);
  return {
    p50: percentile(latencies, 50) ?? NaN,
    p99: percentile(latencies, 99) ?? NaN,
    rps: result.summary.rps,
    ok: result.summary.ok,
    errors: result.summary.errors,
    replicas: Object.keys(result.summary.replicaShares),
  };
}

// One round at a time, in the order asked: the answers come back in the same order.
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const answer: RoundAnswer = await round(JSON.parse(line) as LoadRound).catch((err: unknown) => ({ error: errorText(err) }));
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
