// `npm run bench -- service`: what the HTTP service costs over calling the model in-process.
// 1. Raw: the model pipeline in this process, batch sizes 1…64 over the review corpus; best texts/s, and
//    the p50 of one-text calls (the floor for concurrency-1 latency).
// 2. Service: the real entry point as a child process on 127.0.0.1, driven by a closed-loop keep-alive
//    client at concurrency 1, 8 and 32; req/s, p50/p99 (HdrHistogram), ratio service/raw.
// Targets (issue 2): service ≥ 0.85 × raw throughput at c32; c1 p50 overhead (service − raw) ≤ 1 ms.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import hdr from 'hdr-histogram-js';
import { parse } from 'csv-parse/sync';
import { parseConfig } from '../service/config.js';
import { loadClassifier, type Classifier } from '../service/model.js';
import { findPackageRoot } from '../service/package-root.js';

const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];
const CONCURRENCY = [1, 8, 32];
const RAW_SECONDS = 2;
const WARMUP_SECONDS = 1;
const LOAD_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);

const FALLBACK_TEXTS = [
  'This movie was fantastic!',
  'A dull, lifeless and far too long film that I could not wait to leave.',
  'The performances are warm, funny and surprisingly moving.',
  'I did not enjoy this at all.',
];

/** Review sentences from data/reviews.csv (the experiment's corpus) when present. */
function corpus(root: string): string[] {
  const file = path.join(root, 'data', 'reviews.csv');
  if (!existsSync(file)) return FALLBACK_TEXTS;
  const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as { text?: string }[];
  const texts = rows.map((r) => r.text ?? '').filter((t) => t.trim() !== '');
  return texts.length > 0 ? texts : FALLBACK_TEXTS;
}

const newHistogram = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

interface Figures {
  readonly perSecond: number;
  /** Microseconds. */
  readonly p50: number;
  readonly p99: number;
}

/** Runs `fn` back to back for `seconds`, after a warm-up; per-call latency in µs. */
async function timeLoop(seconds: number, fn: (i: number) => Promise<number>): Promise<Figures> {
  const warmEnd = performance.now() + WARMUP_SECONDS * 1000;
  for (let i = 0; performance.now() < warmEnd; i++) await fn(i);
  const h = newHistogram();
  let items = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    items += await fn(i);
    h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  const elapsed = (performance.now() - start) / 1000;
  return { perSecond: items / elapsed, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
}

async function measureRaw(clf: Classifier, texts: string[]): Promise<Map<number, Figures>> {
  const out = new Map<number, Figures>();
  for (const size of BATCH_SIZES) {
    const figures = await timeLoop(RAW_SECONDS, async (i) => {
      const batch = Array.from({ length: size }, (_, k) => texts[(i * size + k) % texts.length]!);
      await clf.classify(batch);
      return size;
    });
    out.set(size, figures);
    console.log(`raw   batch ${String(size).padStart(2)}: ${fmtRate(figures.perSecond)} texts/s  p50/call ${ms(figures.p50)}`);
  }
  return out;
}

/** Starts dist/service/main.js on an ephemeral loopback port and waits for /health ready. */
async function startServiceProcess(root: string, dir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'service', 'main.js')], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', METRICS_LOG_FILE: 'bench.csv', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  let port: number | undefined;
  while (port === undefined || !(await isReady(port))) {
    if (child.exitCode !== null) throw new Error(`service exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`service not ready after 30 s: ${out}`);
    const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (m) port = Number(m[1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

function isReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

/** One POST /infer on a keep-alive agent; resolves with the status. */
function post(agent: http.Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/infer',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Closed loop: `concurrency` workers, each sending its next request when the last one is answered. */
async function measureHttp(port: number, bodies: string[], concurrency: number): Promise<Figures & { errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let errors = 0;
  const runFor = async (seconds: number, h: hdr.Histogram | undefined): Promise<number> => {
    let done = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const status = await post(agent, port, bodies[next++ % bodies.length]!);
          if (status !== 200) errors++;
          h?.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          done++;
        }
      }),
    );
    return done;
  };
  await runFor(WARMUP_SECONDS, undefined);
  const h = newHistogram();
  const start = performance.now();
  const done = await runFor(LOAD_SECONDS, h);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { perSecond: done / elapsed, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), errors };
}

const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
const fmtRate = (x: number): string => x.toFixed(0).padStart(6);

export async function run(): Promise<void> {
  const root = findPackageRoot();
  const cfg = parseConfig(process.env, { cwd: process.cwd(), packageRoot: root });
  const texts = corpus(root);
  console.log(
    `model ${cfg.modelId} (${cfg.modelDtype}), ${texts.length} texts, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
      `node ${process.version}, load avg ${os.loadavg()[0]!.toFixed(2)}; service BATCH_MAX_SIZE=${cfg.batchMaxSize} BATCH_MAX_WAIT_MS=${cfg.batchMaxWaitMs}`,
  );

  const clf = await loadClassifier({
    modelId: cfg.modelId,
    dtype: cfg.modelDtype,
    modelDir: cfg.modelDir,
    cacheDir: cfg.modelCacheDir,
    allowRemote: cfg.allowRemoteModels,
    onnxThreads: cfg.onnxThreads,
    onnxSpinning: cfg.onnxSpinning,
  });
  const raw = await measureRaw(clf, texts);
  await clf.dispose(); // the service gets the cores to itself
  const [bestSize, best] = [...raw].reduce((a, b) => (b[1].perSecond > a[1].perSecond ? b : a));
  const rawSingle = raw.get(1)!;
  console.log(`raw best: batch ${bestSize}, ${best.perSecond.toFixed(0)} texts/s; one-text p50 ${ms(rawSingle.p50)}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-service-'));
  const svc = await startServiceProcess(root, dir, {});
  try {
    const bodies = texts.map((text) => JSON.stringify({ text }));
    for (const c of CONCURRENCY) {
      const f = await measureHttp(svc.port, bodies, c);
      const ratio = f.perSecond / best.perSecond;
      const extra = c === 1 ? `  overhead p50 ${ms(f.p50 - rawSingle.p50)} (target ≤ 1 ms)` : '';
      const target = c === 32 ? ' (target ≥ 0.85)' : '';
      console.log(
        `http  c${String(c).padEnd(2)}: ${fmtRate(f.perSecond)} req/s  p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  ` +
          `service/raw ${ratio.toFixed(2)}${target}${extra}${f.errors > 0 ? `  ERRORS ${f.errors}` : ''}`,
      );
    }
  } finally {
    const code = await svc.stop();
    if (code !== 0) console.log(`service exited with ${code}`);
    await rm(dir, { recursive: true, force: true });
  }
}
