import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { composeProjectName, composeProjects, defaultTargets, deploymentNamedBy } from '../defaults.js';

describe('default targets of a label', () => {
  it('a label names a deployment when it is its name, alone or with a repeat number', () => {
    const cases: [string, string | undefined][] = [
      ['native', 'native'], ['docker', 'docker'], ['compose', 'compose'], ['swarm', 'swarm'], ['swarm-1', 'swarm-1'],
      ['swarm-3', 'swarm-3'], ['compose#2', 'compose'], ['swarm-3#12', 'swarm-3'], ['swarm#2', 'swarm'],
      ['compose#x', undefined], ['swarm#', undefined], ['docker-r2', undefined], ['Docker', undefined], ['swarm-2', undefined], ['my-run', undefined], ['#compose', undefined],
    ];
    for (const [label, name] of cases) assert.equal(deploymentNamedBy(label), name, label);
  });

  it('compose watches every project name it is given, as a union', () => {
    const t = defaultTargets('compose', ['llm-inference', 'main']);
    assert.deepEqual([t.kind, t.selection.projects], ['compose', ['llm-inference', 'main']]);
    assert.equal(t.watching, 'label "compose" names deployment compose: watching Compose project llm-inference or main');
  });

  it('a label naming no deployment keeps the image-and-service default and says so', () => {
    const t = defaultTargets('bench-a', ['llm-inference']);
    assert.equal(t.kind, undefined);
    assert.deepEqual(t.selection, { projects: [], containers: [], filters: [] });
    assert.match(t.watching, /^label "bench-a" names no deployment \(native, docker, compose, swarm, swarm-1, swarm-3\): watching/);
  });

  describe('Compose project names', () => {
    it('normalises a folder name as Compose does', () => {
      assert.equal(composeProjectName('llm-deploy-bench'), 'llm-deploy-bench');
      assert.equal(composeProjectName('My Project.v2'), 'myprojectv2');
      assert.equal(composeProjectName('_x-'), 'x-');
    });
    it('llm-inference, plus the folder holding docker-compose.yml, or COMPOSE_PROJECT_NAME', () => {
      const dir = mkdtempSync(join(tmpdir(), 'collector-defaults-'));
      try {
        const root = join(dir, 'Homework_1');
        mkdirSync(root);
        assert.deepEqual(composeProjects({}, root), ['llm-inference'], 'no docker-compose.yml: no folder name');
        writeFileSync(join(root, 'docker-compose.yml'), 'services: {}\n');
        assert.deepEqual(composeProjects({}, root), ['llm-inference', 'homework_1']);
        assert.deepEqual(composeProjects({ COMPOSE_PROJECT_NAME: 'hw' }, root), ['llm-inference', 'hw']);
        assert.deepEqual(composeProjects({ COMPOSE_PROJECT_NAME: 'llm-inference' }, root), ['llm-inference']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
