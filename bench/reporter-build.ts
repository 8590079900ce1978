// The child process of the reporter benchmark: one `reporter build` over a generated workspace, then its
// own time, CPU and peak RSS as one JSON line on stdout (progress goes to stderr).
//   node dist/bench/reporter-build.js <workspace>
import { join } from 'node:path';
import { build } from '../reporter/build.js';

export interface Measured {
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
  readonly runs: number;
  readonly client: number;
  readonly service: number;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: reporter-build.js <workspace>');
  process.exit(2);
}
const t0 = performance.now();
const r = await build({
  dbs: [join(dir, 'bench.db')],
  csvDirs: [join(dir, 'runs')],
  csvExplicit: true,
  labels: null,
  outDir: join(dir, 'report'),
  log: (m) => console.error(`  ${m}`),
  warn: (m) => console.error(m),
});
const cpu = process.cpuUsage();
const measured: Measured = {
  ms: performance.now() - t0,
  cpuMs: (cpu.user + cpu.system) / 1000,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  runs: r.runs,
  client: r.imported.client,
  service: r.imported.service,
};
console.log(JSON.stringify(measured));
