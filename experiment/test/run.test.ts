import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import type { DeploymentName } from '../../contracts/deployments.js';
import type { Deployment, RunContext } from '../../deploy/deployment.js';
import { cliCollector } from '../collector.js';
import { runExperiment, type ExperimentDeps } from '../experiment.js';
import { parseExperimentArgs } from '../options.js';
import { roundOrders } from '../order.js';
import { parseRunRecord, type RunRecord, type Target } from '../../contracts/run-record.js';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand, type CommandOptions } from '../../common/run-command.js';
import { groupsNamed } from '../../deploy/testing/flow.js';
import { freePort, serviceLike, startLocalServer, type Handler, type LocalServer } from '../../test-support/local-servers.js';

const root = findPackageRoot();
const cli = join(root, 'dist/experiment/cli.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'ldb-exp-'));
const readRun = (dir: string): RunRecord => parseRunRecord(readFileSync(join(dir, 'run.json'), 'utf8'), join(dir, 'run.json'));
const csv = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

/** Runs the experiment CLI; `onStderr` sees the progress as it comes (to send Ctrl-C at the right time). */
const runCli = (args: string[], onStderr?: CommandOptions['onStderr'], env?: NodeJS.ProcessEnv) =>
  runCommand(process.execPath, [cli, ...args], { cwd: root, onStderr, env });

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A stand-in deployment over a local HTTP server, recording what the orchestrator asked of it. */
class FakeDeployment implements Deployment {
  readonly kind = 'docker' as const;
  calls: string[] = [];
  server: LocalServer | undefined;
  constructor(readonly name: DeploymentName, private readonly handler: Handler, private readonly unavailable?: string) {}
  async preflight(): Promise<string | undefined> {
    this.calls.push('preflight');
    return this.unavailable;
  }
  async up(): Promise<Target> {
    this.calls.push('up');
    this.server = await startLocalServer(this.handler);
    return { host: '127.0.0.1', port: this.server.port, userlandProxy: false, path: 'fake' };
  }
  collectorArgs(): string[] {
    return [];
  }
  async collectCsv(): Promise<string[]> {
    this.calls.push('collectCsv');
    return [];
  }
  async down(_ctx: RunContext): Promise<void> {
    this.calls.push('down');
    await this.server?.close();
    this.server = undefined;
  }
}

function fakeDeps(fakes: Record<string, FakeDeployment>, signal?: AbortSignal): ExperimentDeps & { lines: string[] } {
  const lines: string[] = [];
  return {
    root, lines, collector: undefined, texts: ['a fine film.', 'a dull film.'], corpus: 'reviews', signal,
    createDeployment: (name) => fakes[name] ?? assert.fail(`no fake for ${name}`),
    inspectImage: async () => ({ id: 'sha256:fake', sizeBytes: 123, ref: null, digest: null }),
    log: (m) => lines.push(m),
  };
}

/** A seed under which one round of `labels` runs in the order given. */
function seedKeeping(labels: string[]): number {
  for (let seed = 0; ; seed++) if (roundOrders(labels, 1, seed)[0]!.join() === labels.join()) return seed;
}

describe('experiment', () => {
  describe('orchestration (stand-in deployments)', () => {
    // One round in the listed order (the seed whose shuffle leaves it as it is), so the steps can be followed.
    const listed = String(seedKeeping(['docker', 'compose', 'swarm-1']));
    const options = (out: string) => parseExperimentArgs(['--deployments', 'docker,compose,swarm-1', '--repeat', '1', '--seed', listed, '--requests', '5', '--concurrency', '2', '--concurrent-requests', '10', '--warmup', '2', '--out', out]);

    it('skips what cannot run with its reason, tears down a failed phase, and goes on with the next', async () => {
      const out = tmp();
      const fakes = {
        docker: new FakeDeployment('docker', (_q, res) => { res.statusCode = 503; res.end(); }),
        compose: new FakeDeployment('compose', serviceLike(), 'no Docker engine (docker.sock missing)'),
        'swarm-1': new FakeDeployment('swarm-1', serviceLike('task-1')),
      };
      const deps = fakeDeps(fakes);
      const outcomes = await runExperiment(options(out), deps);
      assert.deepEqual(outcomes.map((o) => [o.name, o.status]), [['docker', 'failed'], ['compose', 'skipped'], ['swarm-1', 'done']]);
      assert.match(outcomes[0]!.reason!, /phase warmup: none of 2 requests succeeded \(http_503=2\)/);
      assert.equal(outcomes[1]!.reason, 'no Docker engine (docker.sock missing)');
      assert.deepEqual(fakes.docker.calls, ['preflight', 'up', 'collectCsv', 'down']);
      assert.deepEqual(fakes.compose.calls, ['preflight']);
      assert.deepEqual(fakes['swarm-1'].calls, ['preflight', 'up', 'collectCsv', 'down']);
      assert.equal(readRun(join(out, 'docker', 'round-1')).status, 'failed');
      assert.ok(!existsSync(join(out, 'compose')));

      const run = readRun(join(out, 'swarm-1', 'round-1'));
      assert.equal(run.status, 'complete');
      assert.equal(run.corpus, 'reviews');
      assert.deepEqual(run.image, { id: 'sha256:fake', sizeBytes: 123, ref: null, digest: null });
      assert.deepEqual(run.target, { host: '127.0.0.1', port: run.target!.port, userlandProxy: false, path: 'fake' });
      assert.deepEqual(run.phases.map((p) => [p.name, p.requests, p.concurrency]), [['warmup', 2, 1], ['sequential', 5, 1], ['closed-c2', 10, 2]]);
      const rows = csv(join(out, 'swarm-1', 'round-1', 'client.csv'));
      assert.equal(rows.length, 17);
      assert.ok(rows.every((r) => r.label === 'swarm-1' && r.replica === 'task-1' && r.status === '200'));
      assert.deepEqual(outcomes[2]!.phases, ['sequential', 'closed-c2']);
    });

    it('on Ctrl-C stops the load, tears down, and starts nothing more', async () => {
      const out = tmp();
      const stop = new AbortController();
      const fakes = {
        docker: new FakeDeployment('docker', (q, res, b, i) => {
          if (i === 3) stop.abort(); // mid-phase
          serviceLike()(q, res, b, i);
        }),
        compose: new FakeDeployment('compose', serviceLike()),
        'swarm-1': new FakeDeployment('swarm-1', serviceLike()),
      };
      const outcomes = await runExperiment(options(out), fakeDeps(fakes, stop.signal));
      assert.deepEqual(outcomes.map((o) => o.status), ['interrupted', 'interrupted', 'interrupted']);
      assert.deepEqual(fakes.docker.calls, ['preflight', 'up', 'collectCsv', 'down']);
      assert.deepEqual(fakes.compose.calls, []);
      assert.equal(readRun(join(out, 'docker', 'round-1')).status, 'interrupted');
    });
  });

  describe('rounds (stand-in deployments)', () => {
    const quick = ['--requests', '3', '--concurrency', '2', '--concurrent-requests', '4', '--warmup', '0'];

    it('--repeat 3 measures every deployment in each round, each at every position once, each phase in a fresh load generator process', async () => {
      const out = tmp();
      const fakes = { docker: new FakeDeployment('docker', serviceLike()), compose: new FakeDeployment('compose', serviceLike()), 'swarm-1': new FakeDeployment('swarm-1', serviceLike()) };
      const deps = fakeDeps(fakes);
      const outcomes = await runExperiment(parseExperimentArgs(['--deployments', 'docker,compose,swarm-1', '--repeat', '3', '--seed', '4', ...quick, '--out', out]), deps);
      assert.equal(outcomes.length, 9);
      assert.ok(outcomes.every((o) => o.status === 'done'));
      const runs = outcomes.map((o) => readRun(join(out, o.label, `round-${o.round}`)));
      const orders = [1, 2, 3].map((k) => runs.find((r) => r.round === k)!.order);
      assert.equal(new Set(orders.map((o) => o.join())).size, 3, 'a different order each round');
      assert.deepEqual(orders, roundOrders(['docker', 'compose', 'swarm-1'], 3, 4));
      for (const r of runs) {
        assert.deepEqual([r.rounds, r.seed, r.order[r.position!]], [3, 4, r.label]);
        assert.equal(r.status, 'complete');
      }
      for (const label of ['docker', 'compose', 'swarm-1']) {
        assert.deepEqual(runs.filter((r) => r.label === label).map((r) => r.position).sort(), [0, 1, 2], `${label} at every position once`);
      }
      assert.deepEqual(fakes.docker.calls, ['preflight', ...Array(3).fill(['up', 'collectCsv', 'down']).flat()], 'preflight once, up and down per round');
      const pids = deps.lines.flatMap((l) => /load generator pid (\d+)/.exec(l)?.[1] ?? []);
      assert.equal(pids.length, 9 * 2, 'the sequential and the concurrent phase of 9 runs');
      assert.equal(new Set(pids).size, pids.length, 'every phase in a process of its own');
      assert.ok(!pids.includes(String(process.pid)));
      assert.equal(csv(join(out, 'compose', 'round-2', 'client.csv')).length, 3 + 4);
    });

    it('--deployments native,native measures native twice, as native and native#2, in every round', async () => {
      const out = tmp();
      const native = new FakeDeployment('native', serviceLike());
      const outcomes = await runExperiment(parseExperimentArgs(['--deployments', 'native,native', '--repeat', '2', ...quick, '--out', out]), fakeDeps({ native }));
      assert.deepEqual(outcomes.map((o) => `${o.label} r${o.round}`).sort(), ['native r1', 'native r2', 'native#2 r1', 'native#2 r2']);
      const run = readRun(join(out, 'native#2', 'round-2'));
      assert.deepEqual([run.label, run.deployment, run.status], ['native#2', 'docker', 'complete']);
      assert.ok(csv(join(out, 'native#2', 'round-2', 'client.csv')).every((r) => r.label === 'native#2'));
    });

    it('the same --seed gives the same orders; a new experiment replaces the earlier rounds of its labels', async () => {
      const out = tmp();
      const fakes = { docker: new FakeDeployment('docker', serviceLike()), compose: new FakeDeployment('compose', serviceLike()) };
      const args = ['--deployments', 'docker,compose', '--seed', '77', '--requests', '2', '--concurrency', '1', '--warmup', '0', '--out', out];
      const ordersOf = (): string[][] => [1, 2, 3].map((k) => readRun(join(out, 'docker', `round-${k}`)).order);
      await runExperiment(parseExperimentArgs([...args, '--repeat', '3']), fakeDeps(fakes));
      const first = ordersOf();
      await runExperiment(parseExperimentArgs([...args, '--repeat', '3']), fakeDeps(fakes));
      assert.deepEqual(ordersOf(), first);
      await runExperiment(parseExperimentArgs([...args, '--repeat', '1']), fakeDeps(fakes));
      assert.ok(!existsSync(join(out, 'docker', 'round-2')), 'no stale round left from the earlier experiment');
    });
  });

  describe('Ctrl-C while a deployment is still starting', () => {
    it('calls down at once (so a health wait ends), lets up settle, then downs again for what it made meanwhile', async () => {
      const out = tmp();
      const stop = new AbortController();
      const fake = new FakeDeployment('docker', serviceLike());
      let finishUp: () => void = () => {};
      const slowUp = fake.up.bind(fake);
      fake.up = async () => {
        setTimeout(() => stop.abort(), 20);
        await new Promise<void>((resolve) => (finishUp = resolve));
        return slowUp();
      };
      const realDown = fake.down.bind(fake);
      fake.down = async (ctx) => {
        finishUp(); // like a native child killed mid-health-wait: up() then returns
        await realDown(ctx);
      };
      const outcomes = await runExperiment(parseExperimentArgs(['--deployments', 'docker', '--repeat', '1', '--out', out]), fakeDeps({ docker: fake }, stop.signal));
      assert.deepEqual(outcomes.map((o) => o.status), ['interrupted']);
      assert.deepEqual(fake.calls, ['preflight', 'down', 'up', 'down']);
      assert.equal(fake.server, undefined, 'what up() created after the first down is gone');
      assert.equal(readRun(join(out, 'docker', 'round-1')).status, 'interrupted');
    });
  });

  describe('native, end to end (real driver, collector, service)', () => {
    it('records run.json, client.csv, the service CSV and a complete collector run, and leaves nothing running (heavy work level: long reviews, fp32)', async () => {
      const dir = tmp();
      const port = await freePort();
      const db = join(dir, 'bench.db');
      const r = await runCli(['--deployments', 'native', '--repeat', '1', '--requests', '10', '--concurrency', '2', '--concurrent-requests', '20', '--warmup', '2', '--port', String(port), '--db', db, '--out', join(dir, 'runs'), '--report-dir', join(dir, 'report'),
        '--corpus', 'long-reviews', '--dtype', 'fp32'], undefined, { MODEL_SESSIONS: '2' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\| native +\| sequential +\| 10 +\|/);
      assert.match(r.stderr, /\[native\] phase sequential: 10 requests, 1 client\(s\)/);
      const runDir = join(dir, 'runs', 'native', 'round-1');
      const run = readRun(runDir);
      assert.equal(run.status, 'complete');
      assert.equal(run.deployment, 'native');
      assert.deepEqual(run.target, { host: '127.0.0.1', port, userlandProxy: null, path: run.target!.path });
      assert.deepEqual(run.phases.map((p) => p.name), ['warmup', 'sequential', 'closed-c2']);
      assert.deepEqual([run.corpus, run.dtype], ['long-reviews', 'fp32']); // --dtype reached the service: its /health says fp32
      // A service setting from the experiment's environment reached the service and is recorded.
      assert.deepEqual(run.serviceSettings, { MODEL_DTYPE: 'fp32', MODEL_SESSIONS: '2' });
      assert.match(readFileSync(join(runDir, 'native-service.log'), 'utf8'), /ready in .* ×2 sessions/);
      assert.ok((run.loadgen?.cpuPercent ?? 0) > 0);
      const client = csv(join(runDir, 'client.csv'));
      assert.equal(client.length, 2 + 10 + 20);
      const service = csv(join(runDir, run.serviceCsvs[0]!));
      assert.deepEqual(new Set(service.map((s) => s['Request ID'])), new Set(client.map((c) => c.request_id)));
      const sqlite = new Database(db, { readonly: true });
      try {
        const rec = sqlite.prepare('SELECT label, status, model_id, model_dtype, stats_source FROM runs WHERE id = ?').get(run.runId);
        // read from the cgroup the driver made for it, as the containers are; fp32 as --dtype asked
        assert.deepEqual(rec, { label: 'native', status: 'complete', model_id: 'minibert-sst2', model_dtype: 'fp32', stats_source: 'cgroup-files' });
        const samples = sqlite.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ?').get(run.runId) as { n: number };
        assert.ok(samples.n >= 1);
      } finally {
        sqlite.close();
      }
      assert.equal(await portIsFree(port), true, 'the native service is gone');
      assert.match(readFileSync(join(dir, 'runs', 'summary.md'), 'utf8'), /\| native +\| closed-c2 /);
      assert.match(r.stderr, /reporter: building the report for native/);
      assert.ok(existsSync(join(dir, 'report', 'REPORT.md')), 'reporter build wrote the report where asked');
    });

    it('Ctrl-C during a phase tears the native service down and exits 1', async () => {
      const dir = tmp();
      const port = await freePort();
      let sent = false;
      const r = await runCli(
        ['--deployments', 'native', '--repeat', '1', '--rate', '20', '--duration', '60s', '--warmup', '0', '--concurrency', '1', '--port', String(port), '--db', join(dir, 'b.db'), '--out', join(dir, 'runs'), '--no-report'],
        (text, child) => {
          if (!sent && text.includes('phase open-rate20')) {
            sent = true;
            setTimeout(() => child.kill('SIGINT'), 300);
          }
        },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Ctrl-C: stopping the load and tearing down/);
      assert.match(r.stdout, /^native: interrupted/m);
      assert.equal(readRun(join(dir, 'runs', 'native', 'round-1')).status, 'interrupted');
      assert.equal(await portIsFree(port), true);
      // the service's cgroup, made at up(), is removed by the teardown Ctrl-C started
      assert.match(r.stderr, /native: in (cgroup v[12] group|systemd scope)/);
      assert.match(r.stderr, /native: removed (cgroup v[12] group|systemd scope)/);
      assert.deepEqual(groupsNamed(`llm-inference-native-${port}`), []);
    });
  });

  describe('without a Docker engine', () => {
    it('runs native and says which deployments it skipped and why', async () => {
      const dir = tmp();
      const r = await runCli(
        ['--deployments', 'native,docker,swarm-3', '--repeat', '1', '--requests', '3', '--concurrency', '1', '--warmup', '0', '--port', String(await freePort()), '--db', join(dir, 'b.db'), '--out', join(dir, 'runs'), '--report-dir', join(dir, 'report')],
        undefined,
        { ...process.env, DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\| native +\| sequential +\| 3 /);
      assert.match(r.stdout, /^docker: skipped \(.*Docker engine.*\)$/m);
      assert.match(r.stdout, /^swarm-3: skipped \(.*Docker engine.*\)$/m);
      assert.equal(readRun(join(dir, 'runs', 'native', 'round-1')).status, 'complete');
    });

    it('exits 1 when nothing at all could run', async () => {
      const dir = tmp();
      const r = await runCli(['--deployments', 'docker', '--db', join(dir, 'b.db'), '--out', join(dir, 'runs'), '--no-report'], undefined, {
        ...process.env,
        DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}`,
      });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^docker: skipped \(.*Docker engine.*\)$/m);
      assert.match(r.stderr, /no deployment was measured/);
    });
  });

  describe('bad input', () => {
    it('a duration without a unit, or an interval the collector cannot sample at: exit 2 before anything starts', async () => {
      const dir = tmp();
      const cases: [string, string, string][] = [
        ['interval', '1', "expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '1'"],
        ['interval', '10ms', "expected a duration from 50ms to 3600s, got '10ms'"],
        ['duration', '10', "expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '10'"],
        ['timeout', '5', "expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '5'"],
      ];
      for (const [flag, value, expected] of cases) {
        const r = await runCli(['--deployments', 'native', `--${flag}`, value, '--db', join(dir, 'b.db'), '--out', join(dir, 'runs')]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr, `experiment: --${flag}: ${expected}\n`);
        assert.equal(r.stdout, '');
      }
      assert.ok(!existsSync(join(dir, 'runs')), 'no run folder was made');
      assert.ok(!existsSync(join(dir, 'b.db')), 'no recording was started');
    });

    it('an unknown deployment name: one line naming it, exit 2, nothing started', async () => {
      const r = await runCli(['--deployments', 'native,k8s']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "experiment: --deployments: unknown deployment 'k8s' (known: native, docker, compose, swarm-1, swarm-3, swarm-scale, swarm-failover)\n");
    });

    it('a recording left running under the same label: says how to end it, tears the deployment down', async () => {
      const dir = tmp();
      const db = join(dir, 'b.db');
      const port = await freePort();
      const stale = cliCollector({ root, db, intervalMs: 1000 })!;
      await stale.start('native', ['--deployment', 'native', '--pid', String(process.pid)]);
      try {
        const r = await runCli(['--deployments', 'native', '--repeat', '1', '--port', String(port), '--requests', '2', '--db', db, '--out', join(dir, 'runs'), '--no-report']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /\[native\] FAILED: .*already recording.*end it with: node dist\/collector\/cli\.js stop --label native --db /);
        assert.equal(await portIsFree(port), true, 'the native service was torn down');
      } finally {
        await stale.stop('native');
      }
    });

    it('a port already taken: a clear failure naming the port, exit 1, the holder untouched', async () => {
      const holder = net.createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as net.AddressInfo).port;
      try {
        const dir = tmp();
        const r = await runCli(['--deployments', 'native', '--repeat', '1', '--port', String(port), '--requests', '2', '--db', join(dir, 'b.db'), '--out', join(dir, 'runs'), '--no-report']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`\\[native\\] FAILED: .*port ${port} is already taken`));
        assert.match(r.stdout, new RegExp(`^native: failed \\(.*port ${port} is already taken`, 'm'));
        assert.equal(readRun(join(dir, 'runs', 'native', 'round-1')).status, 'failed');
        assert.equal(holder.listening, true);
      } finally {
        holder.close();
      }
    });
  });
});
