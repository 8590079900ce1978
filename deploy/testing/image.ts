// The driver tests need llm-inference-image: build it once per test process through the same script
// users run (it skips the build when the image's source-hash label matches the sources).
import { join } from 'node:path';
import { runChecked } from '../../common/run-command.js';
import { ROOT } from './flow.js';

let ready: Promise<void> | undefined;

export function ensureAppImage(): Promise<void> {
  ready ??= runChecked('bash', [join(ROOT, 'deploy/build-image.sh')], { cwd: ROOT, timeoutMs: 900_000 }).then(() => undefined);
  return ready;
}
