// Starting a program that keeps running beside this one (the native service, a benchmark's helper server,
// a streaming `docker stats`). The same execa as run-command.ts, but instead of a buffered result the
// caller gets what a long-lived child needs: the tail of its output, a wait for a line it prints, and a
// stop with a grace period. Output is not buffered whole, so a child may run for hours.
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { pollUntil } from './poll.js';

export interface ProcessOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Also append stdout and stderr to this file as they come. */
  readonly logFile?: string;
  /** Send stderr straight to this process's stderr (it is then not in output()). */
  readonly inheritStderr?: boolean;
  /** Send stdout and stderr to /dev/null (a measured child that should not pay for a reader). */
  readonly discardOutput?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 5 s. */
  readonly stopGraceMs?: number;
  /** How much of the latest output output() keeps. Default 64 KiB of text. */
  readonly tailChars?: number;
}

export interface ProcessEnd {
  /** null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: string | undefined;
  /** Why it could not start (not found …), if so. */
  readonly failure?: string;
  /** Whether it ignored stop()'s SIGTERM for the whole grace period and was killed. */
  readonly forceKilled: boolean;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  /** How it ended, once it has; undefined while it runs. */
  readonly end: ProcessEnd | undefined;
  /** Resolves once it has exited; never rejects. */
  readonly exited: Promise<ProcessEnd>;
  /** The latest output, stdout and stderr in the order they came. */
  output(): string;
  /** The first match of `pattern` in the output; rejects when the process ends first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  stop(): Promise<ProcessEnd>;
}

export function startProcess(file: string, args: readonly string[], options: ProcessOptions = {}): RunningProcess {
  const toFile = options.logFile === undefined ? [] : [{ file: options.logFile, append: true }];
  const child = execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdin: 'ignore',
    stdout: options.discardOutput ? 'ignore' : ['pipe', ...toFile],
    stderr: options.discardOutput ? 'ignore' : options.inheritStderr ? 'inherit' : ['pipe', ...toFile],
    buffer: false,
    reject: false,
    forceKillAfterDelay: options.stopGraceMs ?? 5000,
  });
  const limit = options.tailChars ?? 64 * 1024;
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    const decoder = new StringDecoder('utf8');
    stream?.on('data', (chunk: Buffer) => {
      tail = (tail + decoder.write(chunk)).slice(-limit);
    });
  }
  let end: ProcessEnd | undefined;
  const exited = child.then((r): ProcessEnd => {
    end = {
      code: r.exitCode ?? null,
      signal: r.signal,
      ...(r.exitCode === undefined && r.signal === undefined ? { failure: (r.shortMessage ?? 'did not start').split('\n')[0]! } : {}),
      forceKilled: r.isForcefullyTerminated,
    };
    return end;
  });
  const running: RunningProcess = {
    pid: child.pid,
    get end() {
      return end;
    },
    exited,
    output: () => tail,
    waitForOutput: (pattern, timeoutMs) =>
      pollUntil(
        () => {
          const match = pattern.exec(tail);
          if (match) return match;
          if (end) throw new Error(`${file} ended (${describeEnd(end)}) before printing ${pattern}: ${lastLine(tail)}`);
          return undefined;
        },
        { timeoutMs, intervalMs: 20, what: `${file} to print ${pattern}` },
      ),
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    stop: async () => {
      if (!end) child.kill('SIGTERM');
      return exited;
    },
  };
  return running;
}

/** "exit 1", "signal SIGKILL", or why it never started. */
export function describeEnd(end: ProcessEnd): string {
  return end.failure ?? (end.signal ? `signal ${end.signal}` : `exit ${end.code}`);
}

/** The last non-blank line of some output ('' when there is none). */
export function lastLine(output: string): string {
  return output.trim().split('\n').pop()?.trim() ?? '';
}
