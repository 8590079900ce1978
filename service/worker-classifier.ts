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
