// The model as the service runs it: a lone text on the main thread, batches on the model thread.
// A request that finds the model idle and nobody else waiting has nothing to overlap with, so the
// main thread runs it itself: handing it to the model thread costs two thread wake-ups (the thread,
// then the main thread again for the answer), which on this 2-vCPU VM came to ~0.2 ms of a ~0.6 ms
// call. When requests queue up, they go to the model thread in batches, so the main thread keeps
// reading and answering requests while the model computes (see README "The model thread").
// The price: a second session of the same model in this thread (~20 MB resident), built at start-up
// while the model thread builds its own.
import { loadClassifier, type Classifier, type ModelOptions } from './model.js';
import { loadClassifierInWorker, type WorkerClassifierOptions } from './worker-classifier.js';

export async function loadSplitClassifier(opts: ModelOptions, extra: WorkerClassifierOptions = {}): Promise<Classifier> {
  const threaded = loadClassifierInWorker(opts, extra);
  threaded.catch(() => {}); // awaited below; a failure that comes first must not go unhandled meanwhile
  let here: Classifier;
  try {
    here = await loadClassifier(opts);
  } catch (err) {
    void threaded.then((thread) => thread.dispose(), () => {});
    throw err;
  }
  let thread: Classifier;
  try {
    thread = await threaded;
  } catch (err) {
    await here.dispose();
    throw err;
  }
  return {
    modelId: opts.modelId,
    dtype: opts.dtype,
    source: `${thread.source} (lone texts on the main thread)`,
    classify: (texts) => (texts.length === 1 ? here : thread).classify(texts),
    dispose: async () => {
      await Promise.all([thread.dispose(), here.dispose()]);
    },
  };
}
