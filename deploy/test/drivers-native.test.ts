import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseProcCgroup, parseProcList } from '../../collector/procfs-parse.js';
import { pollUntil } from '../../common/poll.js';
import { startProcess } from '../../common/start-process.js';
import { createDeployment } from '../drivers/index.js';
import { CGROUP_PARENT, makeServiceCgroup } from '../drivers/native-cgroup.js';
import { BROKEN_MODEL_ENV, csvRows, freePort, groupsNamed, infer, isAlive, withDeployment, withPortTaken } from '../testing/flow.js';

/** The memory cgroup of a process, as /proc/<pid>/cgroup names it (v1 memory line, or the v2 line). */
function memoryGroupOf(pid: number): string {
  const paths = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  return paths.get('memory') ?? paths.get('')!;
}

const systemdRuns = (): boolean => readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' && existsSync('/run/systemd/system');

describe('native driver', () => {
  it('starts the service on 127.0.0.1, answers /infer, writes the CSV into <runDir>/service/ and stops it', async () => {
    const port = await freePort();
    const deployment = createDeployment('native', { port });
    await withDeployment('native', deployment, async (run) => {
      assert.equal(await deployment.preflight(run), undefined);
      const target = await deployment.up(run);
      assert.deepEqual(target, { host: '127.0.0.1', port, userlandProxy: null, path: 'loopback, no container' });
      const args = deployment.collectorArgs();
      assert.deepEqual(args.slice(0, 3), ['--deployment', 'native', '--pid']);
      const pid = Number(args[3]);
      assert.ok(isAlive(pid), 'the service process runs');
      // in a cgroup of its own from its start, not in this test's group
      const group = memoryGroupOf(pid);
      assert.notEqual(group, memoryGroupOf(process.pid));
      const made = systemdRuns() ? [] : groupsNamed(`llm-inference-native-${port}`);
      if (systemdRuns()) assert.match(group, new RegExp(`/llm-inference-native-${port}-\\d+\\.scope$`));
      else {
        assert.ok(group.endsWith(`/${CGROUP_PARENT}/llm-inference-native-${port}`), group);
        assert.ok(made.length >= 2, `one group per controller: ${made.join(' ')}`);
        for (const dir of made) assert.deepEqual(parseProcList(readFileSync(`${dir}/cgroup.procs`, 'utf8')), [pid], dir);
      }
      assert.ok(run.lines.some((l) => /^native: in (cgroup v[12] group|systemd scope)/.test(l)), run.lines.join('\n'));

      const texts = ['A wonderful, moving film.', 'Dull and far too long.', 'I loved every minute'];
      for (const text of texts) {
        const answer = await infer(port, text);
        assert.equal(answer.status, 200, answer.body);
      }
      await deployment.down(run);
      assert.ok(!isAlive(pid), 'the service process is gone after down()');
      for (const dir of made) assert.ok(!existsSync(dir), `${dir} is removed after down()`);

      const files = await deployment.collectCsv(run);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /service\/native\.csv$/);
      assert.deepEqual(csvRows(files[0]!).map((r) => r['Input Text']), texts);
    });
  });

  describe('with bad input', () => {
    it('refuses a port already taken, naming it, and starts nothing', async () => {
      await withPortTaken(async (port) => {
        const deployment = createDeployment('native', { port });
        await withDeployment('native-port', deployment, async (run) => {
          await assert.rejects(deployment.up(run), new RegExp(`port ${port} is already taken`));
          assert.throws(() => deployment.collectorArgs(), /before up/);
          await deployment.down(run); // idempotent after a failed up
        });
      });
    });

    it("stops with the service's own reason when it cannot become healthy, leaving no process", async () => {
      const port = await freePort();
      const deployment = createDeployment('native', { port, env: BROKEN_MODEL_ENV, healthTimeoutMs: 60_000 });
      await withDeployment('native-health', deployment, async (run) => {
        await assert.rejects(deployment.up(run), (err: Error) => {
          assert.match(err.message, /^native: service stopped before it was ready: exit 1/);
          assert.match(err.message, /no-such-model/);
          return true;
        });
        await assert.rejects(infer(port, 'anyone there?'), /ECONNREFUSED/);
        assert.deepEqual(groupsNamed(`llm-inference-native-${port}`), [], 'its cgroup is removed after the failed start');
      });
    });

    it('gives up after healthTimeoutMs when /health never says ready, and stops the process', async () => {
      const port = await freePort();
      const deployment = createDeployment('native', { port, healthTimeoutMs: 1 });
      await withDeployment('native-timeout', deployment, async (run) => {
        await assert.rejects(deployment.up(run), new RegExp(`^Error: native: health check failed: 127\\.0\\.0\\.1:${port}/health not ready after 0 s`));
        await assert.rejects(infer(port, 'still there?'), /ECONNREFUSED/);
        assert.deepEqual(groupsNamed(`llm-inference-native-${port}`), []);
      });
    });
  });

  describe('its cgroup (the cgroupfs way, as where PID 1 is not systemd)', () => {
    it('reuses a group left empty by an owner that died, refuses one that still holds a process, and empties it on remove()', async () => {
      const name = `driver-test-${process.pid}`;
      const first = await makeServiceCgroup(name, { systemd: false });
      assert.ok('cgroup' in first, 'why' in first ? first.why : '');
      // as if its owner had been SIGKILLed: the empty group stays behind and the next start takes it over
      const again = await makeServiceCgroup(name, { systemd: false });
      assert.ok('cgroup' in again);
      assert.deepEqual(again.cgroup.dirs, first.cgroup.dirs);
      const { file, args } = again.cgroup.command('/bin/sleep', ['600']);
      const sleeper = startProcess(file, args);
      await pollUntil(() => (parseProcList(readFileSync(`${again.cgroup.dirs[0]}/cgroup.procs`, 'utf8')).length > 0 ? true : undefined),
        { timeoutMs: 5000, what: 'sleep to join the group' });
      await assert.rejects(makeServiceCgroup(name, { systemd: false }), new RegExp(`still holds pid ${sleeper.pid}`));
      await again.cgroup.remove(); // SIGKILLs what is left in it, then removes it
      assert.equal((await sleeper.exited).signal, 'SIGKILL');
      for (const dir of again.cgroup.dirs) assert.ok(!existsSync(dir), dir);
    });

    it('says why when there is no cgroup filesystem to make one in', async () => {
      assert.deepEqual(await makeServiceCgroup('x', { root: '/nonexistent/cgroup', systemd: false }), { why: '/nonexistent/cgroup is not mounted' });
    });
  });
});
