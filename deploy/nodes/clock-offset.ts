// How far a node's clock is from this host's, from one exchange bracketed by two host time stamps: the
// node's time was read somewhere between them, so the offset is the node's time minus their midpoint, give
// or take half the round trip (the classic NTP estimate, one exchange). Pure: the reading is clock.ts.

/** One exchange: host time before the request, the node's answer, host time after the answer (epoch ms). */
export interface ClockExchange {
  readonly beforeMs: number;
  readonly nodeMs: number;
  readonly afterMs: number;
}

export interface ClockOffset {
  /** Node clock − host clock, ms (positive: the node is ahead). */
  readonly offsetMs: number;
  /** The offset is within ± this: half the round trip, plus the host stamps' 1 ms resolution. */
  readonly uncertaintyMs: number;
}

/** The host stamps come from Date.now(): whole milliseconds. */
const HOST_RESOLUTION_MS = 1;

export function offsetOf(x: ClockExchange): ClockOffset {
  if (!(x.afterMs >= x.beforeMs)) throw new Error(`bad clock exchange: answer at ${x.afterMs} before the request at ${x.beforeMs}`);
  const half = (x.afterMs - x.beforeMs) / 2;
  return { offsetMs: x.nodeMs - (x.beforeMs + half), uncertaintyMs: half + HOST_RESOLUTION_MS };
}

/** The offset from the exchange with the shortest round trip: the tightest bracket (a busy host delays some). */
export function tightestOffset(exchanges: readonly ClockExchange[]): ClockOffset {
  if (exchanges.length === 0) throw new Error('no clock exchange to estimate an offset from');
  const best = exchanges.reduce((a, b) => (b.afterMs - b.beforeMs < a.afterMs - a.beforeMs ? b : a));
  return offsetOf(best);
}

/**
 * The Docker Engine's `SystemTime` (`/info`: RFC 3339 with nanoseconds, `2026-12-02T10:41:07.123456789Z`
 * or with a `+01:00` zone) → epoch ms with the fraction kept. A clear error names any other text.
 */
export function parseEngineTime(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text.trim());
  const whole = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(whole)) throw new Error(`bad engine SystemTime: ${JSON.stringify(text)} (expected RFC 3339, e.g. 2026-12-02T10:41:07.123456789Z)`);
  return whole + Number(`0.${m[2] ?? '0'}`) * 1000;
}

/** `+0.4 ± 1.5 ms`: an offset for a log line. */
export function clockText(c: ClockOffset): string {
  return `${c.offsetMs >= 0 ? '+' : '−'}${Math.abs(c.offsetMs).toFixed(1)} ± ${c.uncertaintyMs.toFixed(1)} ms`;
}
