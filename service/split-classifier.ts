// The model as the service runs it: a lone text on the main thread, batches on the model thread.
// A request that finds the model idle and nobody else waiting has nothing to overlap with, so the
// main thread runs it itself: handing it to the model thread costs two thread wake-ups (the thread,
// then the main thread again for the answer), which on this 2-vCPU VM came to ~0.2 ms of a ~0.6 ms
// call. When requests queue up, they go to the model thread in batches, so the main thread keeps
// reading and answering requests while the model computes (see README "The model thread").
// The price: a second session of the same model in this thread (20-45 MB resident), and the main
// thread blocked for the length of a lone call. Both are worth it only for a fast model, so at
// start-up the main thread times a few lone calls: slower than `loneTextMaxMs`, its session is
// released and every call goes to the model thread (0 = never load it here).
import { loadClassifier, type Classified, type Classifier, type ModelOptions } from './model.js';
import { loadClassifierPool, type WorkerClassifierOptions } from './worker-classifier.js';

export interface SplitOptions extends WorkerClassifierOptions {
  /** Lone texts run on the main thread when a lone call takes at most this long (ms); 0 = never. */
  readonly loneTextMaxMs: number;
  /** Model sessions on their own threads (MODEL_SESSIONS; default 1). */
  readonly sessions?: number;
}

/** What the start-up probe classifies: a short review, like most requests. */
const PROBE_TEXT = 'The performances are warm, funny and surprisingly moving.';

export async function loadSplitClassifier(opts: ModelOptions, extra: SplitOptions): Promise<Classifier> {
  const threaded = loadClassifierPool(opts, extra.sessions ?? 1, extra);
  if (extra.loneTextMaxMs === 0) return withSource(await threaded, ' (every call; LONE_TEXT_MAX_MS=0)');
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
  const loneMs = await probe(here);
  if (loneMs > extra.loneTextMaxMs) {
    await here.dispose();
    return withSource(thread, ` (every call: a lone call takes ${loneMs.toFixed(2)} ms > LONE_TEXT_MAX_MS=${extra.loneTextMaxMs})`);
  }
  return split(here, thread, ` (lone texts on the main thread: ${loneMs.toFixed(2)} ms per call)`);
}

/**
 * The fastest of five lone calls, after one that warms the session up. The fastest, not a median:
 * the question is how fast the model is, and other processes on a busy machine only ever add time
 * (a median of three said 2.8 ms for the bundled ~0.6 ms model at load average 12).
 */
async function probe(clf: Classifier): Promise<number> {
  await clf.classify([PROBE_TEXT]);
  let fastest = Infinity;
  for (let i = 0; i < 5; i++) fastest = Math.min(fastest, (await clf.classify([PROBE_TEXT])).modelMs);
  return fastest;
}

function withSource(clf: Classifier, note: string): Classifier {
  return { ...clf, source: clf.source + note };
}

/**
 * One model call computes at a time (see batcher.ts). The batcher may hand over a batch while another
 * is in flight; the thread runs its calls in turn, and this keeps a main-thread call from overlapping
 * a thread call: a lone text goes to the thread when the thread has work, and a thread call waits
 * for a main-thread call still running.
 */
export function split(here: Classifier, thread: Classifier, note: string): Classifier {
  let threadCalls = 0;
  let hereCall: Promise<Classified> | undefined;
  const onThread = async (texts: string[]): Promise<Classified> => {
    threadCalls++;
    try {
      if (hereCall !== undefined) await hereCall.catch(() => {});
      return await thread.classify(texts);
    } finally {
      threadCalls--;
    }
  };
  const onHere = (texts: string[]): Promise<Classified> => {
    const call = here.classify(texts);
    hereCall = call;
    const done = (): void => {
      if (hereCall === call) hereCall = undefined;
    };
    call.then(done, done);
    return call;
  };
  return {
    modelId: thread.modelId,
    dtype: thread.dtype,
    source: thread.source + note,
    classify: (texts) => (texts.length === 1 && threadCalls === 0 && hereCall === undefined ? onHere(texts) : onThread(texts)),
    dispose: async () => {
      await Promise.all([thread.dispose(), here.dispose()]);
    },
  };
}
