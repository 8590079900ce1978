// A stand-in model thread for the service's cost breakdown (service-parts.ts): it speaks the real
// model thread's protocol but answers every batch at once, so what is left is the hand-off itself.
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../service/worker-protocol.js';

const port = parentPort!;
port.on('message', (message: ToWorker) => {
  const predictions = message.texts.map(() => ({ label: 'POSITIVE', score: 0.9876 }));
  port.postMessage({ kind: 'result', id: message.id, predictions, modelMs: 0 } satisfies FromWorker);
});
port.postMessage({ kind: 'ready', source: 'instant stand-in model' } satisfies FromWorker);
