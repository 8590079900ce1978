// The one way to wait for something with a deadline (a port that opens, a health check that turns ready,
// a run that stops): call `check` every `intervalMs` until it returns a value other than undefined.

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message: "llm-inference-container to be healthy". */
  readonly what: string;
  readonly signal?: AbortSignal;
}

export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
}

/**
 * Resolves with the first defined value `check` returns. An error thrown by `check` ends the wait at once
 * (so a permanent failure is not retried until the deadline). Rejects with PollTimeoutError after
 * `timeoutMs`, naming `what` and the last reason `check` reported through `note`.
 */
export async function pollUntil<T>(
  check: (note: (reason: string) => void) => Promise<T | undefined> | T | undefined,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let last: string | undefined;
  const note = (reason: string): void => {
    last = reason;
  };
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await check(note);
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new PollTimeoutError(`timed out after ${(options.timeoutMs / 1000).toFixed(1)} s waiting for ${options.what}${last ? ` (${last})` : ''}`);
    }
    await sleep(Math.min(interval, left), options.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
