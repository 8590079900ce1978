// Runs the real entry point (dist/service/main.js) as a child process, for the tests of what only a
// whole process shows: exit codes, signal handling, start-up errors.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { errorText } from '../../common/error-text.js';
import { findPackageRoot } from '../../common/package-root.js';
import { pollUntil } from '../../common/poll.js';

export const MAIN_JS = path.join(findPackageRoot(), 'dist', 'service', 'main.js');

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

export function spawnService(env: Record<string, string>, cwd: string): ServiceProcess {
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until the process prints its listening line; returns the port. Fails at once if it exits first. */
export function waitForPort(p: ServiceProcess, timeoutMs = 20_000): Promise<number> {
  return pollUntil(
    (note) => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(p.stdout());
      if (m) return Number(m[1]);
      if (p.child.exitCode !== null) throw new Error(`service exited early: ${p.stderr()}`);
      note(`output so far: ${p.stdout()} ${p.stderr()}`.trim());
      return undefined;
    },
    { timeoutMs, intervalMs: 20, what: 'the service to print its listening line' },
  );
}

/** Polls GET /health until it says ready. */
export async function waitForReady(port: number, timeoutMs = 20_000): Promise<void> {
  await pollUntil(
    async (note) => {
      const res = await fetch(`http://127.0.0.1:${port}/health`).catch((err: unknown) => note(errorText(err)));
      if (res === undefined) return undefined;
      await res.arrayBuffer();
      note(`health answered ${res.status}`);
      return res.status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `the service on port ${port} to be ready` },
  );
}
