import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../contracts/usage-error.js';
import type { StartOptions } from '../options.js';
import { parseCommand } from '../options.js';

function start(...args: string[]): StartOptions {
  const cmd = parseCommand(['start', ...args]);
  assert.equal(cmd.name, 'start');
  return (cmd as { options: StartOptions }).options;
}

function usageError(args: string[], message: RegExp): void {
  assert.throws(() => parseCommand(args), (err: unknown) => err instanceof UsageError && message.test(err.message) && !err.message.includes('\n'));
}

describe('command line', () => {
  describe('--interval', () => {
    it('accepts ms, s, m, h and decimals', () => {
      const interval = (text: string): number => start('--label', 'x', '--interval', text).intervalMs;
      assert.equal(interval('100ms'), 100);
      assert.equal(interval('1s'), 1000);
      assert.equal(interval('1.5s'), 1500);
      assert.equal(interval('2m'), 120_000);
      assert.equal(interval('1h'), 3_600_000);
    });
    it('rejects anything else, naming the accepted forms', () => {
      for (const bad of ['1', 's', '-1s', '1 sec', '0s', '1e3ms']) {
        usageError(['start', '--label', 'x', `--interval=${bad}`], /^--interval: expected a number with a unit/);
      }
    });
  });

  describe('start', () => {
    it('has the documented defaults', () => {
      const o = start('--label', 'docker');
      assert.equal(o.db, 'data/bench.db');
      assert.equal(o.intervalMs, 1000);
      assert.equal(o.detach, false);
      assert.equal(o.deployment, 'docker');
      assert.equal(o.statsSource, 'auto');
      assert.equal(o.modelId, null);
    });
    it('takes the experiment\'s swarm command as is', () => {
      const o = start('--label', 'swarm-3', '--deployment', 'swarm', '--service', 'llm-inference-service', '--detach');
      assert.equal(o.deployment, 'swarm');
      assert.equal(o.selection.service, 'llm-inference-service');
      assert.equal(o.detach, true);
    });
    it('infers the deployment from the selection', () => {
      assert.equal(start('--label', 'n', '--port', '5000').deployment, 'native');
      assert.equal(start('--label', 'c', '--project', 'p').deployment, 'compose');
      assert.equal(start('--label', 's', '--service', 's').deployment, 'swarm');
    });
    describe('with no selection flag: the targets of the deployment the label names', () => {
      it('docker: the container llm-inference-container', () => {
        const o = start('--label', 'docker');
        assert.deepEqual([o.deployment, o.selection.containers, o.port], ['docker', ['llm-inference-container'], undefined]);
        assert.match(o.watching!, /container llm-inference-container/);
      });
      it('compose: the Compose project llm-inference (and the folder-named one plain docker-compose gives)', () => {
        const o = start('--label', 'compose');
        assert.equal(o.deployment, 'compose');
        assert.equal(o.selection.projects[0], 'llm-inference');
        assert.deepEqual(o.selection.containers, []);
      });
      it('swarm, swarm-1, swarm-3: the swarm service llm-inference-service', () => {
        for (const label of ['swarm', 'swarm-1', 'swarm-3']) {
          const o = start('--label', label);
          assert.deepEqual([o.deployment, o.selection.service, o.selection.projects], ['swarm', 'llm-inference-service', []]);
        }
      });
      it('native: the process listening on port 5000', () => {
        const o = start('--label', 'native');
        assert.deepEqual([o.deployment, o.port, o.pid], ['native', 5000, undefined]);
      });
      it('a name followed by #k is the same deployment (a repeat); other spellings name none', () => {
        assert.equal(start('--label', 'compose#2').deployment, 'compose');
        assert.equal(start('--label', 'swarm-3#3').selection.service, 'llm-inference-service');
        for (const label of ['docker-r2', 'Compose', 'composed', 'swarm-2', 'native#a']) {
          const o = start('--label', label);
          assert.equal(o.deployment, 'docker', label);
          assert.deepEqual([o.selection.projects, o.selection.containers, o.selection.service], [[], [], undefined], label);
          assert.match(o.watching!, /names no deployment.*image llm-inference-image and the tasks of swarm service llm-inference-service/, label);
        }
      });
      it('an agreeing --deployment is fine; a contradicting one is refused', () => {
        assert.equal(start('--label', 'swarm-3', '--deployment', 'swarm').selection.service, 'llm-inference-service');
        usageError(['start', '--label', 'native', '--deployment', 'docker'], /--deployment docker: label "native" names deployment native/);
      });
      it('an unknown label keeps --deployment as given', () => {
        assert.equal(start('--label', 'x', '--deployment', 'other').deployment, 'other');
      });
      it('any selection flag wins over the label', () => {
        const o = start('--label', 'compose', '--container', 'c1');
        assert.deepEqual([o.deployment, o.selection.projects, o.selection.containers, o.watching], ['docker', [], ['c1'], undefined]);
        const n = start('--label', 'docker', '--pid', '1');
        assert.deepEqual([n.deployment, n.pid, n.selection.containers], ['native', 1, []]);
      });
    });
    it('repeats --container and --filter', () => {
      const o = start('--label', 'x', '--container', 'a', '--container', 'b', '--filter', 'label=a=b', '--filter', 'network=n');
      assert.deepEqual(o.selection.containers, ['a', 'b']);
      assert.deepEqual(o.selection.filters, ['label=a=b', 'network=n']);
    });
    it('takes the --front experiment\'s command as is: the deployment\'s selection and its front container, repeatable, native too', () => {
      const native = start('--label', 'native-front', '--deployment', 'native', '--pid', '4242', '--front-container', 'llm-inference-native-front');
      assert.deepEqual([native.deployment, native.pid, native.frontContainers, native.platform], ['native', 4242, ['llm-inference-native-front'], true]);
      const docker = start('--label', 'docker-front', '--deployment', 'docker', '--container', 'c', '--front-container', 'f1', '--front-container', 'f2');
      assert.deepEqual([docker.selection.containers, docker.frontContainers], [['c'], ['f1', 'f2']]);
      assert.deepEqual(start('--label', 'x').frontContainers, []);
    });
    it('keeps --model-id and --model-dtype', () => {
      const o = start('--label', 'x', '--model-id', 'minibert-sst2', '--model-dtype', 'fp32');
      assert.deepEqual([o.modelId, o.modelDtype], ['minibert-sst2', 'fp32']);
    });
    it('accepts 100ms', () => {
      assert.equal(start('--label', 'x', '--interval', '100ms').intervalMs, 100);
    });

    describe('bad input: one line naming the value', () => {
      it('unknown flag', () => usageError(['start', '--label', 'x', '--bogus'], /--bogus/));
      it('missing label', () => usageError(['start'], /missing --label/));
      it('bad label', () => usageError(['start', '--label', '../x'], /--label: .*'\.\.\/x'/));
      it('bad duration', () => usageError(['start', '--label', 'x', '--interval', 'fast'], /--interval: .*'fast'/));
      it('interval below 50ms', () => usageError(['start', '--label', 'x', '--interval', '10ms'], /--interval: expected a duration from 50ms to \S+, got '10ms'/));
      it('bad deployment', () => usageError(['start', '--label', 'x', '--deployment', 'k8s'], /--deployment: .*'k8s'/));
      it('bad stats source', () => usageError(['start', '--label', 'x', '--stats-source', 'cadvisor'], /--stats-source: .*'cadvisor'/));
      it('bad pid', () => usageError(['start', '--label', 'x', '--pid', 'abc'], /--pid: .*'abc'/));
      it('port out of range', () => usageError(['start', '--label', 'x', '--port', '70000'], /--port: .*'70000'/));
      it('bad filter', () => usageError(['start', '--label', 'x', '--filter', 'nonsense'], /--filter: .*'nonsense'/));
      it('an empty --db', () => usageError(['start', '--label', 'x', '--db', ''], /--db: must not be empty/));
      it('pid with container flags', () => usageError(['start', '--label', 'x', '--pid', '1', '--image', 'i'], /excludes/));
      it('native without a process', () => usageError(['start', '--label', 'x', '--deployment', 'native'], /--pid/));
      it('a positional argument', () => usageError(['start', '--label', 'x', 'extra'], /extra/));
      it('unknown command', () => usageError(['launch'], /"launch"/));
      it('a front container without the platform', () =>
        usageError(['start', '--label', 'x', '--front-container', 'f', '--no-platform'], /--front-container f: samples the platform, which --no-platform turns off/));
      it('an empty front container', () => usageError(['start', '--label', 'x', '--front-container', ''], /--front-container: must not be empty/));
    });
  });

  describe('stop, status, runs', () => {
    it('stop checks the label it is given', () => usageError(['stop', '--label', 'a b'], /--label: .*'a b'/));
    it('stop takes an optional label', () => {
      assert.deepEqual(parseCommand(['stop']), { name: 'stop', options: { label: undefined, db: 'data/bench.db' } });
      assert.deepEqual(parseCommand(['stop', '--label', 'a', '--db', 'x.db']), { name: 'stop', options: { label: 'a', db: 'x.db' } });
    });
    it('status and runs take --db', () => {
      assert.deepEqual(parseCommand(['status', '--db', 'x.db']), { name: 'status', options: { db: 'x.db' } });
      assert.deepEqual(parseCommand(['runs']), { name: 'runs', options: { db: 'data/bench.db' } });
    });
  });
});
