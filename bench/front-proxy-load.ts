// The load side of `npm run bench -- front-proxy`, run inside a container on the bench's network (see
// front-proxy.ts): alternating rounds of the closed-loop load generator against each target at one
// concurrency, after a warm-up of each. Prints one JSON line: per target, each round's figures.
//   node dist/bench/front-proxy-load.js '{"targets":{"direct":{"host":"b","port":5000}},"concurrency":1,"rounds":3,"seconds":2}'
import { errorText } from '../common/error-text.js';
import { percentile } from '../common/percentile.js';
import { pollUntil } from '../common/poll.js';
import { runLoad } from '../load/run.js';

export interface LoadPlanArg {
  readonly targets: Readonly<Record<string, { readonly host: string; readonly port: number }>>;
  readonly concurrency: number;
  readonly rounds: number;
  readonly seconds: number;
}

export interface RoundFigures {
  readonly p50: number[];
  readonly p99: number[];
  readonly rps: number[];
  /** Every 2xx answer this target gave, the warm-up's included (what its CPU was spent on). */
  served: number;
  /** Failed requests over every round, by kind. */
  readonly errors: Record<string, number>;
  readonly replicas: Set<string>;
}

export type LoadOutput = Record<string, Omit<RoundFigures, 'replicas'> & { replicas: string[] }>;

async function round(host: string, port: number, concurrency: number, seconds: number, phase: string) {
  return runLoad({
    target: { host, port, path: '/infer' },
    label: 'bench', phase, concurrency, durationMs: seconds * 1000, timeoutMs: 10_000, texts: ['a fine film.'],
  });
}

async function main(plan: LoadPlanArg): Promise<LoadOutput> {
  const figures = new Map<string, RoundFigures>();
  for (const [name, { host, port }] of Object.entries(plan.targets)) {
    // Ready: the front answers once its DNS lookup and first health check found the backend.
    let served = 0;
    await pollUntil(
      async () => {
        served += (await round(host, port, 1, 0.1, 'ready')).summary.ok;
        return served > 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `${name} (${host}:${port}) to answer` },
    );
    served += (await round(host, port, plan.concurrency, 1, 'warm-up')).summary.ok;
    figures.set(name, { p50: [], p99: [], rps: [], served, errors: {}, replicas: new Set() });
  }
  for (let r = 0; r < plan.rounds; r++) {
    for (const [name, { host, port }] of Object.entries(plan.targets)) {
      const result = await round(host, port, plan.concurrency, plan.seconds, name);
      const latencies = result.rows.filter((row) => row.error === '').map((row) => row.latencyMs);
      const f = figures.get(name)!;
      f.p50.push(percentile(latencies, 50) ?? NaN);
      f.p99.push(percentile(latencies, 99) ?? NaN);
      f.rps.push(result.summary.rps);
      f.served += result.summary.ok;
      for (const [kind, n] of Object.entries(result.summary.errors)) f.errors[kind] = (f.errors[kind] ?? 0) + n;
      for (const replica of Object.keys(result.summary.replicaShares)) f.replicas.add(replica);
    }
  }
  return Object.fromEntries([...figures].map(([name, f]) => [name, { ...f, replicas: [...f.replicas] }]));
}

main(JSON.parse(process.argv[2] ?? '') as LoadPlanArg).then(
  (output) => console.log(JSON.stringify(output)),
  (err: unknown) => {
    console.error(`front-proxy-load: ${errorText(err)}`);
    process.exitCode = 1;
  },
);
