// Builds the swarm front proxy image (llm-inference-front) from the compiled rr-proxy.js, skipping the
// build when the image already carries the same content hash. Used by the swarm driver and by hand:
//   npm run build && node dist/deploy/swarm/build-front.js [--force]
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../contracts/usage-error.js';
import { parseStrict } from '../../common/cli-args.js';
import { errorText } from '../../common/error-text.js';
import { findPackageRoot } from '../../common/package-root.js';
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
      env: { DOCKER_BUILDKIT: '0' },
      timeoutMs: 300_000,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { image: FRONT_IMAGE, built: true, hash };
}

async function main(argv: readonly string[]): Promise<void> {
  const force = parseStrict(argv, { force: { type: 'boolean' } }).values.force === true;
  const r = await ensureFrontImage(findPackageRoot(), { force, log: (m) => console.error(`[build-front] ${m}`) });
  console.error(`[build-front] ${r.image} ${r.built ? 'built' : 'already up to date'} (hash ${r.hash})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`build-front: ${err.message} (usage: build-front.js [--force])`);
      process.exit(2);
    }
    console.error(`[build-front] error: ${errorText(err)}`);
    process.exit(1);
  });
}
