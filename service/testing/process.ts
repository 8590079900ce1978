// Runs the real entry point (dist/service/main.js) as a child process, for the tests of what only a
// whole process shows: exit codes, signal handling, start-up errors.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findPackageRoot } from '../../common/package-root.js';

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

/** Waits until the process prints its listening line; returns the port. */
export async function waitForPort(p: ServiceProcess, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /listening on http:\/\/[^:]+:(\d+)/.exec(p.stdout());
    if (m) return Number(m[1]);
    if (p.child.exitCode !== null) throw new Error(`service exited early: ${p.stderr()}`);
    if (Date.now() > deadline) throw new Error(`service did not start: ${p.stdout()} ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls GET /health until it says ready. */
export async function waitForReady(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (res?.status === 200) return;
    await res?.arrayBuffer();
    if (Date.now() > deadline) throw new Error('service never became ready');
    await new Promise((r) => setTimeout(r, 25));
  }
}
