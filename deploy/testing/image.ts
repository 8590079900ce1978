// The driver tests need llm-inference-image: build it once per test process through the same script
// users run (it skips the build when the image's source-hash label matches the sources).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './flow.js';

let ready: Promise<void> | undefined;

export function ensureAppImage(): Promise<void> {
  ready ??= new Promise((resolve, reject) => {
    execFile('bash', [join(ROOT, 'deploy/build-image.sh')], { cwd: ROOT, timeout: 900_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`deploy/build-image.sh failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
      else resolve();
    });
  });
  return ready;
}
