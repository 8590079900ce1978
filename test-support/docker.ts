// Docker-dependent tests call requireDocker() first. It never skips: when no engine answers it throws,
// so the test FAILS with a message that says the engine is missing (CI must have started it with
// deploy/engine.sh). Name Docker tests "docker: …" so they are easy to spot in the runner's output.
import { errorText } from '../common/error-text.js';
import { runChecked } from '../common/run-command.js';

let checked: Promise<string> | undefined;

/** Resolves to the engine version, or rejects with an explanation of how to start the engine. */
export function requireDocker(): Promise<string> {
  checked ??= runChecked('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).catch((err: unknown) => {
    throw new Error(
      `Docker engine not reachable (${errorText(err)}). These tests need a real dockerd: run "bash deploy/engine.sh" ` +
        '(it installs Debian docker.io and starts dockerd) or set DOCKER_HOST.',
    );
  });
  return checked;
}
