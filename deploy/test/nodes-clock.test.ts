// A node's clock offset: the bracket arithmetic and the engine's time text (pure), and one real reading
// through this machine's own engine, whose clock is the host's: its offset must be 0 within the reading's ±.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import { clockText, offsetOf, parseEngineTime, tightestOffset } from '../nodes/clock-offset.js';
import { readClockOffset, socketPathOf } from '../nodes/clock.js';

describe('clock offset from a bracketed exchange', () => {
  it('is the node time minus the midpoint, ± half the round trip and the host stamps\' 1 ms', () => {
    assert.deepEqual(offsetOf({ beforeMs: 1000, nodeMs: 1250, afterMs: 1100 }), { offsetMs: 200, uncertaintyMs: 51 });
    assert.deepEqual(offsetOf({ beforeMs: 1000, nodeMs: 990, afterMs: 1000 }), { offsetMs: -10, uncertaintyMs: 1 });
    assert.throws(() => offsetOf({ beforeMs: 1000, nodeMs: 1000, afterMs: 999 }), /bad clock exchange: answer at 999 before the request at 1000/);
  });

  it('takes the exchange with the shortest round trip', () => {
    const slow = { beforeMs: 0, nodeMs: 400, afterMs: 300 };
    const quick = { beforeMs: 500, nodeMs: 512, afterMs: 520 };
    assert.deepEqual(tightestOffset([slow, quick, slow]), { offsetMs: 2, uncertaintyMs: 11 });
    assert.throws(() => tightestOffset([]), /no clock exchange/);
    assert.equal(clockText({ offsetMs: -0.44, uncertaintyMs: 1.5 }), '−0.4 ± 1.5 ms');
  });

  it('reads the engine\'s SystemTime with its nanoseconds and zone, and names bad text', () => {
    assert.equal(parseEngineTime('2026-12-02T10:41:07.123456789Z'), Date.UTC(2026, 11, 2, 10, 41, 7) + 123.456789);
    assert.equal(parseEngineTime('2026-12-02T11:41:07.5+01:00'), Date.UTC(2026, 11, 2, 10, 41, 7) + 500);
    assert.equal(parseEngineTime('2026-12-02T10:41:07Z'), Date.UTC(2026, 11, 2, 10, 41, 7));
    for (const bad of ['', 'yesterday', '2026-12-02 10:41:07Z', '2026-13-45T10:41:07Z']) assert.throws(() => parseEngineTime(bad), /bad engine SystemTime/, bad);
    assert.equal(socketPathOf('unix:///tmp/n/docker.sock'), '/tmp/n/docker.sock');
    assert.throws(() => socketPathOf('tcp://10.0.0.2:2375'), /needs a unix socket DOCKER_HOST, got "tcp:\/\/10.0.0.2:2375"/);
  });
});

describe('docker: a clock reading through the engine API', () => {
  it('finds this machine\'s engine at offset 0 within the reading\'s uncertainty', async () => {
    await requireDocker();
    const c = await readClockOffset(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    assert.ok(c.uncertaintyMs >= 1 && c.uncertaintyMs < 1000, `± ${c.uncertaintyMs} ms`);
    assert.ok(Math.abs(c.offsetMs) <= c.uncertaintyMs, `offset ${c.offsetMs} ms beyond ± ${c.uncertaintyMs}`);
  });
});
