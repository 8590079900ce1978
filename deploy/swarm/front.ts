// llm-inference-front: HAProxy before replicas found through Docker's embedded DNS (deploy/swarm/haproxy.cfg),
// its image built by deploy/front-image.sh. The swarm driver runs it before a dnsrr service; the tests and
// the bench run it before plain containers sharing a network alias.
import { join } from 'node:path';
import { CommandError, runCommand } from '../../common/run-command.js';

export const FRONT_IMAGE = 'llm-inference-front';
/** The port HAProxy listens on inside its container. */
export const FRONT_PORT = 8080;

/** The front's settings: the DNS name whose A records are the replicas, and their port. */
export function frontEnv(backend: string, backendPort = 5000): string[] {
  return ['--env', `BACKEND=${backend}`, '--env', `BACKEND_PORT=${backendPort}`];
}

/**
 * Builds the image when its inputs changed (deploy/front-image.sh, which skips an up-to-date image);
 * resolves with the script's last line ("… is up to date" or "built …").
 */
export async function ensureFrontImage(root: string): Promise<string> {
  const args = [join(root, 'deploy/front-image.sh')];
  const result = await runCommand('bash', args, { cwd: root, timeoutMs: 600_000 });
  if (result.code !== 0) throw new CommandError('bash', args, result);
  return result.stderr.trim().split('\n').pop()?.replace(/^\[front-image\] /, '') ?? '';
}
