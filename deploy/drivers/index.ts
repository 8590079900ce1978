// Entry point for the experiment: one driver per deployment name, options validated once here.
import { ALL_DEPLOYMENT_NAMES, isDeploymentName, type DeploymentName } from '../../contracts/deployments.js';
import { EVENT_PLANS } from '../../contracts/swarm-events.js';
import type { Deployment } from '../deployment.js';
import { ComposeDeployment } from './compose.js';
import { DockerDeployment } from './docker.js';
import { NativeDeployment } from './native.js';
import { FrontedDeployment } from './fronted.js';
import { resolveOptions, type DriverOptions, type ResolvedOptions } from './options.js';
import { SwarmDeployment } from './swarm.js';

export type { DriverOptions } from './options.js';

/** Throws `unknown deployment: X (known: …)` or `bad <option>: …` for bad input. */
export function createDeployment(name: DeploymentName, options: DriverOptions = {}): Deployment {
  if (!isDeploymentName(name)) throw new Error(`unknown deployment: ${JSON.stringify(name)} (known: ${ALL_DEPLOYMENT_NAMES.join(', ')})`);
  const resolved = resolveOptions(name, options);
  if (resolved.front) return new FrontedDeployment(resolved, (port) => driver(name, { ...resolved, port, front: false }));
  return driver(name, resolved);
}

function driver(name: DeploymentName, resolved: ResolvedOptions): Deployment {
  switch (name) {
    case 'native':
      return new NativeDeployment(resolved);
    case 'docker':
      return new DockerDeployment(resolved);
    case 'compose':
      return new ComposeDeployment(resolved);
    case 'swarm-1':
      return new SwarmDeployment('swarm-1', 1, resolved);
    case 'swarm-3':
      return new SwarmDeployment('swarm-3', 3, resolved);
    case 'swarm-scale':
    case 'swarm-failover':
      // Started with the replicas the event begins with; the experiment's event phase changes them.
      return new SwarmDeployment(name, EVENT_PLANS[name].replicasBefore, resolved);
  }
}
