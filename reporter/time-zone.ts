// Reading a zone-less timestamp ("2025-03-01T00:31:16.866537", as Python's datetime.now() writes local
// time) as an instant in a named IANA zone, with the zone data Node.js carries (Intl), no library.
import { UsageError } from '../contracts/usage-error.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface TimeZone {
  /** The IANA name, as Intl spells it ('Europe/Berlin', 'UTC'). */
  readonly name: string;
  /** A wall-clock time in this zone, its fields encoded as Date.UTC takes them → ms since the epoch. */
  instant(wallMs: number): number;
}

/** The zone's offset from UTC at an instant (ms, east positive), to the second as Intl formats it. */
export function offsetAt(format: Intl.DateTimeFormat, instantMs: number): number {
  const f: Record<string, number> = {};
  for (const p of format.formatToParts(instantMs)) if (p.type !== 'literal') f[p.type] = Number(p.value);
  const wall = Date.UTC(f['year']!, f['month']! - 1, f['day']!, f['hour']!, f['minute']!, f['second']!);
  // Years before 100 would be moved by Date.UTC into the 1900s; no recording is that old.
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time names in a zone whose offset at each instant `offset` gives. Pure.
 * The offsets a day before and a day after are the candidates (at most one transition is assumed
 * within ±1 day, true of every zone in use); a candidate holds when the offset at the instant it
 * gives is itself. Around a transition:
 * - an overlap (clocks set back: the wall time happens twice) takes the earlier instant, i.e. the
 *   offset from before the transition;
 * - a gap (clocks set forward: the wall time never happens) reads the time with the offset from
 *   before the gap, which lands after it, moved forward by the gap's length (02:30 on a spring-forward
 *   night in Berlin is 03:30 CEST).
 * These are the rules of JavaScript's own local-time Date and of Temporal's 'compatible'.
 */
export function wallClockToInstant(wallMs: number, offset: (instantMs: number) => number): number {
  const before = offset(wallMs - DAY_MS);
  const after = offset(wallMs + DAY_MS);
  const holds = (o: number): boolean => offset(wallMs - o) === o;
  if (holds(before)) return wallMs - before; // the only reading, or the earlier one of an overlap
  if (holds(after)) return wallMs - after;
  return wallMs - before; // in a gap
}

/**
 * A zone by IANA name or 'UTC'. Readings are cached per wall-clock minute (offsets change on whole
 * minutes in every zone since the 1970s), so a CSV of a million rows costs a few thousand Intl calls.
 */
export function timeZone(name: string): TimeZone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const canonical = format.resolvedOptions().timeZone;
  const offsets = new Map<number, number>(); // wall-clock minute → offset
  return {
    name: canonical,
    instant(wallMs: number): number {
      const minute = Math.floor(wallMs / MINUTE_MS);
      let o = offsets.get(minute);
      if (o === undefined) {
        const start = minute * MINUTE_MS;
        o = start - wallClockToInstant(start, (t) => offsetAt(format, t));
        offsets.set(minute, o);
      }
      return wallMs - o;
    },
  };
}

/** `--tz`: an IANA zone name or UTC, checked against Node.js's zone data before anything starts. */
export function parseTimeZone(option: string, value: string): TimeZone {
  try {
    if (value.trim() === '') throw new RangeError('empty');
    return timeZone(value.trim());
  } catch {
    throw new UsageError(`--${option}: expected an IANA time zone such as Europe/Berlin, America/New_York or UTC, got '${value}'`);
  }
}

/**
 * The zone this process runs in (the TZ environment variable, else the system's). A TZ Node.js does
 * not know (it then computes in UTC) is named as UTC, with a warning.
 */
export function localTimeZone(warn: (message: string) => void): TimeZone {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  if (name) return timeZone(name);
  warn(`warning: TZ=${process.env['TZ'] ?? ''} is not a time zone Node.js knows: zone-less timestamps are read as UTC (--tz names a zone)`);
  return timeZone('UTC');
}

/** The report's line on timestamps: the zone assumed for zone-less ones, where it came from, how many. */
export function timestampNote(zone: TimeZone, given: boolean, zonelessRows: number): string {
  const source = given ? 'given with --tz' : 'the local zone of the machine that built the report; --tz overrides it';
  return zonelessRows > 0
    ? `${zonelessRows} service CSV row(s) had no zone and were read in ${zone.name} (${source}); timestamps with Z or an offset were read as written.`
    : `every service CSV timestamp had Z or an offset and was read as written (one without a zone would be read in ${zone.name}: ${source}).`;
}
