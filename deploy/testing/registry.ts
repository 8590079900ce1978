// A real image registry for the push test: deploy/registry.sh (Debian's docker-registry, Distribution 2.8)
// on 127.0.0.1 at a free port, storing in a temp folder that stop() removes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../../common/poll.js';
import { describeEnd, lastLine, startProcess } from '../../common/start-process.js';
import { freePort, ROOT } from './flow.js';

export interface LocalRegistry {
  /** host:port, the registry part of an image reference. */
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts the registry and resolves once GET /v2/ answers 200. */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  if (!existsSync('/usr/bin/docker-registry')) {
    throw new Error('docker-registry is not installed: run "bash deploy/setup.sh --tests" (it installs Debian\'s docker-registry)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'llm-registry-'));
  const child = startProcess('sh', [join(ROOT, 'deploy/registry.sh'), String(port), dir]);
  const stop = async (): Promise<void> => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pollUntil(
      async (note) => {
        if (child.end) throw new Error(`docker-registry ended (${describeEnd(child.end)}): ${lastLine(child.output())}`);
        const status = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status, (err: Error) => err.message);
        note(String(status));
        return status === 200 ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: `the registry on 127.0.0.1:${port} to answer GET /v2/` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `127.0.0.1:${port}`, stop };
}
