// A stand-in model thread for the pool's tests: it answers each call after `texts[0]` milliseconds
// with one prediction per text whose label is this thread's id, so a test sees which thread ran it.
import { parentPort, threadId } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../worker-protocol.js';

parentPort!.postMessage({ kind: 'ready', source: 'echo test worker' } satisfies FromWorker);
parentPort!.on('message', ({ id, texts }: ToWorker) => {
  setTimeout(() => {
    const predictions = texts.map(() => ({ label: String(threadId), score: 1 }));
    parentPort!.postMessage({ kind: 'result', id, predictions, modelMs: Number(texts[0]) } satisfies FromWorker);
  }, Number(texts[0]));
});
