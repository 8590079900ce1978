// One lean real Swarm run of each event phase: the real image behind the HAProxy front (or the mesh),
// a few seconds of open-loop load, the real `docker service scale` / `docker kill`. Names and port of
// their own; nothing left behind (service, front, network, a swarm the driver made).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { findPackageRoot } from '../../common/package-root.js';
import { parseRunRecord } from '../../contracts/run-record.js';
import { docker } from '../../deploy/drivers/engine.js';
import { createDeployment } from '../../deploy/drivers/index.js';
import { ensureAppImage } from '../../deploy/testing/image.js';
import { requireDocker } from '../../test-support/docker.js';
import { freePort } from '../../test-support/local-servers.js';
import { runExperiment } from '../experiment.js';
import { parseExperimentArgs } from '../options.js';

const root = findPackageRoot();
const SERVICE = `llm-test-events-${process.pid}`;

async function runEvent(name: 'swarm-scale' | 'swarm-failover') {
  const out = mkdtempSync(join(tmpdir(), 'ldb-event-docker-'));
  const port = await freePort();
  const options = parseExperimentArgs(['--deployments', name, '--repeat', '1', '--duration', '2s', '--rate', '20', '--warmup', '3', '--out', out, '--port', String(port)]);
  const lines: string[] = [];
  const outcomes = await runExperiment(options, {
    root, collector: undefined, texts: ['a fine film.', 'a dull, overlong film.'], corpus: 'reviews', inspectImage: async () => null,
    createDeployment: (n) => createDeployment(n, { port, name: SERVICE }), log: (m) => lines.push(m),
  });
  const dir = join(out, name, 'round-1');
  const record = parseRunRecord(readFileSync(join(dir, 'run.json'), 'utf8'), 'run.json');
  const rows = (parse(readFileSync(join(dir, 'client.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).filter((r) => r.phase === record.event?.phase);
  const leftovers = (await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`]).catch(() => '')) + (await docker(['network', 'ls', '-q', '--filter', `name=${SERVICE}-net`]));
  return { outcome: outcomes[0]!, record, rows, dir, lines, leftovers };
}

describe('Swarm events, real', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  it('docker: swarm-scale scales 1 → 3 under load; the new replicas answer, docker service ps before and after are kept', async () => {
    const { outcome, record, rows, dir, lines, leftovers } = await runEvent('swarm-scale');
    assert.equal(outcome.status, 'done', lines.join('\n'));
    const event = record.event!;
    assert.equal(event.command, `docker service scale ${SERVICE}=3`);
    // Current tasks only: a task Swarm replaced is listed under its slot as "\_ <service>.<slot>".
    const tasks = (file: string | null): number => readFileSync(join(dir, file!), 'utf8').split('\n').filter((l) => new RegExp(`^\\S+\\s+${SERVICE}\\.\\d+\\s`).test(l)).length;
    assert.equal(tasks(event.servicePs.before), 1);
    assert.equal(tasks(event.servicePs.after), 3);
    // On a starved machine Swarm may also replace a replica whose health check timed out, so the new
    // containers are those started after the command, whatever became of them later.
    const added = event.containers.filter((c) => c.startedAtMs !== null && c.startedAtMs > event.atMs).map((c) => c.hostname);
    assert.ok(added.length >= 2, JSON.stringify(event.containers));
    const answered = new Set(rows.filter((r) => r.error === '' && Number(r.done_ms) > event.atMs).map((r) => r.replica));
    assert.ok(added.filter((h) => answered.has(h)).length >= 2, `new replicas that answered: ${added.filter((h) => answered.has(h))}`);
    assert.ok(event.evenAtMs !== null || event.bounded, 'the load ended on the even shares or the bound');
    assert.equal(leftovers, '', 'nothing left after down');
  });

  it('docker: swarm-failover kills one of 3 under load; Swarm starts a replacement in its slot, which answers', async () => {
    const { outcome, record, rows, lines, leftovers } = await runEvent('swarm-failover');
    assert.equal(outcome.status, 'done', lines.join('\n'));
    const event = record.event!;
    const killed = event.killed!;
    assert.equal(event.command, `docker kill ${killed.hostname}`);
    const dead = event.containers.find((c) => c.containerId === killed.containerId)!;
    assert.equal(dead.exitCode, 137, 'SIGKILL, as a crash');
    const replacements = event.containers.filter((c) => c.slot === killed.slot && c.startedAtMs !== null && c.startedAtMs > event.atMs).map((c) => c.hostname);
    assert.ok(replacements.length >= 1, JSON.stringify(event.containers));
    assert.ok(rows.some((r) => replacements.includes(r.replica!) && r.error === ''), 'a replacement answered');
    assert.ok(!rows.some((r) => r.replica === killed.hostname && Number(r.done_ms) > event.returnedMs + 1000), 'the killed one answered no more');
    assert.equal(leftovers, '');
  });
});
