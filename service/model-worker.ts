// The model's own thread. onnxruntime-node runs a session synchronously on the calling thread, so a
// model call on the main thread would stall all HTTP work for its whole duration. Here the main
// thread keeps reading requests and writing answers while this thread computes the next batch.
// Protocol: see worker-protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { errorText } from '../common/error-text.js';
import { loadClassifier, type ModelOptions } from './model.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const port = parentPort!;
const send = (message: FromWorker): void => port.postMessage(message);

try {
  const classifier = await loadClassifier(workerData as ModelOptions);
  // Calls run one after another, in the order they came: the main thread may hand over the next
  // batch while this one computes (the batcher's maxInFlight), and it must wait its turn here rather
  // than interleave with it.
  let last: Promise<void> = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    last = last.then(() =>
      classifier.classify(message.texts).then(
        ({ predictions, modelMs }) => send({ kind: 'result', id: message.id, predictions, modelMs }),
        (err: unknown) => send({ kind: 'error', id: message.id, message: errorText(err) }),
      ),
    );
  });
  send({ kind: 'ready', source: classifier.source });
} catch (err) {
  send({ kind: 'failed', message: errorText(err) });
}
