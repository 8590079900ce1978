// The Swarm pros and cons from the measurements, on a recording made for it (version 2, platform rows):
// the front's CPU per request from its platform rows, the latency a `<name>-front` control adds over
// `<name>`, and, with no event run in the recording, a line saying so instead of a time to scale or a
// crash's failures; and an event run's per-replica panels hold the service's replicas only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { build } from '../build.js';
import { makeFixture, SMALL_SPEC } from '../fixture/make-fixture.js';
import { ROOT, tempDir } from '../fixture/workspace.js';

describe('the Swarm pros and cons of a recording without event runs', () => {
  let swarm: string;

  before(async () => {
    const dir = tempDir();
    const spec = {
      ...SMALL_SPEC,
      platform: true,
      runs: [
        { label: 'native', deployment: 'native', replicas: 1, extraLatencyMs: 0 },
        { label: 'docker', deployment: 'docker', replicas: 1, extraLatencyMs: 0.3 },
        { label: 'docker-front', deployment: 'docker', replicas: 1, extraLatencyMs: 0.5 },
        { label: 'swarm-1', deployment: 'swarm', replicas: 1, extraLatencyMs: 1.1 },
      ],
    } as const;
    makeFixture(join(dir, 'rec'), spec, ROOT);
    await build({ dbs: [join(dir, 'rec', 'bench.db')], csvDirs: [join(dir, 'rec', 'runs')], csvExplicit: true, labels: null, outDir: join(dir, 'out'), log: () => {}, warn: () => {} });
    const md = readFileSync(join(dir, 'out', 'REPORT.md'), 'utf8');
    swarm = md.slice(md.indexOf('### swarm ('), md.indexOf('\n#', md.indexOf('### swarm (') + 3));
  });

  it('states the front\'s CPU per request from its platform rows, with its share of the deployment\'s', () => {
    // The fixture's front costs 150 µs per request served (plus an idle trickle).
    const m = /swarm-1: the HAProxy front took (\d\.\d{3}) ms of CPU per request, (\d+) % of the (\d\.\d{3}) ms the deployment took \(service \+ platform\) \(one round\)/.exec(swarm);
    assert.ok(m, swarm);
    assert.ok(Number(m[1]) >= 0.15 && Number(m[1]) < 0.17, `front ${m[1]} ms`);
    assert.equal(Number(m[2]), Math.round((100 * Number(m[1])) / Number(m[3])));
  });

  it('states the latency the front added where a <name>-front control ran beside <name>', () => {
    const m = /the front added \+(\d\.\d{3}) ms to the sequential p50 \(docker-front − docker in the same round, one round; a figure, not a verdict\)/.exec(swarm);
    assert.ok(m, swarm);
    assert.ok(Math.abs(Number(m[1]) - 0.2) < 0.1, `added ${m[1]} ms (the fixture's 0.5 − 0.3)`);
  });

  it('says the time to scale and the failures on a crash were not measured, instead of stating any', () => {
    assert.match(swarm, /· time to scale \(first requests on the new replicas, shares at 33 ± 5 %\): not measured in this recording \(no swarm-scale run/);
    assert.match(swarm, /· failures on a crash and the time to replace the replica: not measured in this recording \(no swarm-failover run/);
    assert.doesNotMatch(swarm, /kept answering through a crash|time to scale 1 → 3/);
  });
});

describe('an event run in a recording that also sampled the platform', () => {
  it('draws the replicas\' CPU, memory and network from the service rows only, not the front\'s or the host\'s', async () => {
    const dir = tempDir();
    makeFixture(join(dir, 'rec'), { ...SMALL_SPEC, platform: true, runs: [SMALL_SPEC.runs[0]!, SMALL_SPEC.runs[4]!] }, ROOT);
    const runDir = join(dir, 'rec', 'runs', 'swarm-3');
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { phases: Array<{ name: string; startMs: number; endMs: number }>; event?: unknown };
    const phase = record.phases.find((p) => p.name === 'closed-c16')!;
    const hosts = readdirSync(join(runDir, 'service')).map((f) => f.replace(/\.csv$/, ''));
    const at = Math.round((phase.startMs + phase.endMs) / 2);
    const container = (hostname: string, slot: number) => ({ containerId: `${hostname}-id`, hostname, slot, state: 'running', startedAtMs: at - 60_000, finishedAtMs: null, exitCode: null });
    record.event = {
      kind: 'scale', command: 'docker service scale llm-inference-service=3', atMs: at, returnedMs: at + 100, replicasBefore: 3, replicasAfter: 3,
      phase: 'closed-c16', evenAtMs: null, bounded: false, containers: hosts.map((h, i) => container(h, i + 1)), servicePs: { before: null, after: null },
    };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(record));
    const out = join(dir, 'out');
    await build({ dbs: [join(dir, 'rec', 'bench.db')], csvDirs: [join(dir, 'rec', 'runs')], csvExplicit: true, labels: null, outDir: out, log: () => {}, warn: () => {} });
    // The panels after the first (answers per replica and failed requests): CPU, memory, network per replica.
    const spec = JSON.parse(readFileSync(join(out, 'figures', 'event-swarm-3.vl.json'), 'utf8')) as { vconcat: unknown[] };
    const named = new Set([...JSON.stringify(spec.vconcat.slice(1)).matchAll(/"replica":"([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual([...named].sort(), [...hosts].sort(), 'the panels name the three service replicas, nothing else');
    // An event run alone: it is in no comparison across rounds, yet it was measured in a round.
    const alone = join(dir, 'alone');
    await build({ dbs: [join(dir, 'rec', 'bench.db')], csvDirs: [join(dir, 'rec', 'runs')], csvExplicit: true, labels: ['swarm-3'], outDir: alone, log: () => {}, warn: () => {} });
    assert.match(readFileSync(join(alone, 'REPORT.md'), 'utf8'), /from 1 run\(s\) of 1 deployment label\(s\) \(swarm-3\) in 1 round\(s\)\./);
  });
});
