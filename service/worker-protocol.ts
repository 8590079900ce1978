// Messages between the service's main thread and its model thread (model-worker.ts).
import type { Prediction } from './model.js';

/** Main → worker: classify these texts in one model call. */
export interface ToWorker {
  readonly id: number;
  readonly texts: string[];
}

/** Worker → main. */
export type FromWorker =
  | { readonly kind: 'ready'; readonly source: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly predictions: Prediction[]; readonly modelMs: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
