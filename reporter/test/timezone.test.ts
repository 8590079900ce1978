// Zone-less CSV timestamps (Python's datetime.now(): local wall-clock time) are read in the build's
// local zone, or in --tz's: the conversion on DST transitions, the option's check, and real `reporter
// build` processes under a TZ far from UTC whose requests must land in the right phase and samples.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCommand } from '../../common/run-command.js';
import { UsageError } from '../../contracts/usage-error.js';
import { CLI, fixtureCopy, type Workspace } from '../fixture/workspace.js';
import { parseTimeZone, timeZone, wallClockToInstant } from '../time-zone.js';

const HOUR = 3_600_000;
/** A wall-clock time written without a zone, read in `zone`, as an ISO instant. */
const read = (zone: string, wall: string): string => new Date(timeZone(zone).instant(Date.parse(`${wall}Z`))).toISOString();

describe('a wall-clock time in a zone', () => {
  it('is read with the offset in force then (summer and winter time)', () => {
    assert.equal(read('Europe/Berlin', '2026-07-01T12:00:00'), '2026-07-01T10:00:00.000Z');
    assert.equal(read('Europe/Berlin', '2026-12-01T12:00:00'), '2026-12-01T11:00:00.000Z');
    assert.equal(read('Pacific/Kiritimati', '2026-11-23T14:00:00'), '2026-11-23T00:00:00.000Z');
    assert.equal(read('America/Los_Angeles', '2026-11-22T19:00:00'), '2026-11-23T03:00:00.000Z');
    assert.equal(read('UTC', '2026-11-23T03:00:00'), '2026-11-23T03:00:00.000Z');
  });
  it('on each side of a spring-forward gap is read exactly; inside the gap it moves forward by the gap', () => {
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST.
    assert.equal(read('Europe/Berlin', '2026-03-29T01:59:59'), '2026-03-29T00:59:59.000Z');
    assert.equal(read('Europe/Berlin', '2026-03-29T02:30:00'), '2026-03-29T01:30:00.000Z'); // = 03:30 CEST
    assert.equal(read('Europe/Berlin', '2026-03-29T03:00:00'), '2026-03-29T01:00:00.000Z');
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
    assert.equal(read('America/New_York', '2026-03-08T02:30:00'), '2026-03-08T07:30:00.000Z');
    // Lord Howe moves by half an hour: 02:00 becomes 02:30 on 2026-10-04.
    assert.equal(read('Australia/Lord_Howe', '2026-10-04T02:15:00'), '2026-10-03T15:45:00.000Z');
    // Samoa skipped 2011-12-30 entirely (−10 to +14): a time that day is read a day later.
    assert.equal(read('Pacific/Apia', '2011-12-30T12:00:00'), '2011-12-30T22:00:00.000Z');
  });
  it('inside a fall-back overlap is the earlier of its two instants', () => {
    // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and at 01:30Z.
    assert.equal(read('Europe/Berlin', '2026-10-25T02:30:00'), '2026-10-25T00:30:00.000Z');
    assert.equal(read('Europe/Berlin', '2026-10-25T03:00:00'), '2026-10-25T02:00:00.000Z');
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and at 06:30Z (EST).
    assert.equal(read('America/New_York', '2026-11-01T01:30:00'), '2026-11-01T05:30:00.000Z');
    assert.equal(read('Australia/Lord_Howe', '2026-04-05T01:45:00'), '2026-04-04T14:45:00.000Z');
  });
  it('agrees with JavaScript\'s own local-time Date (same gap and overlap rules) every 37 minutes over a year', () => {
    const saved = process.env['TZ'];
    try {
      for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Kiritimati']) {
        process.env['TZ'] = zone; // Node.js re-reads the zone of Date's local time when TZ is set
        const z = timeZone(zone);
        for (let wall = Date.UTC(2026, 0, 1); wall < Date.UTC(2027, 0, 1); wall += 37 * 60_000) {
          const d = new Date(wall);
          const expected = new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()).getTime();
          assert.equal(z.instant(wall), expected, `${zone} ${d.toISOString()}`);
        }
      }
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });
  it('keeps fractions of a millisecond', () => {
    assert.equal(timeZone('Europe/Berlin').instant(Date.UTC(2026, 6, 1, 12) + 0.537), Date.UTC(2026, 6, 1, 10) + 0.537);
  });
  it('is computed from the offsets alone (a made-up zone: +1 h before an instant, +2 h after)', () => {
    const switchAt = Date.UTC(2026, 0, 1, 1);
    const offset = (t: number): number => (t < switchAt ? HOUR : 2 * HOUR);
    assert.equal(wallClockToInstant(Date.UTC(2026, 0, 1, 1, 30), offset), Date.UTC(2026, 0, 1, 0, 30));
    assert.equal(wallClockToInstant(Date.UTC(2026, 0, 1, 2, 30), offset), Date.UTC(2026, 0, 1, 1, 30)); // in the gap: forward
    assert.equal(wallClockToInstant(Date.UTC(2026, 0, 1, 3, 30), offset), Date.UTC(2026, 0, 1, 1, 30));
  });
});

describe('--tz', () => {
  it('takes an IANA name or UTC, spelled as Node.js spells it', () => {
    assert.equal(parseTimeZone('tz', 'Europe/Berlin').name, 'Europe/Berlin');
    assert.equal(parseTimeZone('tz', 'america/new_york').name, 'America/New_York');
    assert.equal(parseTimeZone('tz', 'UTC').name, 'UTC');
  });
  it('refuses anything else with one line naming the value', () => {
    for (const bad of ['Mars/Olympus', '', 'local time', 'Europe/']) {
      assert.throws(() => parseTimeZone('tz', bad), (err: unknown) => err instanceof UsageError && !err.message.includes('\n') && err.message.includes(`'${bad}'`));
    }
  });
});

const SHORT_HEADER = 'Inference Latency (ms),Prediction,Input Text,Timestamp\n';

/**
 * The native run of the recording fixture with its service CSV replaced by the short form written on a
 * machine `offsetHours` from UTC: ten requests one second apart inside the sequential phase, their
 * timestamps that machine's wall clock, without a zone, in microseconds. Returns the true instants.
 */
function zonelessRun(ws: Workspace, offsetHours: number): number[] {
  const runJson = JSON.parse(readFileSync(join(ws.runs, 'native', 'run.json'), 'utf8')) as { phases: Array<{ name: string; startMs: number }> };
  const sequential = runJson.phases.find((p) => p.name === 'sequential')!.startMs;
  const dir = join(ws.dir, 'zoneless', 'native');
  mkdirSync(join(dir, 'service'), { recursive: true });
  cpSync(join(ws.runs, 'native', 'run.json'), join(dir, 'run.json'));
  const instants = Array.from({ length: 10 }, (_, i) => sequential + 500 + i * 1000);
  const rows = instants.map((t, i) => `${10 + i}.25,POSITIVE,ok,${new Date(t + offsetHours * HOUR).toISOString().replace('Z', '123')}\n`);
  writeFileSync(join(dir, 'service', 'native.csv'), SHORT_HEADER + rows.join(''));
  return instants;
}

interface Built {
  readonly code: number;
  readonly stderr: string;
  readonly md: string;
  readonly html: string;
  readonly rows: Array<{ ts_ms: number; phase: string | null; sample_ts: number | null }>;
}

async function buildUnder(ws: Workspace, tz: string, extra: string[]): Promise<Built> {
  const out = join(ws.dir, `out-${extra.length ? 'tz' : 'local'}`);
  const r = await runCommand(process.execPath, [CLI, 'build', '--db', ws.db, '--csv', join(ws.dir, 'zoneless'), '--labels', 'native', '--out', out, ...extra],
    { env: { TZ: tz }, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const db = new Database(join(out, 'report.db'), { readonly: true });
  const rows = db.prepare(`SELECT r.ts_ms, r.phase, s.ts_ms AS sample_ts FROM service_requests r LEFT JOIN samples s ON s.id = r.sample_id
    WHERE r.label = 'native' ORDER BY r.ts_ms`).all() as Built['rows'];
  db.close();
  return { code: r.code, stderr: r.stderr, md: readFileSync(join(out, 'REPORT.md'), 'utf8'), html: readFileSync(join(out, 'report.html'), 'utf8'), rows };
}

for (const { tz, offsetHours } of [{ tz: 'Pacific/Kiritimati', offsetHours: 14 }, { tz: 'America/Los_Angeles', offsetHours: -8 }]) {
  describe(`reporter build under TZ=${tz} on a service CSV written there without a zone`, () => {
    let instants: number[];
    let local: Built;
    let utc: Built;
    before(async () => {
      const ws = fixtureCopy();
      instants = zonelessRun(ws, offsetHours);
      local = await buildUnder(ws, tz, []);
      utc = await buildUnder(ws, tz, ['--tz', 'UTC']);
    });

    it('reads the timestamps in the local zone: each request at its true instant, in its phase, joined to the sample of that second', () => {
      assert.equal(local.rows.length, 10);
      local.rows.forEach((r, i) => {
        assert.ok(Math.abs(r.ts_ms - (instants[i]! + 0.123)) < 1e-3, `${r.ts_ms} vs ${instants[i]}`);
        assert.equal(r.phase, 'sequential');
        assert.notEqual(r.sample_ts, null, 'joined to a sample');
        assert.ok(Math.abs(r.sample_ts! - r.ts_ms) <= 500, `sample ${r.sample_ts} for a request at ${r.ts_ms}`);
      });
    });
    it('says so in REPORT.md and report.html', () => {
      for (const text of [local.md, local.html]) {
        assert.match(text, new RegExp(`10 service CSV row\\(s\\) had no zone and were read in ${tz} \\(the local zone of the machine that built the report; --tz overrides it\\)`));
        assert.match(text, /timestamps with Z or an offset were read as written/);
      }
    });
    it('with --tz UTC reads the same rows as UTC: shifted by the zone\'s offset, outside every phase and sample', () => {
      assert.equal(utc.rows.length, 10);
      utc.rows.forEach((r, i) => {
        assert.ok(Math.abs(r.ts_ms - (instants[i]! + 0.123 + offsetHours * HOUR)) < 1e-3);
        assert.equal(r.phase, null);
        assert.equal(r.sample_ts, null);
      });
      assert.match(utc.md, /10 service CSV row\(s\) had no zone and were read in UTC \(given with --tz\)/);
    });
  });
}

describe('reporter build --tz with a zone Node.js does not know', () => {
  it('is one line naming the value, exit 2, before anything is written', async () => {
    const ws = fixtureCopy();
    const r = await runCommand(process.execPath, [CLI, 'build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out, '--tz', 'Mars/Olympus']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "reporter: --tz: expected an IANA time zone such as Europe/Berlin, America/New_York or UTC, got 'Mars/Olympus'\n");
    assert.equal(existsSync(ws.out), false);
  });
});
