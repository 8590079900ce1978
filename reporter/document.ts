// The report's content as a list of blocks, written once and rendered twice (REPORT.md and report.html).
import type { AcrossRounds, WorkPoint } from '../contracts/summary.js';
import { SHARE_TOLERANCE_POINTS } from '../contracts/swarm-events.js';
import { answerSentences, type AnswerPhases, blockIoSourceSentence, findings, intervalText, nativeMemoryNote, prosAndCons, zeroBlockIoSentence } from './findings.js';
import { eventProsCons, eventSection, type LabelledTimeline } from './events/document.js';
import { bytes, DASH, fixed, mib, pct, utc } from './format.js';
import { frontCost } from './front-cost.js';
import type { Overhead } from './overhead.js';
import { METRIC_NAMES } from './rounds.js';
import type { Summaries } from './summarize.js';
import { DEFAULT_BOOTSTRAP } from './stats.js';
import { workSentences } from './work-axis.js';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'figure'; name: string; title: string };

export interface FigureRef {
  readonly name: string; // file stem under figures/
  readonly title: string;
}

export interface DocumentInput {
  readonly summaries: Summaries;
  readonly overheads: Overhead[];
  /** Figures, overheads and verdicts over the experiment's rounds (rounds.ts). */
  readonly across: AcrossRounds;
  /** Where the answer reads latency, throughput, CPU and memory. */
  readonly answer: AnswerPhases;
  /** The phase figures and pros/cons compare latency on (see overhead.ts referencePhase). */
  readonly referencePhase?: string | undefined;
  /** Shown with the answer, at the top. */
  readonly answerFigures: FigureRef[];
  /** Each run's model time per request (by run label) and, with two work levels or more, the overheads against it. */
  readonly work?: { readonly modelTimes: ReadonlyMap<string, number | undefined>; readonly points: WorkPoint[]; readonly figure: FigureRef | undefined };
  readonly figures: FigureRef[];
  /** The timelines of the Swarm event runs (swarm-scale, swarm-failover), each with its figure. */
  readonly events?: readonly LabelledTimeline[];
  readonly warnings: string[];
  readonly skippedRows: number;
  /** How CSV timestamps were read: the zone assumed for those without one (time-zone.ts timestampNote). */
  readonly timestamps: string;
  readonly dbPaths: string[];
  readonly builtAtMs: number;
  /** The per-node section (nodes.ts), for runs spread over several nodes; empty otherwise. */
  readonly nodes?: Block[];
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

function environment(input: DocumentInput): Block[] {
  const recs = input.summaries.runs.map((r) => r.run.recorded).filter((r) => r !== null);
  const join = (xs: Array<string | number | null | undefined>): string => uniq(xs.filter((x) => x !== null && x !== undefined).map(String)).join(', ') || DASH;
  const images = input.summaries.runs.map((r) => r.run.manifest?.image).filter((i) => i);
  const loadgen = input.summaries.runs
    .filter((r) => typeof r.run.manifest?.loadgen?.cpuPercent === 'number')
    .map((r) => `${r.run.label} ${pct(r.run.manifest!.loadgen!.cpuPercent)}`);
  const rows: string[][] = [
    ['Host (collector)', join(recs.map((r) => r.collectorHost))],
    ['CPUs / memory', join(recs.map((r) => `${r.hostCpus} CPUs, ${(r.hostMemoryBytes / 2 ** 30).toFixed(1)} GiB`))],
    ['Kernel', join(recs.map((r) => r.kernel))],
    ['cgroup version', join(recs.map((r) => (r.cgroupVersion ? `v${r.cgroupVersion}` : null)))],
    ['Docker engine', join(recs.map((r) => r.dockerVersion))],
    ['Image', join([...images.map((i) => `${i!.id} (${bytes(i!.sizeBytes)})`), ...recs.map((r) => r.imageId).filter((i) => i && !images.some((m) => m!.id === i))])],
    ['Model / dtype', join(recs.map((r) => (r.modelId ? `${r.modelId} / ${r.modelDtype ?? DASH}` : null)))],
    ['Stats source / poll interval', join(recs.map((r) => `${r.statsSource}, ${r.intervalMs} ms`))],
    ['Load generator CPU (% of one core)', loadgen.length ? loadgen.join(', ') : DASH],
    ['Databases', input.dbPaths.join(', ')],
    ['CSV timestamps', input.timestamps],
  ];
  const runs = input.summaries.runs.map((s) => {
    const r = s.run;
    const start = r.recorded?.startedAtMs ?? r.manifest?.startedAtMs;
    const end = r.recorded?.endedAtMs ?? r.manifest?.endedAtMs;
    const phases = r.phases
      .map((p) => `${p.name}: ${p.requests ?? '?'} req${p.concurrency ? ` c=${p.concurrency}` : ''}${p.rateRps ? ` @${p.rateRps}/s` : ''}, ${((p.endMs - p.startMs) / 1000).toFixed(0)} s`)
      .join('; ');
    const t = r.manifest?.target;
    return [r.label, r.deployment, s.status, r.recorded ? String(r.recorded.id) : DASH, utc(start),
      start && end ? `${((end - start) / 1000).toFixed(0)} s` : DASH,
      t ? `${t.host}:${t.port} (${t.path}${t.userlandProxy === null ? '' : `, userland proxy ${t.userlandProxy ? 'on' : 'off'}`})` : DASH,
      phases || DASH];
  });
  return [
    { kind: 'heading', level: 2, text: 'Environment and provenance' },
    { kind: 'table', header: ['', ''], rows },
    { kind: 'table', header: ['Run', 'Deployment', 'Status', 'Run id', 'Started (UTC)', 'Duration', 'Target', 'Load phases'], rows: runs },
  ];
}

function summaryTables(input: DocumentInput): Block[] {
  const runs = input.summaries.runs;
  const memory = nativeMemoryNote(runs);
  const blockZero = zeroBlockIoSentence(runs);
  const latency = runs.map((r) => [r.run.label, r.status, String(r.replicas), String(r.requests), String(r.errors), fixed(r.reqPerSec, 1),
    fixed(r.client.p50), fixed(r.client.p90), fixed(r.client.p99), fixed(r.client.mean), fixed(r.client.max),
    fixed(r.server.p50), fixed(r.server.p90), fixed(r.server.p99), fixed(r.server.mean), fixed(r.server.max)]);
  const resources = runs.map((r) => {
    const ok = r.requests - r.errors;
    const perReq = (v: number | undefined): string => (v === undefined || ok === 0 ? DASH : bytes(v / ok));
    return [r.run.label, fixed(r.cpu.mean, 1), fixed(r.cpu.p95, 1), fixed(r.cpu.max, 1), pct(r.cpuHostPct), pct(r.cpuLimitPct),
      fixed(r.cpuMsPerRequest), mib(r.memBytes.mean), mib(r.memBytes.max), pct(r.memPercent.mean, 2), pct(r.memPercent.max, 2),
      bytes(r.netRxBytes), bytes(r.netTxBytes), `${perReq(r.netRxBytes)} / ${perReq(r.netTxBytes)}`, `${bytes(r.blockReadBytes)} / ${bytes(r.blockWriteBytes)}`,
      `${fixed(r.blockReadBytesPerRequest, 1)} / ${fixed(r.blockWriteBytesPerRequest, 1)}`,
      `${r.samples}${r.missedSamples ? ` (${r.missedSamples} missed)` : ''}`];
  });
  const phases = input.summaries.phases.map((p) => [p.label, p.phase,
    p.concurrency ? `closed, ${p.concurrency} in flight` : p.rateRps ? `open, ${p.rateRps} req/s offered` : DASH,
    String(p.requests), String(p.errors), fixed(p.reqPerSec, 1), fixed(p.client.p50), fixed(p.client.p90), fixed(p.client.p99), fixed(p.client.max),
    fixed(p.server.p50), fixed(p.cpuMsPerRequest), bytes(p.netRxBytes), bytes(p.netTxBytes),
    `${fixed(p.clientBytesSentPerRequest, 1)} / ${fixed(p.clientBytesReceivedPerRequest, 1)}`]);
  const network = runs.map((r) => [r.run.label, fixed(r.clientBytesSentPerRequest, 1), fixed(r.clientBytesReceivedPerRequest, 1),
    fixed(r.netRxBytesPerRequest, 1), fixed(r.netTxBytesPerRequest, 1), bytes(r.clientBytesSent), bytes(r.clientBytesReceived)]);
  return [
    { kind: 'heading', level: 2, text: 'Summary' },
    { kind: 'paragraph', text: 'Measured window: every load phase except the warm-up. Latency in ms (client: intended send → response, so queueing counts; server: the service\'s inference time); percentiles are nearest-rank. Failed requests are counted as errors and left out of latency.' },
    { kind: 'table', header: ['Deployment', 'Status', 'Replicas', 'Requests', 'Errors', 'Req/s', 'p50', 'p90', 'p99', 'Mean', 'Max', 'Server p50', 'Server p90', 'Server p99', 'Server mean', 'Server max'], rows: latency },
    { kind: 'paragraph', text: 'Per load phase: a closed-loop phase measures throughput (req/s at a fixed number in flight), an open-loop phase measures latency at a fixed offered rate. CPU time and network are counter growth over the phase, summed over replicas.' },
    { kind: 'table', header: ['Deployment', 'Phase', 'Load', 'Requests', 'Errors', 'Req/s', 'p50', 'p90', 'p99', 'Max', 'Server p50', 'CPU ms/req', 'Net rx', 'Net tx', 'Client B/req sent / received'], rows: phases },
    { kind: 'paragraph', text: [
      'CPU in % of one core (docker stats style), summed over replicas at each poll; "of host" divides by the host\'s CPUs, "of limit" by the CPU limit when one was set.',
      'Memory is used memory (docker stats style) summed over replicas, in MiB; MEM % is docker stats\' (used ÷ limit × 100, the limit being the host\'s memory when none was set), summed over replicas.',
      ...(memory ? [memory.sentence] : []),
      'Network and block I/O are counter growth over the window; block I/O is read the same way for every deployment, native in its own cgroup included (the group\'s blkio files on cgroup v1, io.stat on v2, unless said below); per request in bytes.',
      ...[blockIoSourceSentence(runs), blockZero].filter((t) => t !== undefined),
    ].join(' ') },
    { kind: 'table', header: ['Deployment', 'CPU mean', 'CPU p95', 'CPU max', 'of host', 'of limit', 'CPU ms/req', 'Mem mean', 'Mem max', 'Mem % mean', 'Mem % max', 'Net rx', 'Net tx', 'Net rx/tx per req', 'Block read/write', 'Block B/req read / write', 'Samples'], rows: resources },
    { kind: 'paragraph', text: 'Network per successful request, in bytes, two instruments. Client socket: what the load generator\'s TCP sockets sent (requests) and received (responses), HTTP heads and bodies, counted for every deployment alike, native included ("–" for a client CSV written before the byte columns). Container interface: the replicas\' interface counters (received ≈ the requests, sent ≈ the responses); they also count TCP/IP and Ethernet headers, handshakes, ACKs, retransmits and traffic that is not the benchmark\'s, so they read higher; a native process has none of its own ("–").' },
    { kind: 'table', header: ['Deployment', 'Client sent B/req', 'Client received B/req', 'Container rx B/req', 'Container tx B/req', 'Client sent', 'Client received'], rows: network },
  ];
}

/** CPU per request in the cost table: 3 decimals, since the platform's share is often a few hundredths of a ms. */
export const COST_DIGITS = 3;

/**
 * What each deployment costs: its service and the platform that carries it (docker-proxy, the swarm front,
 * the shims, dockerd and containerd), and their sum; the load generator apart. Only where the recording
 * sampled the platform (schema v2): a version-1 recording's report is as it was.
 */
function costTable(input: DocumentInput): Block[] {
  const runs = input.summaries.runs;
  if (!runs.some((r) => r.platform !== undefined)) return [];
  const components = (r: (typeof runs)[number]): string =>
    Object.entries(r.platform?.byComponent ?? {}).map(([c, f]) => `${c} ${fixed(f.cpuMsPerRequest, COST_DIGITS)}`).join(', ') || DASH;
  const rows = runs.map((r) => [r.run.label, fixed(r.cpuMsPerRequest, COST_DIGITS), fixed(r.platform?.cpuMsPerRequest, COST_DIGITS),
    fixed(r.deploymentCpuMsPerRequest, COST_DIGITS), mib(r.memBytes.mean), mib(r.platform?.memBytes.mean), mib(r.deploymentMemMeanBytes),
    components(r), fixed(r.loadGenerator?.cpuMsPerRequest, COST_DIGITS), mib(r.loadGenerator?.memBytes.mean)]);
  return [
    { kind: 'heading', level: 3, text: 'Service and platform' },
    { kind: 'paragraph', text: 'What each deployment costs per successful request over the measured window: its service (the replicas, as above) and the platform that carries it, sampled as their own rows (role \'platform\' in the recording): docker-proxy for each published port, the swarm front, the containerd shim of each container, dockerd and containerd. Native has no platform (0). dockerd and containerd serve every container on the host, so their share is an upper bound. Memory: mean over polls, summed over rows, MiB (containers: used memory; host processes: RSS). The load generator (role \'client\') is measured apart and is not in the deployment\'s cost.' },
    { kind: 'table', header: ['Deployment', 'Service CPU ms/req', 'Platform CPU ms/req', 'Service + platform CPU ms/req', 'Service mem', 'Platform mem', 'Service + platform mem', 'Platform CPU ms/req by component', 'Load generator CPU ms/req', 'Load generator mem'], rows },
  ];
}

function replicaTable(input: DocumentInput): Block[] {
  const reps = input.summaries.replicas;
  const latency = reps.map((r) => [r.label, r.hostname ?? r.name, String(r.requests), fixed(r.reqPerSec, 1),
    r.requests ? `${((100 * r.joined) / r.requests).toFixed(0)} %` : DASH, fixed(r.client.p50), fixed(r.client.p90), fixed(r.client.p99),
    fixed(r.client.mean), fixed(r.client.max),
    fixed(r.server.p50), fixed(r.server.p90), fixed(r.server.p99), fixed(r.server.mean), fixed(r.server.max)]);
  const resources = reps.map((r) => [r.label, r.hostname ?? r.name, fixed(r.cpu.mean, 1), fixed(r.cpu.p95, 1), fixed(r.cpu.max, 1),
    pct(r.cpuHostPct), pct(r.cpuLimitPct), fixed(r.cpuMsPerRequest), mib(r.memBytes.mean), mib(r.memBytes.max), pct(r.memPercent.mean, 2), bytes(r.netRxBytes),
    bytes(r.netTxBytes), `${bytes(r.blockReadBytes)} / ${bytes(r.blockWriteBytes)}`,
    `${r.samples}${r.missedSamples ? ` (${r.missedSamples} missed)` : ''}`]);
  return [
    { kind: 'heading', level: 2, text: 'Per replica' },
    { kind: 'paragraph', text: 'Requests are the service CSV rows the replica wrote in the window; "joined" is the share that found a sample of that replica within one poll interval. Client latency per replica uses the client rows attributed to it (through the request id).' },
    { kind: 'table', header: ['Run', 'Replica', 'Requests', 'Req/s', 'Joined', 'Client p50', 'Client p90', 'Client p99', 'Client mean', 'Client max', 'Server p50', 'Server p90', 'Server p99', 'Server mean', 'Server max'], rows: latency },
    { kind: 'table', header: ['Run', 'Replica', 'CPU mean', 'CPU p95', 'CPU max', 'of host', 'of limit', 'CPU ms/req', 'Mem mean', 'Mem max', 'Mem %', 'Net rx', 'Net tx', 'Block read/write', 'Samples'], rows: resources },
  ];
}

function overheadTable(input: DocumentInput): Block[] {
  if (input.overheads.length === 0) return [];
  const rows = input.overheads.map((o) => [o.label, o.phase, `p${o.percentile}`, fixed(o.baselineMs), fixed(o.valueMs),
    `${fixed(o.diff.estimate)} (${fixed(o.diff.low)} to ${fixed(o.diff.high)})`]);
  return [
    { kind: 'heading', level: 2, text: `Each run against ${input.overheads[0]!.baseline} of its round (request-level)` },
    { kind: 'paragraph', text: `Difference in client latency percentiles, ms, with a 95 % percentile-bootstrap interval over the two runs' requests (${DEFAULT_BOOTSTRAP.resamples} resamples of each, seeded). It holds request-level noise only: what differs between runs (the order, a warmer client, the page cache) is outside it, so it gives no verdict; the verdicts are the rounds' above.` },
    { kind: 'table', header: ['Run', 'Phase', 'Percentile', 'Native (ms)', 'This (ms)', 'Overhead ms (request-level 95 % CI)'], rows },
  ];
}

const roundValues = (values: ReadonlyArray<{ round: number; value: number }>, digits: number): string =>
  values.map((v) => `r${v.round} ${fixed(v.value, digits)}`).join(', ');

/** What the verdicts rest on, and what one round cannot tell. */
function methodText(across: AcrossRounds): string {
  const rounds = across.rounds === 1 ? 'one round' : `${across.rounds} rounds`;
  const head = `This recording has ${rounds} of each deployment. Every figure is taken per round; an overhead is the deployment's figure minus ${across.baseline ?? 'the baseline'}'s in the same round, and its 95 % interval is a t-interval over those per-round overheads (how much rounds disagree sets its width).`;
  const aa = across.aaLabel
    ? ` ${across.aaLabel} is ${across.baseline} measured a second time (A/A): its interval is the instrument's own noise, and a "real difference" must also lie outside it.`
    : ' There is no A/A pair (the baseline measured twice) in this recording, so the instrument\'s own noise floor is not shown.';
  const single = across.rounds < 2
    ? ' With a single round, run-level noise (order, warm-up, page cache, neighbours) cannot be separated from the deployments, so no difference is called real: every verdict is "not decided".'
    : '';
  return head + aa + single;
}

/** The answer first: a paragraph per deployment, then the figures with intervals. */
function answerSection(input: DocumentInput): Block[] {
  const { across } = input;
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: `What each deployment costs against ${across.baseline ?? 'native'}` }];
  if (across.baseline === null) return [...blocks, { kind: 'paragraph', text: 'No native run in this report: no overhead to compute.' }];
  const where = [`latency in ${input.answer.latency ?? DASH}`, `throughput, CPU per request, memory, network and block I/O per request in ${input.answer.throughput ?? input.answer.resources ?? DASH}`];
  const runs = input.summaries.runs;
  const notes = [nativeMemoryNote(runs)?.sentence, blockIoSourceSentence(runs), zeroBlockIoSentence(runs)].filter((n) => n !== undefined);
  blocks.push({ kind: 'paragraph', text: [`${methodText(across)} Below: ${where.join('; ')}.`, ...notes].join(' ') });
  blocks.push({ kind: 'list', items: answerSentences(across, input.answer) });
  for (const f of input.answerFigures) blocks.push({ kind: 'figure', name: f.name, title: f.title });
  return blocks;
}

/** Every label against the baseline in every phase and figure, paired by round. */
function roundsTable(input: DocumentInput): Block[] {
  const { across } = input;
  if (across.comparisons.length === 0) return [];
  const rows = across.comparisons.map((c) => {
    const d = c.unit === 'MiB' || c.unit === 'req/s' ? 1 : 2;
    return [c.label, c.phase, METRIC_NAMES[c.metric], c.unit, roundValues(c.perRound, d), fixed(c.diff.estimate, d), intervalText(c.diff, d),
      c.aa ? intervalText(c.aa, d) : DASH, c.verdict];
  });
  return [
    { kind: 'heading', level: 2, text: `Overheads against ${across.baseline} across rounds` },
    { kind: 'paragraph', text: `Per round: the label's figure minus ${across.baseline}'s in the same round. Mean over rounds with its 95 % t-interval; A/A: the same for ${across.aaLabel ?? 'an A/A pair (none here)'}. Verdict rule: "real difference" when the interval excludes 0 and does not overlap the A/A interval; "not decided" with one round.` },
    { kind: 'table', header: ['Deployment', 'Phase', 'Figure', 'Unit', 'Per round', 'Overhead', '95 % CI', 'A/A 95 % CI', 'Verdict'], rows },
  ];
}

/** `KEY=VALUE …` in key order; "defaults" when none were given (or the run predates the record). */
export function serviceSettingsText(settings: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(settings ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'defaults' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Each run's work level and model time per request; with two levels, the overhead against model time. */
function workSection(input: DocumentInput): Block[] {
  const work = input.work;
  if (!work) return [];
  const settings = input.summaries.runs.map((r) => serviceSettingsText(r.run.manifest?.serviceSettings));
  const rows = input.summaries.runs.map((r, i) => [r.run.label, r.run.level.corpus, r.run.level.dtype, settings[i]!, fixed(work.modelTimes.get(r.run.label)), fixed(r.server.p50)]);
  const distinct = [...new Set(settings)].sort((a, b) => a.localeCompare(b));
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Work level: model time per request' },
    { kind: 'paragraph', text: 'What the model spent on one request: the service CSV\'s inference latency (the model time of the request\'s batch) ÷ the batch size, mean over the sequential phase (one request at a time; the measured phases when there is none). Every relative overhead in this report is relative to a service time of about this size; the corpus (`--corpus`) and dtype (`--dtype`) set it. Server p50 is over every measured phase, where concurrent requests share batches. Service settings: those the experiment gave every deployment (run.json `serviceSettings`).' },
    ...(distinct.length > 1
      ? [{ kind: 'paragraph', text: `The runs were measured with different service settings (${distinct.join('; ')}): a difference between them is partly the settings', not the deployment's.` } as Block]
      : []),
    { kind: 'table', header: ['Run', 'Corpus', 'Dtype', 'Service settings', 'Model ms/request (sequential)', 'Server p50, all phases (ms)'], rows },
  ];
  if (work.points.length === 0) return blocks;
  const interval = (e: { low?: number | undefined; high?: number | undefined } | undefined, scale = 1, d = 2): string =>
    e?.low === undefined || e.high === undefined ? DASH : `${fixed(e.low * scale, d)} to ${fixed(e.high * scale, d)}`;
  const pointRows = work.points.map((p) => [p.label, p.level, fixed(p.modelMs), METRIC_NAMES[p.metric], p.phase, `${fixed(p.diff.estimate)} ${p.unit}`, interval(p.diff),
    p.relative ? `${fixed(p.relative.estimate * 100, 1)} %` : DASH, interval(p.relative, 100, 1), p.verdict]);
  blocks.push(
    { kind: 'heading', level: 2, text: 'Overhead against model time (work levels)' },
    { kind: 'paragraph', text: 'The same deployments at each work level, each level against its own baseline in the same rounds (the rules above). An overhead that stays the same in ms while the model time grows is a fixed cost per request (its % shrinks); one that grows with the model time scales with the work.' },
    ...(work.figure ? [{ kind: 'figure' as const, name: work.figure.name, title: work.figure.title }] : []),
    { kind: 'list', items: workSentences(work.points) },
    { kind: 'table', header: ['Deployment', 'Work level', 'Model ms/request', 'Figure', 'Phase', 'Overhead', '95 % CI', 'Relative', 'Relative 95 % CI', 'Verdict'], rows: pointRows },
  );
  return blocks;
}

/**
 * Which labels' load went through the HAProxy front (run.json target.front): Swarm without IPVS, and the
 * `<name>-front` control runs of the experiment's --front. Nothing when none did.
 */
function frontNote(runs: Summaries['runs']): Block[] {
  const labels = (through: boolean): string[] =>
    uniq(runs.filter((r) => Boolean(r.run.manifest?.target?.front) === through).map((r) => r.run.group));
  const through = labels(true);
  if (through.length === 0) return [];
  const images = uniq(runs.map((r) => r.run.manifest?.target?.front?.image).filter((i) => i !== undefined));
  const controls = through.some((l) => l.endsWith('-front'))
    ? ' A `<name>-front` label is that deployment measured behind the same front (the experiment\'s --front): against the deployment alone it shows what the load balancer costs, against swarm-1 what Swarm costs beyond it.'
    : '';
  return [{
    kind: 'paragraph',
    text: `Through the HAProxy front (${images.join(', ')}): ${through.join(', ')}. Straight to the replica: ${labels(false).join(', ') || 'none'}.${controls}`,
  }];
}

/** What the Swarm entry cannot state because an event did not run: said, not guessed from steady runs. */
function missingEvents(events: readonly LabelledTimeline[]): string[] {
  const has = (kind: 'scale' | 'failover'): boolean => events.some((e) => e.timeline.event.kind === kind);
  const out: string[] = [];
  if (!has('scale')) out.push(`time to scale (first requests on the new replicas, shares at 33 ± ${SHARE_TOLERANCE_POINTS} %): not measured in this recording (no swarm-scale run: \`npm run experiment -- --deployments swarm-scale\`)`);
  if (!has('failover')) out.push('failures on a crash and the time to replace the replica: not measured in this recording (no swarm-failover run: `npm run experiment -- --deployments swarm-failover`)');
  return out;
}

export function buildDocument(input: DocumentInput): Block[] {
  const { runs, replicas } = input.summaries;
  // An event run's spread and failures describe a transition: its own section states them, with the
  // events' lines below joining the Swarm pros and cons (a swarm entry is made for them if none exists).
  const events = input.events ?? [];
  const eventLabels = new Set(events.map((e) => e.label));
  const steadyRuns = runs.filter((r) => !eventLabels.has(r.run.label));
  const groups = [...new Set(runs.map((r) => r.run.group))];
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: 'LLM deployment benchmark report' },
    { kind: 'paragraph', text: `Built ${utc(input.builtAtMs)} from ${runs.length} run(s) of ${groups.length} deployment label(s) (${groups.join(', ')}) in ${Math.max(input.across.rounds, ...runs.map((r) => r.run.round))} round(s).` },
    ...frontNote(runs),
    ...answerSection(input),
    ...roundsTable(input),
    ...workSection(input),
    { kind: 'heading', level: 2, text: 'Findings' },
    { kind: 'list', items: findings(steadyRuns, replicas, input.across) },
    { kind: 'heading', level: 2, text: 'Pros and cons by deployment, as this data shows them' },
    { kind: 'paragraph', text: 'Steady-state lines: only differences whose verdict is "real difference" (interval across rounds excluding 0 and the A/A interval) count. The Swarm entry also states what this recording measured of a live scale, a crash and the HAProxy front (one observation per run, figures rather than verdicts); "·" marks what it did not measure.' },
  ];
  const fromEvents = eventProsCons(events);
  const front = frontCost(runs, input.summaries.phases);
  const kinds = prosAndCons(steadyRuns, replicas, input.across);
  if (events.length > 0 && !kinds.some((pc) => pc.kind === 'swarm')) kinds.push({ kind: 'swarm', labels: [], pros: [], cons: [] });
  for (const pc of kinds) {
    const swarm = pc.kind === 'swarm';
    if (swarm) pc.labels.push(...events.map((e) => e.label).filter((l) => !pc.labels.includes(l)));
    const pros = swarm ? [...pc.pros, ...fromEvents.pros] : pc.pros;
    const cons = swarm ? [...pc.cons, ...fromEvents.cons, ...front.cons] : pc.cons;
    const notes = swarm ? [...missingEvents(events), ...front.notes] : [];
    blocks.push({ kind: 'heading', level: 3, text: `${pc.kind} (${pc.labels.join(', ')})` });
    blocks.push({ kind: 'list', items: [...pros.map((p) => `+ ${p}`), ...cons.map((c) => `− ${c}`), ...notes.map((n) => `· ${n}`)] });
  }
  blocks.push(...eventSection(events));
  blocks.push(...environment(input), ...summaryTables(input), ...costTable(input), ...overheadTable(input));
  blocks.push({ kind: 'heading', level: 2, text: 'Figures' });
  for (const f of input.figures) blocks.push({ kind: 'figure', name: f.name, title: f.title });
  blocks.push(...replicaTable(input));
  blocks.push(...(input.nodes ?? []));
  blocks.push({ kind: 'heading', level: 2, text: 'Data quality' });
  const unattributed = runs.filter((r) => r.unattributed > 0).map((r) => `${r.run.label}: ${r.unattributed} service rows not attributed to a replica`);
  const missing = runs.filter((r) => r.missing.length + r.notes.length > 0).map((r) => `${r.run.label}: ${[...r.missing, ...r.notes].join('; ')}`);
  const shown = input.warnings.slice(0, 30);
  blocks.push({
    kind: 'list',
    items: [
      `${input.skippedRows} malformed CSV row(s) skipped`,
      'Replica attribution: the service CSV\'s Replica host name; a client row takes its service row\'s replica through the request id; rows with no replica (the 4-column service CSV of the 160-review latency test) go to the run\'s only replica when it has one, otherwise stay unattributed',
      ...missing,
      ...unattributed,
      ...shown,
      ...(input.warnings.length > shown.length ? [`… and ${input.warnings.length - shown.length} more warnings`] : []),
    ],
  });
  return blocks;
}
