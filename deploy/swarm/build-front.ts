// Builds the swarm front proxy image (llm-inference-front) from the compiled rr-proxy.js, skipping the
// build when the image already carries the same content hash. Used by the swarm driver and by hand:
//   npm run build && node dist/deploy/swarm/build-front.js [--force]
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { docker } from '../drivers/engine.js';

export const FRONT_IMAGE = 'llm-inference-front';
const HASH_LABEL = 'llm-deploy-bench.source-hash';

export interface FrontBuild {
  readonly image: string;
  readonly built: boolean;
  readonly hash: string;
}

/** `root` is the project root (with deploy/swarm/Dockerfile.front and dist/deploy/swarm/rr-proxy.js). */
export async function ensureFrontImage(root: string, options: { force?: boolean; log?: (m: string) => void } = {}): Promise<FrontBuild> {
  const dockerfile = join(root, 'deploy/swarm/Dockerfile.front');
  const script = join(root, 'dist/deploy/swarm/rr-proxy.js');
  const hash = createHash('sha256').update(readFileSync(dockerfile)).update(readFileSync(script)).digest('hex').slice(0, 16);
  const current = await docker(['image', 'inspect', '-f', `{{index .Config.Labels "${HASH_LABEL}"}}`, FRONT_IMAGE]).catch(() => '');
  if (!options.force && current === hash) return { image: FRONT_IMAGE, built: false, hash };
  options.log?.(`building ${FRONT_IMAGE} (source hash ${hash})`);
  const context = mkdtempSync(join(tmpdir(), 'llm-front-'));
  try {
    copyFileSync(dockerfile, join(context, 'Dockerfile'));
    copyFileSync(script, join(context, 'rr-proxy.mjs'));
    await docker(['build', '-q', '--label', `${HASH_LABEL}=${hash}`, '-t', FRONT_IMAGE, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      timeoutMs: 300_000,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { image: FRONT_IMAGE, built: true, hash };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  let force = false;
  try {
    force = parseArgs({ options: { force: { type: 'boolean' } }, strict: true, allowPositionals: false }).values.force === true;
  } catch (err) {
    console.error(`build-front: ${(err as Error).message.split('\n')[0]} (usage: build-front.js [--force])`);
    process.exit(2);
  }
  ensureFrontImage(root, { force, log: (m) => console.error(`[build-front] ${m}`) }).then(
    (r) => console.error(`[build-front] ${r.image} ${r.built ? 'built' : 'already up to date'} (hash ${r.hash})`),
    (err: unknown) => {
      console.error(`[build-front] error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
