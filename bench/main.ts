// `npm run bench [case …]`: runs the benchmark cases side by side in one process run and prints their
// figures. Each case is a module in bench/ exporting `run(): Promise<void>`; with no argument all run.
import { errorText } from '../common/error-text.js';
import { wantsHelp } from '../common/cli-args.js';

const CASES = ['service', 'collector', 'reporter', 'load', 'front-proxy'] as const;

const USAGE = `usage: npm run bench [-- case …]
cases: ${CASES.join(', ')} (default: all, in that order)
environment: BENCH_ROUNDS (default 3), BENCH_LOAD_SECONDS, BENCH_FRONT_SECONDS (default 2),
             COLLECTOR_BENCH_SECONDS (default 60), COLLECTOR_BENCH_COUNTS (default 3,30)`;

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(USAGE);
    return 0;
  }
  const unknown = argv.filter((a) => !(CASES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`bench: unknown case ${unknown.join(', ')} (known: ${CASES.join(', ')})`);
    return 2;
  }
  for (const name of argv.length > 0 ? argv : CASES) {
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
