// The "done when" flow, per Docker deployment: up, collector recording, the classic seed load
// (one curl example, then `sh deploy/latency_test.sh`), collector stop, CSVs collected, down — and then
// 161 service rows, every replica recorded by the collector, nothing left running.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { requireDocker } from '../../test-support/docker.js';
import { runCommand } from '../../test-support/processes.js';
import type { DeploymentName } from '../../deploy/deployment.js';
import { docker } from '../../deploy/drivers/engine.js';
import { createDeployment } from '../../deploy/drivers/index.js';
import { cliCollector } from '../collector.js';
import { csvRows, freePort, ROOT, tempRun } from '../../deploy/testing/flow.js';
import { ensureAppImage } from '../../deploy/testing/image.js';

const run = (cmd: string, args: string[]) => runCommand(cmd, args, { cwd: ROOT });

const CASES: [DeploymentName, number][] = [['docker', 1], ['compose', 1], ['swarm-1', 1], ['swarm-3', 3]];

describe('seed flow on every Docker deployment (curl example + latency_test.sh, collector recording)', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  for (const [label, replicas] of CASES) {
    it(`docker: ${label} gives 161 service rows from ${replicas} replica(s), all recorded by the collector, and leaves nothing running`, async () => {
      const name = `llm-seed-${label.replace('-', '')}-${process.pid}`;
      const ctx = tempRun(label);
      const db = join(mkdtempSync(join(tmpdir(), 'ldb-seed-db-')), 'bench.db');
      const collector = cliCollector({ root: ROOT, db, interval: '500ms' })!;
      const deployment = createDeployment(label, { port: await freePort(), name });
      let recording = false;
      try {
        const target = await deployment.up(ctx);
        const runId = await collector.start(label, deployment.collectorArgs());
        recording = true;
        const url = `http://${target.host}:${target.port}/infer`;
        const example = await run('curl', ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"text": "This movie was fantastic!"}', url]);
        assert.equal(example.code, 0, example.stderr);
        const classic = await run('sh', [join(ROOT, 'deploy/latency_test.sh'), target.host, String(target.port)]);
        assert.equal(classic.code, 0, classic.stderr);
        assert.match(classic.stdout, /^Query 160$/m);
        recording = false;
        await collector.stop(label);

        const files = await deployment.collectCsv(ctx);
        assert.equal(files.length, replicas);
        const rows = files.flatMap((f) => csvRows(f));
        assert.equal(rows.length, 161);
        const served = new Set(rows.map((r) => r.Replica));
        assert.equal(served.size, replicas);

        const sqlite = new Database(db, { readonly: true });
        try {
          const hostnames = sqlite.prepare('SELECT DISTINCT hostname FROM replicas WHERE run_id = ?').pluck().all(runId) as string[];
          assert.deepEqual(new Set(hostnames), served, 'the collector recorded exactly the replicas that served');
          const status = sqlite.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId);
          assert.equal(status, 'complete');
        } finally {
          sqlite.close();
        }
      } finally {
        if (recording) await collector.stop(label).catch(() => undefined);
        await deployment.down(ctx);
        ctx.cleanup();
      }
      // Right after down(), not eventually: the next deployment must not share the CPUs with leftovers.
      assert.equal((await docker(['ps', '-aq', '--filter', `name=${name}`])).trim(), '', 'no container left when down() returned');
    });
  }
});
