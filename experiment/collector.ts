// Drives the collector CLI (`node dist/collector/cli.js`) as a separate process, so its own CPU is its
// own and it outlives a crash of the experiment (a later `collector stop` still ends the run).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface CollectorControl {
  /** Starts recording in the background; resolves to the run id the collector printed. */
  start(label: string, args: readonly string[]): Promise<number>;
  stop(label: string): Promise<void>;
}

export interface CliCollectorSettings {
  readonly root: string;
  readonly db: string;
  readonly interval: string;
}

function runCli(cli: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || err.message).trim().split('\n').pop();
        reject(new Error(`collector ${args[0]} failed: ${detail}`));
      } else resolve(stdout);
    });
  });
}

export function cliCollector(s: CliCollectorSettings): CollectorControl | undefined {
  const cli = join(s.root, 'dist/collector/cli.js');
  if (!existsSync(cli)) return undefined;
  return {
    async start(label, args) {
      const out = await runCli(cli, ['start', '--label', label, '--db', s.db, '--interval', s.interval, '--detach', ...args], s.root, 60_000).catch(
        (err: Error) => {
          // Most likely a recording left by an experiment that was killed; say how to end it.
          if (/already recording/.test(err.message)) {
            throw new Error(`${err.message}; if no experiment is running, end it with: node dist/collector/cli.js stop --label ${label} --db ${s.db}`);
          }
          throw err;
        },
      );
      const id = /^\s*(\d+)\s*$/m.exec(out);
      if (!id) throw new Error(`collector start printed no run id: ${JSON.stringify(out.slice(0, 200))}`);
      return Number(id[1]);
    },
    async stop(label) {
      await runCli(cli, ['stop', '--label', label, '--db', s.db], s.root, 60_000);
    },
  };
}
