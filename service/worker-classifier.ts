// A Classifier whose model lives on its own thread (model-worker.ts). Same interface as the
// in-process one; load errors come back as the same ModelLoadError text. If the thread dies, every
// pending and later call fails and `onLost` is told, so the process can exit and be restarted.
import { Worker } from 'node:worker_threads';
import { ModelLoadError, type Classified, type Classifier, type ModelOptions } from './model.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface WorkerClassifierOptions {
  /** Called once if the model thread stops without being asked to. */
  readonly onLost?: (err: Error) => void;
  /** The worker script; tests swap in one that misbehaves. */
  readonly workerUrl?: URL;
}

const MODEL_WORKER = new URL('./model-worker.js', import.meta.url);

export function loadClassifierInWorker(opts: ModelOptions, extra: WorkerClassifierOptions = {}): Promise<Classifier> {
  const worker = new Worker(extra.workerUrl ?? MODEL_WORKER, { workerData: opts });
  const pending = new Map<number, { resolve(c: Classified): void; reject(err: Error): void }>();
  let nextId = 0;
  let lost: Error | undefined;
  let loaded = false;
  let disposing = false;

  return new Promise<Classifier>((resolve, reject) => {
    const fail = (err: Error): void => {
      if (lost !== undefined) return;
      lost = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      reject(err); // fails a load in progress; no effect once loaded
      if (loaded && !disposing) extra.onLost?.(err);
    };
    worker.on('error', (err) => fail(new Error(`model thread crashed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`model thread exited (code ${code})`)));
    worker.on('message', (message: FromWorker) => {
      switch (message.kind) {
        case 'ready':
          loaded = true;
          resolve({
            modelId: opts.modelId,
            dtype: opts.dtype,
            source: `${message.source}, on a worker thread`,
            classify: (texts) =>
              new Promise<Classified>((res, rej) => {
                if (lost !== undefined) return rej(lost);
                const id = nextId++;
                pending.set(id, { resolve: res, reject: rej });
                worker.postMessage({ id, texts } satisfies ToWorker);
              }),
            dispose: async () => {
              disposing = true;
              await worker.terminate();
            },
          });
          break;
        case 'failed':
          disposing = true; // a load failure is reported through the rejection, not as a lost model
          reject(new ModelLoadError(message.message));
          void worker.terminate();
          break;
        case 'result':
        case 'error': {
          const p = pending.get(message.id);
          pending.delete(message.id);
          if (message.kind === 'result') p?.resolve({ predictions: message.predictions, modelMs: message.modelMs });
          else p?.reject(new Error(`model call failed: ${message.message}`));
          break;
        }
      }
    });
  });
}

/**
 * `sessions` model threads, each with a session of its own. A call goes to the thread with the fewest
 * calls pending, so with as many calls in flight as sessions they compute side by side: for a small
 * model one onnxruntime thread per session is as fast per call as two (service/README, "Model
 * sessions"), so two one-thread sessions use two cores where one two-thread session used about one.
 * If any thread is lost the whole model is (`onLost` once): the process exits and is restarted.
 */
export async function loadClassifierPool(opts: ModelOptions, sessions: number, extra: WorkerClassifierOptions = {}): Promise<Classifier> {
  if (sessions === 1) return loadClassifierInWorker(opts, extra);
  let lostOnce = false;
  const onLost = (err: Error): void => {
    if (lostOnce) return;
    lostOnce = true;
    extra.onLost?.(err);
  };
  const settled = await Promise.allSettled(
    Array.from({ length: sessions }, () => loadClassifierInWorker(opts, { ...extra, onLost })),
  );
  const loaded = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    lostOnce = true; // the threads disposed below are not a lost model
    await Promise.all(loaded.map((clf) => clf.dispose()));
    throw failed.reason;
  }
  const members = loaded.map((clf) => ({ clf, pending: 0 }));
  return {
    modelId: opts.modelId,
    dtype: opts.dtype,
    source: `${loaded[0]!.source} ×${sessions} sessions`,
    classify: async (texts) => {
      const member = members.reduce((a, b) => (b.pending < a.pending ? b : a));
      member.pending++;
      try {
        return await member.clf.classify(texts);
      } finally {
        member.pending--;
      }
    },
    dispose: async () => {
      lostOnce = true;
      await Promise.all(members.map((m) => m.clf.dispose()));
    },
  };
}
