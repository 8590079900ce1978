// The load CLI's options: parsed and validated once into one typed object (`--help` is answered by the
// bin before this runs).
import { parsePort, parsePositiveInt, parsePositiveNumber, parseStrict } from '../common/cli-args.js';
import { parseDuration } from '../contracts/duration.js';
import { SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import { parseLabel } from '../contracts/label.js';
import { UsageError } from '../contracts/usage-error.js';
import { CORPUS_NAMES, DEFAULT_CORPUS } from './corpus.js';

export interface LoadCliOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly concurrency: number;
  readonly rateRps: number | undefined;
  readonly requests: number | undefined;
  readonly durationMs: number | undefined;
  readonly timeoutMs: number;
  readonly label: string;
  readonly phase: string;
  readonly out: string | undefined;
  /** --corpus as given: a bundled corpus's name or a file (resolved by openCorpus). */
  readonly corpus: string;
  readonly json: boolean;
}

export const LOAD_USAGE = `usage: npm run load -- [options]
  --host H          target host (default 127.0.0.1)
  --port P          target port (default 5000)
  --path /infer     request path
  --requests N      closed loop: stop after N requests (default 160 when no --duration)
  --concurrency C   closed loop: C clients back to back (default 1)
  --rate R          open loop: R requests per second, latency from each intended send time
  --duration D      run for D (a number with a unit: 500ms, 10s, 2m); open loop default 10s
  --timeout D       per-request deadline (default 10s)
  --label L         run label written in each row (default load)
  --phase NAME      phase name written in each row (default sequential / concurrent / open)
  --out FILE        append one CSV row per request to FILE
  --corpus C        review corpus: a bundled name (${CORPUS_NAMES.join(', ')}: data/<name>.csv) or a CSV
                    file of the same layout (default ${DEFAULT_CORPUS})
  --json            print the summary as JSON instead of text`;

export function parseLoadArgs(argv: readonly string[]): LoadCliOptions {
  const { values } = parseStrict(argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5000' },
    path: { type: 'string', default: '/infer' },
    requests: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    timeout: { type: 'string', default: '10s' },
    label: { type: 'string', default: 'load' },
    phase: { type: 'string' },
    out: { type: 'string' },
    corpus: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.rate !== undefined && values.concurrency !== undefined) {
    throw new UsageError(`--concurrency ${values.concurrency}: the open loop (--rate) has no client count; use one or the other`);
  }
  if (!values.path.startsWith('/')) throw new UsageError(`--path: expected a path starting with '/', got '${values.path}'`);
  if (values.host.trim() === '') throw new UsageError(`--host: expected a host name or address, got ''`);
  const rateRps = values.rate === undefined ? undefined : parsePositiveNumber('rate', values.rate);
  const concurrency = values.concurrency === undefined ? 1 : parsePositiveInt('concurrency', values.concurrency, 10_000);
  let requests = values.requests === undefined ? undefined : parsePositiveInt('requests', values.requests);
  let durationMs = values.duration === undefined ? undefined : parseDuration('duration', values.duration);
  const timeoutMs = parseDuration('timeout', values.timeout);
  if (requests === undefined && durationMs === undefined) {
    if (rateRps === undefined) requests = 160;
    else durationMs = 10_000;
  }
  const phase = values.phase === undefined
    ? (rateRps !== undefined ? 'open' : concurrency === 1 ? SEQUENTIAL_PHASE : 'concurrent')
    : parseLabel('phase', values.phase);
  return {
    host: values.host,
    port: parsePort('port', values.port),
    path: values.path,
    concurrency,
    rateRps,
    requests,
    durationMs,
    timeoutMs,
    label: parseLabel('label', values.label),
    phase,
    out: values.out,
    corpus: values.corpus ?? DEFAULT_CORPUS,
    json: values.json,
  };
}
