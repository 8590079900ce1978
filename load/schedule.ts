// When requests are meant to go out. Pure: the runner asks, the clock is passed in.

/** Open loop: request i (0-based) is due at start + i / rate. Computed from i, not accumulated, so no drift. */
export function intendedMs(startMs: number, rateRps: number, index: number): number {
  return startMs + (index * 1000) / rateRps;
}

/**
 * How many requests an open-loop phase sends: rate × duration, capped by `requests` when both are given;
 * just `requests` when no duration is given.
 */
export function openLoopCount(rateRps: number, durationMs: number | undefined, requests: number | undefined): number {
  const byDuration = durationMs === undefined ? Infinity : Math.floor((rateRps * durationMs) / 1000);
  const n = Math.min(byDuration, requests ?? Infinity);
  if (!Number.isFinite(n)) throw new Error('open loop needs --duration or --requests');
  return n;
}

/**
 * Closed loop: hands out sequence numbers to N clients until `requests` are claimed or the deadline
 * passes. A client claims a number only when it is about to send, so none is left unsent at the end.
 */
export class ClosedLoopQuota {
  private next = 1;
  constructor(
    private readonly requests: number | undefined,
    private readonly deadlineMs: number | undefined,
  ) {
    if (requests === undefined && deadlineMs === undefined) throw new Error('closed loop needs --requests or --duration');
  }

  /** The next sequence number (1-based), or undefined when the phase is over. */
  claim(nowMs: number): number | undefined {
    if (this.requests !== undefined && this.next > this.requests) return undefined;
    if (this.deadlineMs !== undefined && nowMs >= this.deadlineMs) return undefined;
    return this.next++;
  }
}
