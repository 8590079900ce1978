// A stand-in model thread for tests: says it is ready, then dies on its first request, as a thread
// would on a native crash or out-of-memory. In a worker, process.exit ends only the thread.
import { parentPort } from 'node:worker_threads';
import type { FromWorker } from '../worker-protocol.js';

parentPort!.postMessage({ kind: 'ready', source: 'dying test worker' } satisfies FromWorker);
parentPort!.on('message', () => process.exit(3));
