import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { requireDocker } from '../../test-support/docker.js';
import type { Result } from '../testing/helpers.js';
import { cli, tempDir } from '../testing/helpers.js';

function assertOneLineError(r: Result, code: number, mentions: string): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.ok(lines[0]!.includes(mentions), `"${lines[0]}" should name ${mentions}`);
}

describe('collector CLI on bad input', () => {
  const tmp = tempDir('errors');
  const db = join(tmp.dir, 'bench.db');
  after(() => tmp.cleanup());

  describe('start', () => {
    it('an unknown flag: exit 2 naming it, no database written', async () => {
      assertOneLineError(await cli(['start', '--label', 'x', '--db', db, '--colour']), 2, '--colour');
      assert.equal(existsSync(db), false);
    });
    it('a bad duration: exit 2 naming it', async () => {
      assertOneLineError(await cli(['start', '--label', 'x', '--db', db, '--interval', '1sec']), 2, "--interval: expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '1sec'");
      assert.equal(existsSync(db), false);
    });
    it('a DB in a directory that does not exist: exit 2 naming the path', async () => {
      const missing = join(tmp.dir, 'nope', 'bench.db');
      assertOneLineError(await cli(['start', '--label', 'x', '--db', missing, '--pid', String(process.pid)]), 2, missing);
      assert.equal(existsSync(join(tmp.dir, 'nope')), false);
    });
    it('a DB path that is a directory: exit 2 naming it', async () => {
      const dir = join(tmp.dir, 'adir');
      mkdirSync(dir);
      assertOneLineError(await cli(['start', '--label', 'x', '--db', dir, '--pid', String(process.pid)]), 2, dir);
    });
    it('no Docker engine when containers were asked for: exit 2 naming the address, nothing written', async () => {
      const sock = join(tmp.dir, 'no-engine.sock');
      const r = await cli(['start', '--label', 'x', '--db', db, '--service', 'llm-inference-service'], { DOCKER_HOST: `unix://${sock}` });
      assertOneLineError(r, 2, sock);
      assert.equal(existsSync(db), false);
    });
    it('the same with --detach: the error comes back from the background start', async () => {
      const sock = join(tmp.dir, 'no-engine.sock');
      const r = await cli(['start', '--detach', '--label', 'x', '--db', db], { DOCKER_HOST: `unix://${sock}` });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no Docker engine at unix:\/\//);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(db), false);
    });
    it('docker: a filter the engine rejects: exit 2 naming it, nothing written', async () => {
      await requireDocker();
      assertOneLineError(await cli(['start', '--label', 'x', '--db', db, '--filter', 'colour=red']), 2, "'colour'");
      assert.equal(existsSync(db), false);
    });
    it('a --pid with no process: exit 2 naming it', async () => {
      assertOneLineError(await cli(['start', '--label', 'x', '--db', db, '--pid', '4000000']), 2, '4000000');
    });
    describe('a --client-pid with no process', () => {
      // pids run from 1 to pid_max - 1: pid_max itself cannot name a process
      const noPid = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
      const expected = `--client-pid ${noPid}: expected the pid of a running process (the load generator, or the process that starts it), found no process ${noPid}`;
      it('exit 2 naming the flag, the value and what it expects, nothing written', async () => {
        assertOneLineError(await cli(['start', '--label', 'x', '--db', db, '--pid', String(process.pid), '--client-pid', noPid]), 2, expected);
        assert.equal(existsSync(db), false);
      });
      it('the same with --detach, before a background collector or its log exists', async () => {
        assertOneLineError(await cli(['start', '--detach', '--label', 'client', '--db', db, '--pid', String(process.pid), '--client-pid', noPid]), 2, expected);
        assert.equal(existsSync(db), false);
        assert.equal(existsSync(join(tmp.dir, 'collector-client.log')), false);
      });
    });
  });

  describe('stop, status, runs', () => {
    it('status on a database that does not exist: exit 2 naming it, no file created', async () => {
      const missing = join(tmp.dir, 'missing.db');
      assertOneLineError(await cli(['status', '--db', missing]), 2, missing);
      assertOneLineError(await cli(['runs', '--db', missing]), 2, missing);
      assert.equal(readdirSync(tmp.dir).includes('missing.db'), false);
    });
    it('an unknown command: exit 2', async () => {
      assertOneLineError(await cli(['begin']), 2, '"begin"');
    });
  });
});
