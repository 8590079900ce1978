// `npm run bench [case …]`: runs the benchmark cases side by side in one process run and prints their
// figures. Each case is a module in bench/ exporting `run(): Promise<void>`; with no argument all run.
import { errorText } from '../common/error-text.js';
import { wantsHelp } from '../common/cli-args.js';

/** Each case: what it measures, and the environment variables that tune it. */
const CASES = {
  service: {
    what: 'the HTTP service against calling the model in-process: raw texts/s by batch size, then the service at 1, 8 and 32 clients',
    env: 'BENCH_ROUNDS (default 3), BENCH_PARTS_SECONDS (default 1, per rung per round of the c1 breakdown); the service\'s own settings (BATCH_MAX_SIZE, BATCH_MAX_IN_FLIGHT, LONE_TEXT_MAX_MS, …) pass through to it',
  },
  'service-ab': {
    what: 'two services side by side with different settings (A and B), closed-loop load in alternating rounds, the per-round ratio B/A; with no settings an A/A run (the instrument\'s own spread)',
    env: 'SERVICE_AB_A, SERVICE_AB_B (each "KEY=VALUE …" of the service\'s settings, default none), SERVICE_AB_CLIENTS (default 32), BENCH_ROUNDS (default 6)',
  },
  collector: {
    what: 'the collector\'s accuracy against `docker stats`, and its cost (own CPU, RSS, engine CPU) at N idle containers',
    env: 'COLLECTOR_BENCH_SECONDS (default 60, per cost row), COLLECTOR_BENCH_COUNTS (default 3,30)',
  },
  reporter: {
    what: '`reporter build` on a generated recording (5 runs × 3 replicas × 1 h at 100 ms): time and peak RSS',
    env: 'none',
  },
  load: {
    what: 'the load generator\'s own cost (req/s and CPU per request against a bare loop) and its open-loop schedule accuracy',
    env: 'BENCH_ROUNDS (default 3), BENCH_LOAD_SECONDS (default 2)',
  },
  loadgen: {
    what: 'our load generator beside autocannon and wrk (where installed) on the real service: CPU per request, req/s, p50',
    env: 'BENCH_ROUNDS (default 3), BENCH_LOADGEN_SECONDS (default 6)',
  },
  'front-proxy': {
    what: 'what the HAProxy front adds per request against a direct connection, and variants of its configuration, with the CPU per request of the load generator, the backend and the front (trivial backend, one network namespace)',
    env: 'BENCH_ROUNDS (default 3), BENCH_FRONT_SECONDS (default 2)',
  },
} as const;
type CaseName = keyof typeof CASES;
const NAMES = Object.keys(CASES) as CaseName[];

function isCase(name: string): name is CaseName {
  return Object.hasOwn(CASES, name);
}

/** The overview, or the usage of the cases named beside --help. */
function usage(cases: readonly CaseName[]): string {
  if (cases.length > 0) {
    return cases.map((name) => `usage: npm run bench -- ${name}\n${CASES[name].what}\nenvironment: ${CASES[name].env}`).join('\n\n');
  }
  return `usage: npm run bench [-- case …]   (or: node dist/bench/main.js [case …])
runs the cases named, or all in this order, and prints their figures:
${NAMES.map((name) => `  ${name.padEnd(12)} ${CASES[name].what}`).join('\n')}
npm run bench -- <case> --help: that case's environment variables`;
}

async function main(argv: readonly string[]): Promise<number> {
  const help = wantsHelp(argv);
  const named = argv.filter((a) => !(help && (a === '--help' || a === '-h')));
  const unknown = named.filter((a) => !isCase(a));
  if (unknown.length > 0) {
    console.error(`bench: unknown case ${unknown.join(', ')} (known: ${NAMES.join(', ')})`);
    return 2;
  }
  const cases = named as CaseName[];
  if (help) {
    console.log(usage(cases));
    return 0;
  }
  for (const name of cases.length > 0 ? cases : NAMES) {
    console.log(`\n=== bench: ${name} ===`);
    const mod = (await import(`./${name}.js`)) as { run: () => Promise<void> };
    await mod.run();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench: ${errorText(err)}`);
    if (err instanceof Error && err.stack) console.error(err.stack);
    process.exitCode = 1;
  },
);
