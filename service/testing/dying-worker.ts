// A stand-in model thread for tests. With MODEL_ID "die-while-loading" it dies before it is ready;
// otherwise it says it is ready, then dies on its first request, as a thread would on a native
// crash or out-of-memory. In a worker, process.exit ends only the thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelOptions } from '../model.js';
import type { FromWorker } from '../worker-protocol.js';

if ((workerData as ModelOptions).modelId === 'die-while-loading') process.exit(4);
parentPort!.postMessage({ kind: 'ready', source: 'dying test worker' } satisfies FromWorker);
parentPort!.on('message', () => process.exit(3));
