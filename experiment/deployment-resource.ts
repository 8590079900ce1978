// One deployment's life during a run, as a resource: up() that Ctrl-C can cut short, and down() on every
// path, also after a failed or interrupted up().
import { errorText } from '../common/error-text.js';
import type { Target } from '../contracts/run-record.js';
import type { Deployment, RunContext } from '../deploy/deployment.js';

export class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl-C)');
  }
}

/** Resolves with `work`, or rejects with Interrupted as soon as the signal fires (`work` keeps running). */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((res, rej) => {
    const onAbort = (): void => rej(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', onAbort); res(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); rej(e); },
    );
  });
}

async function down(deployment: Deployment, ctx: RunContext): Promise<void> {
  ctx.log('down: tearing down');
  await deployment.down(ctx).catch((e: unknown) => ctx.log(`down FAILED: ${errorText(e)} — check for leftovers`));
}

/**
 * up() that Ctrl-C can cut short: on the signal, what exists so far is torn down at once (so a health wait
 * ends early), up() is let settle, and Interrupted is thrown; the caller's down() then removes anything
 * up() created meanwhile.
 */
async function upInterruptibly(deployment: Deployment, ctx: RunContext, signal: AbortSignal | undefined): Promise<Target> {
  ctx.log('up: starting');
  const up = deployment.up(ctx);
  try {
    return await raceSignal(up, signal);
  } catch (err) {
    if (err instanceof Interrupted) {
      await down(deployment, ctx);
      await up.catch(() => undefined);
    }
    throw err;
  }
}

/** The deployment as a resource: down() runs on every path, also after a failed or interrupted up(). */
export async function withDeployment<T>(deployment: Deployment, ctx: RunContext, signal: AbortSignal | undefined, use: (target: Target) => Promise<T>): Promise<T> {
  try {
    const target = await upInterruptibly(deployment, ctx, signal);
    ctx.log(`up: ${target.host}:${target.port} (${target.path}; userland proxy ${target.userlandProxy ?? 'n/a'})`);
    return await use(target);
  } finally {
    await down(deployment, ctx);
  }
}

/** The model the service says it serves (/health); empty when it says nothing or does not answer. */
export async function servedModel(target: Target): Promise<{ modelId?: string; dtype?: string }> {
  try {
    const res = await fetch(`http://${target.host}:${target.port}/health`, { signal: AbortSignal.timeout(5000) });
    const health = (await res.json()) as { modelId?: unknown; dtype?: unknown };
    return {
      ...(typeof health.modelId === 'string' && health.modelId ? { modelId: health.modelId } : {}),
      ...(typeof health.dtype === 'string' && health.dtype ? { dtype: health.dtype } : {}),
    };
  } catch {
    return {};
  }
}

/** `--model-id/--model-dtype` for the collector's runs row, from the service's /health (none if it says nothing). */
export async function modelArgs(target: Target): Promise<string[]> {
  const { modelId, dtype } = await servedModel(target);
  return [...(modelId ? ['--model-id', modelId] : []), ...(dtype ? ['--model-dtype', dtype] : [])];
}

