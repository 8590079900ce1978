// What `collector start` watches when no selection flag names the targets (pure, but for the Compose
// project names, which come from the environment and the project folder). A label that names a
// deployment picks what that deployment's documented commands create (the names live in
// contracts/deployments.ts, shared with the drivers); any other label watches the project image's
// containers and the swarm service's tasks, and says so.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findPackageRoot } from '../common/package-root.js';
import type { DeploymentKind, DeploymentName } from '../contracts/deployments.js';
import {
  DEFAULT_COMPOSE_PROJECT, DEFAULT_CONTAINER, DEFAULT_IMAGE, DEFAULT_SERVICE, DEPLOYMENT_KINDS, DEPLOYMENT_NAMES, deploymentOfLabel,
  kindOf, NATIVE_PORT,
} from '../contracts/deployments.js';
import type { SelectionFlags } from './selection.js';

/** The deployment names a label can carry: every deployment and every kind (`swarm` as well as `swarm-3`). */
export const LABEL_DEPLOYMENTS: readonly string[] = [...new Set<string>([...DEPLOYMENT_KINDS, ...DEPLOYMENT_NAMES])];

/** `swarm`, the kind of swarm-1 and swarm-3, with the same repeat suffix as the deployment names. */
const SWARM_KIND_LABEL = /^swarm(#\d+)?$/;

/**
 * The deployment a label names: one of LABEL_DEPLOYMENTS, alone or with the experiment's repeat suffix
 * `#k` (`compose#2`; contracts' deploymentOfLabel). Anything else (`Compose`, `docker-r2`, `swarm-2`) names none.
 */
export function deploymentNamedBy(label: string): DeploymentName | 'swarm' | undefined {
  return deploymentOfLabel(label) ?? (SWARM_KIND_LABEL.test(label) ? 'swarm' : undefined);
}

/** What a start with no selection flag watches, and how the run is recorded. */
export interface DefaultTargets {
  /** The kind the label names; undefined for a label that names none (recorded as docker unless --deployment says). */
  readonly kind: DeploymentKind | undefined;
  readonly selection: SelectionFlags;
  /** The native service's port, for a label naming `native`. */
  readonly port?: number;
  /** One line for stderr: what is watched and why. */
  readonly watching: string;
}

const NO_SELECTION: SelectionFlags = { projects: [], containers: [], filters: [] };

/** The targets for `label`; `composeProjects` are the project names a `compose` label watches. */
export function defaultTargets(label: string, composeProjects: readonly string[]): DefaultTargets {
  const name = deploymentNamedBy(label);
  const because = `label "${label}" names deployment ${name}`;
  if (name === undefined) {
    return {
      kind: undefined,
      selection: NO_SELECTION,
      watching:
        `label "${label}" names no deployment (${LABEL_DEPLOYMENTS.join(', ')}): watching the containers of image ` +
        `${DEFAULT_IMAGE} and the tasks of swarm service ${DEFAULT_SERVICE}; ` +
        'name the targets with --project, --service, --container, --image, --filter, --pid or --port',
    };
  }
  const kind: DeploymentKind = name === 'swarm' ? name : kindOf(name);
  switch (kind) {
    case 'native':
      return { kind, selection: NO_SELECTION, port: NATIVE_PORT, watching: `${because}: watching the process listening on port ${NATIVE_PORT}` };
    case 'docker':
      return { kind, selection: { ...NO_SELECTION, containers: [DEFAULT_CONTAINER] }, watching: `${because}: watching container ${DEFAULT_CONTAINER}` };
    case 'compose':
      return {
        kind,
        selection: { ...NO_SELECTION, projects: [...composeProjects] },
        watching: `${because}: watching Compose project ${composeProjects.join(' or ')}`,
      };
    case 'swarm':
      return { kind, selection: { ...NO_SELECTION, service: DEFAULT_SERVICE }, watching: `${because}: watching the tasks of swarm service ${DEFAULT_SERVICE}` };
  }
}

/**
 * A folder name as Compose makes a project name of it (v1 and v2 agree): lower case, only a-z 0-9 _ -,
 * no leading _ or -. Empty when nothing is left.
 */
export function composeProjectName(folder: string): string {
  return folder.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

/**
 * The Compose projects a `compose` label watches: the experiment's `llm-inference`; the name plain
 * `docker-compose up` gives in the project folder (the folder's name, normalised, or COMPOSE_PROJECT_NAME
 * when set); both, when they differ.
 */
export function composeProjects(env: NodeJS.ProcessEnv = process.env, root: string | undefined = projectRoot()): string[] {
  const names = [DEFAULT_COMPOSE_PROJECT];
  const fromEnv = env['COMPOSE_PROJECT_NAME'];
  const plain = fromEnv ? composeProjectName(fromEnv) : root !== undefined && existsSync(join(root, 'docker-compose.yml')) ? composeProjectName(basename(root)) : '';
  if (plain !== '' && !names.includes(plain)) names.push(plain);
  return names;
}

/** The folder with the project's docker-compose.yml; undefined when the collector runs without it (its image). */
function projectRoot(): string | undefined {
  try {
    return findPackageRoot();
  } catch {
    return undefined;
  }
}
