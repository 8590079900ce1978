// Docker-dependent tests call requireDocker() first. It never skips: when no engine answers it throws,
// so the test FAILS with a message that says the engine is missing (CI must have started it with
// deploy/engine.sh). Name Docker tests "docker: …" so they are easy to spot in the runner's output.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let checked: Promise<string> | undefined;

/** Resolves to the engine version, or rejects with an explanation of how to start the engine. */
export function requireDocker(): Promise<string> {
  checked ??= run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 15_000 })
    .then(({ stdout }) => stdout.trim())
    .catch((err: unknown) => {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new Error(
        `Docker engine not reachable (${why}). These tests need a real dockerd: run "bash deploy/engine.sh" ` +
          '(it installs Debian docker.io and starts dockerd) or set DOCKER_HOST.',
      );
    });
  return checked;
}
