// The 160-review latency test on every Docker deployment: up, collector recording, one curl example and
// then `sh deploy/latency_test.sh`, collector stop, CSVs collected, down — and then 161 service rows,
// every replica recorded by the collector, nothing left running.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { requireDocker } from '../../test-support/docker.js';
import { withResource } from '../../common/resource.js';
import { runCommand } from '../../common/run-command.js';
import type { DeploymentName } from '../../contracts/deployments.js';
import { docker } from '../../deploy/drivers/engine.js';
import { createDeployment } from '../../deploy/drivers/index.js';
import { cliCollector } from '../collector.js';
import { csvRows, freePort, ROOT, tempRun } from '../../deploy/testing/flow.js';
import { ensureAppImage } from '../../deploy/testing/image.js';

const run = (cmd: string, args: string[]) => runCommand(cmd, args, { cwd: ROOT });

const CASES: [DeploymentName, number][] = [['docker', 1], ['compose', 1], ['swarm-1', 1], ['swarm-3', 3]];

describe('the 160-review latency test on every Docker deployment (curl example + latency_test.sh, collector recording)', () => {
  before(async () => {
    await requireDocker();
    await ensureAppImage();
  });

  for (const [label, replicas] of CASES) {
    it(`docker: ${label} gives 161 service rows from ${replicas} replica(s), all recorded by the collector, and leaves nothing running`, async () => {
      const name = `llm-latency-${label.replace('-', '')}-${process.pid}`;
      const ctx = tempRun(label);
      const db = join(mkdtempSync(join(tmpdir(), 'ldb-latency-db-')), 'bench.db');
      const collector = cliCollector({ root: ROOT, db, intervalMs: 500 })!;
      const deployment = createDeployment(label, { port: await freePort(), name });
      try {
        const target = await deployment.up(ctx);
        const runId = await withResource(
          () => collector.start(label, deployment.collectorArgs()),
          async (id) => {
            const url = `http://${target.host}:${target.port}/infer`;
            const example = await run('curl', ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"text": "This movie was fantastic!"}', url]);
            assert.equal(example.code, 0, example.stderr);
            const latencyTest = await run('sh', [join(ROOT, 'deploy/latency_test.sh'), target.host, String(target.port)]);
            assert.equal(latencyTest.code, 0, latencyTest.stderr);
            assert.match(latencyTest.stdout, /^Query 160$/m);
            return id;
          },
          () => collector.stop(label),
        );

        const files = await deployment.collectCsv(ctx);
        assert.equal(files.length, replicas);
        const rows = files.flatMap((f) => csvRows(f));
        assert.equal(rows.length, 161);
        const served = new Set(rows.map((r) => r.Replica));
        assert.equal(served.size, replicas);

        const sqlite = new Database(db, { readonly: true });
        try {
          const hostnames = sqlite.prepare("SELECT DISTINCT hostname FROM replicas WHERE run_id = ? AND role = 'service'").pluck().all(runId) as string[];
          assert.deepEqual(new Set(hostnames), served, 'the collector recorded exactly the replicas that served');
          const status = sqlite.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId);
          assert.equal(status, 'complete');
        } finally {
          sqlite.close();
        }
      } finally {
        await deployment.down(ctx);
        ctx.cleanup();
      }
      // Right after down(), not eventually: the next deployment must not share the CPUs with leftovers.
      assert.equal((await docker(['ps', '-aq', '--filter', `name=${name}`])).trim(), '', 'no container left when down() returned');
    });
  }
});
