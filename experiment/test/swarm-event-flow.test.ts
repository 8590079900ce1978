// The event phases through the orchestrator with stand-in replicas: a local HTTP server answers for
// whichever replicas are "in" (its X-Replica header round-robins over them), and the stand-in's scale and
// kill change that set after a start-up delay, as Swarm would. No Docker: the real Swarm runs are in
// swarm-event-docker.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import type { DeploymentName } from '../../contracts/deployments.js';
import { parseRunRecord, type Target } from '../../contracts/run-record.js';
import type { ReplicaContainer } from '../../contracts/swarm-events.js';
import type { Deployment, RunContext, SwarmEventActions } from '../../deploy/deployment.js';
import { startLocalServer, type LocalServer } from '../../test-support/local-servers.js';
import { runExperiment } from '../experiment.js';
import { parseExperimentArgs } from '../options.js';

const root = findPackageRoot();
const STARTUP_MS = 1200;

/** A stand-in Swarm service: `inn` are the replicas answering; scale and kill change them like Swarm would. */
class StandInSwarm implements Deployment {
  readonly kind = 'swarm' as const;
  server: LocalServer | undefined;
  inn: string[];
  private next = 0;
  private readonly started = new Map<string, number>();
  calls: string[] = [];
  constructor(readonly name: DeploymentName, initial: string[]) {
    this.inn = [...initial];
    for (const r of initial) this.started.set(r, Date.now() - 60_000);
  }
  async preflight(): Promise<undefined> {
    return undefined;
  }
  async up(): Promise<Target> {
    this.server = await startLocalServer((req, res) => {
      const replica = this.inn[this.next++ % this.inn.length]!;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Replica', replica);
      res.setHeader('X-Inference-Latency-Ms', '1');
      res.end(JSON.stringify({ prediction: 'POSITIVE', score: 0.9 }));
    });
    return { host: '127.0.0.1', port: this.server.port, userlandProxy: false, path: 'stand-in' };
  }
  collectorArgs(): string[] {
    return [];
  }
  async collectCsv(): Promise<string[]> {
    return [];
  }
  async down(_ctx: RunContext): Promise<void> {
    this.calls.push('down');
    await this.server?.close();
  }
  private join(replica: string): void {
    this.started.set(replica, Date.now());
    setTimeout(() => this.inn.push(replica), STARTUP_MS);
  }
  private container(hostname: string): ReplicaContainer {
    return { containerId: `${hostname}-id`, hostname, slot: null, state: this.inn.includes(hostname) ? 'running' : 'exited', startedAtMs: this.started.get(hostname) ?? null, finishedAtMs: null, exitCode: null };
  }
  readonly events: SwarmEventActions = {
    servicePs: async () => `ID NAME\n${this.inn.map((r) => `${r} svc`).join('\n')}`,
    scale: async (n) => {
      this.calls.push(`scale ${n}`);
      for (const r of ['b', 'c'].slice(0, n - this.inn.length)) this.join(r);
      return `docker service scale svc=${n}`;
    },
    killOne: async () => {
      this.calls.push('kill');
      const killed = this.container('k');
      this.inn = this.inn.filter((r) => r !== 'k');
      this.join('n');
      return { killed, command: 'docker kill k' };
    },
    containers: async () => [...this.started.keys()].map((h) => this.container(h)),
  };
}

async function runWith(name: 'swarm-scale' | 'swarm-failover', initial: string[], signal?: AbortSignal) {
  const out = mkdtempSync(join(tmpdir(), 'ldb-event-'));
  const fake = new StandInSwarm(name, initial);
  const options = parseExperimentArgs(['--deployments', name, '--repeat', '1', '--duration', '1s', '--rate', '60', '--warmup', '3', '--out', out]);
  const lines: string[] = [];
  const outcomes = await runExperiment(options, {
    root, collector: undefined, texts: ['a fine film.'], corpus: 'reviews', signal, createDeployment: () => fake,
    inspectImage: async () => null, log: (m) => lines.push(m),
  });
  const dir = join(out, name, 'round-1');
  return { fake, outcomes, dir, lines, record: parseRunRecord(readFileSync(join(dir, 'run.json'), 'utf8'), 'run.json') };
}

describe('event phases with stand-in replicas', () => {
  it('swarm-scale: load on one replica, the scale after the settled period, the load ended once three replicas share it', async () => {
    const { fake, outcomes, dir, record, lines } = await runWith('swarm-scale', ['a']);
    assert.equal(outcomes[0]!.status, 'done', lines.join('\n'));
    assert.deepEqual(fake.calls, ['scale 3', 'down']);
    const event = record.event!;
    assert.equal(event.kind, 'scale');
    assert.equal(event.command, 'docker service scale svc=3');
    assert.equal(event.bounded, false);
    // Settled period of --duration (1 s) before the command; even once b and c are in (STARTUP_MS).
    const phase = record.phases.find((p) => p.name === 'scale-rate60')!;
    assert.ok(event.atMs - phase.startMs >= 1000 && event.atMs - phase.startMs < 3000, `event ${event.atMs - phase.startMs} ms into the phase`);
    assert.ok(event.evenAtMs! >= event.atMs + STARTUP_MS - 1000 && event.evenAtMs! < event.atMs + 10_000);
    assert.ok(phase.endMs < event.evenAtMs! + 10_000, 'the load ended soon after the shares were even, not at the bound');
    assert.deepEqual(event.containers.map((c) => c.hostname).sort(), ['a', 'b', 'c']);
    assert.equal(readFileSync(join(dir, event.servicePs.before!), 'utf8'), 'ID NAME\na svc\n');
    assert.match(readFileSync(join(dir, event.servicePs.after!), 'utf8'), /a svc\nb svc\nc svc/);
    const rows = readFileSync(join(dir, 'client.csv'), 'utf8').split('\n').filter((l) => l.includes('scale-rate60'));
    assert.ok(rows.every((l) => !/aborted/.test(l)), 'ending the load early answers every request in flight');
  });

  it('swarm-failover: one of three killed; the load stays on until the replacement shares it and the killed one is gone', async () => {
    const { fake, outcomes, record } = await runWith('swarm-failover', ['a', 'b', 'k']);
    assert.equal(outcomes[0]!.status, 'done');
    assert.deepEqual(fake.calls, ['kill', 'down']);
    const event = record.event!;
    assert.equal(event.killed?.hostname, 'k');
    assert.equal(event.command, 'docker kill k');
    assert.ok(event.evenAtMs! >= event.atMs + STARTUP_MS - 1000, 'not even before the replacement answered');
  });

  it('Ctrl-C during the event phase stops the load, tears the service down and marks the run interrupted', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1800);
    const { fake, outcomes, record, dir } = await runWith('swarm-scale', ['a'], stop.signal);
    assert.equal(outcomes[0]!.status, 'interrupted');
    assert.equal(fake.calls.at(-1), 'down');
    assert.equal(record.status, 'interrupted');
    assert.ok(existsSync(join(dir, 'service-ps-before.txt')));
  });
});
