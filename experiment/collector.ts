// Drives the collector CLI (`node dist/collector/cli.js`) as a separate process, so its own CPU is its
// own and it outlives a crash of the experiment (a later `collector stop` still ends the run).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, runChecked } from '../common/run-command.js';
import { formatDuration } from '../contracts/duration.js';
import type { NodeClock } from '../contracts/run-record.js';

export interface CollectorControl {
  /** Starts recording in the background; resolves to the run id the collector printed. */
  start(label: string, args: readonly string[]): Promise<number>;
  stop(label: string): Promise<void>;
  /** Collectors on other nodes (--nodes): each node's clock against this host's, read now. */
  clocks?(at: NodeClock['at']): Promise<NodeClock[]>;
}

export interface CliCollectorSettings {
  readonly root: string;
  readonly db: string;
  /** Already checked against SAMPLE_INTERVAL_BOUNDS; given to the collector in the shared grammar. */
  readonly intervalMs: number;
}

const TIMEOUT_MS = 60_000;

async function runCli(cli: string, args: string[], cwd: string): Promise<string> {
  try {
    return await runChecked(process.execPath, [cli, ...args], { cwd, timeoutMs: TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const r = err.result;
    const detail = r.failure ?? (r.stderr.trim().split('\n').pop() || `exit ${r.code}`);
    throw new Error(`collector ${args[0]} failed: ${detail}`);
  }
}

export function cliCollector(s: CliCollectorSettings): CollectorControl | undefined {
  const cli = join(s.root, 'dist/collector/cli.js');
  if (!existsSync(cli)) return undefined;
  return {
    async start(label, args) {
      const startArgs = ['start', '--label', label, '--db', s.db, '--interval', formatDuration(s.intervalMs), '--detach', ...args];
      const out = await runCli(cli, startArgs, s.root).catch((err: Error) => {
        // Most likely a recording left by an experiment that was killed; say how to end it.
        if (/already recording/.test(err.message)) {
          throw new Error(`${err.message}; if no experiment is running, end it with: node dist/collector/cli.js stop --label ${label} --db ${s.db}`);
        }
        throw err;
      });
      const id = /^\s*(\d+)\s*$/m.exec(out);
      if (!id) throw new Error(`collector start printed no run id: ${JSON.stringify(out.slice(0, 200))}`);
      return Number(id[1]);
    },
    async stop(label) {
      await runCli(cli, ['stop', '--label', label, '--db', s.db], s.root);
    },
  };
}
