// The one way this project runs another program (docker, the collector, the reporter, a shell script):
// execa, which already handles what hand-written spawn wrappers get wrong (output encoding, killing on
// timeout and abort, an error that names the command). This adds only the project's defaults.
import { execa, type ResultPromise } from 'execa';

export interface CommandOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Sent to stdin (text, or a stream such as `docker save`'s stdout). */
  readonly input?: string | NodeJS.ReadableStream;
  /** SIGTERM after this long (then SIGKILL after 5 s), so a hung command fails instead of hanging. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Sees stderr as it grows (e.g. to send a signal once a progress line appeared). */
  readonly onStderr?: (stderrSoFar: string, child: ResultPromise) => void;
}

export interface CommandResult {
  /** null when the command was killed by a signal or did not start. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it failed to run at all (not found, timed out, aborted); undefined when it ran to an exit code. */
  readonly failure?: string;
}

/** Runs to completion and resolves with the exit code and output; never rejects. */
export async function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const child = execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    input: typeof options.input === 'string' ? options.input : undefined,
    stdin: options.input !== undefined && typeof options.input !== 'string' ? (options.input as never) : undefined,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5000,
    reject: false,
    stripFinalNewline: false,
  });
  if (options.onStderr) {
    let soFar = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      soFar += chunk.toString();
      options.onStderr!(soFar, child);
    });
  }
  const result = await child;
  const failed = result.failed && (result.exitCode === undefined || result.timedOut || result.isCanceled);
  return {
    code: result.exitCode ?? null,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(failed ? { failure: result.timedOut ? `timed out after ${options.timeoutMs} ms` : result.shortMessage } : {}),
  };
}

/** Runs and returns stdout (trimmed); throws CommandError with the command and its stderr on failure. */
export async function runChecked(file: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  const r = await runCommand(file, args, options);
  if (r.code !== 0) throw new CommandError(file, args, r);
  return r.stdout.trim();
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly result: CommandResult,
  ) {
    const why = failureText(result);
    super(`${file} ${args.join(' ')}: ${why}`);
  }
}

function failureText(result: CommandResult): string {
  if (result.failure) return result.failure;
  const stderr = result.stderr.trim().split('\n').filter(Boolean).pop();
  return stderr ? `${stderr} (exit ${result.code})` : `exit ${result.code}`;
}
