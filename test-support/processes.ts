// Runs a command to completion without blocking this process (tests often serve the requests that
// command sends from inside this very process, so spawnSync would deadlock).
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Sees stderr as it grows, e.g. to send a signal once some progress line appeared. */
  readonly onStderr?: (stderrSoFar: string, child: ChildProcess) => void;
  /** SIGTERM after this long, so a hung command fails its test instead of hanging the run (code null). */
  readonly timeoutMs?: number;
}

export function runCommand(cmd: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
