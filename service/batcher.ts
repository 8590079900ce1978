// Micro-batching: requests that arrive while the model is busy (or within maxWaitMs of each other) share
// one model call. With one model session only one call computes at a time, because onnxruntime already
// uses every core for one call; a second concurrent call would only fight it for the same cores (with
// MODEL_SESSIONS=N the runner spreads up to maxInFlight calls over N sessions). With `maxInFlight` 2, a
// full batch may be handed over while the last one computes, for a model that runs its calls one
// after another (the model thread): it then starts the next call the moment the last ends, instead of
// idling while the answer travels to this thread and the next batch travels back.

export interface BatchOptions<I = unknown> {
  /** Most items in one model call. */
  readonly maxBatchSize: number;
  /**
   * How long a lone item waits for company when the model is idle. 0 = dispatch on the next turn of the
   * event loop (requests that arrived in the same turn still share a call); under load, batches form
   * anyway from the items that queued while the previous call ran.
   */
  readonly maxWaitMs: number;
  /**
   * Rough cost of one input (text length). When given and more items wait than fit in one call, the
   * call takes the oldest item plus those closest to it in size: the model pads a batch to its longest
   * input, so similar sizes waste less work. The oldest item is always taken, so none starves.
   */
  readonly sizeOf?: (input: I) => number;
  /**
   * Most calls handed to the runner at once (default 1). Calls after the first go out only with a
   * full batch, so batches stay as full as with 1; the runner must run them one after another.
   */
  readonly maxInFlight?: number;
}

/**
 * Which queued items (indices, ascending) go into the next call: all of them when they fit, else the
 * oldest (index 0) plus the `max - 1` closest to it in size, older first on ties. Pure.
 */
export function pickBatch(sizes: readonly number[], max: number): number[] {
  if (sizes.length <= max) return sizes.map((_, i) => i);
  const oldest = sizes[0]!;
  const nearest = sizes
    .map((size, i) => ({ i, distance: Math.abs(size - oldest) }))
    .slice(1)
    .sort((a, b) => a.distance - b.distance || a.i - b.i)
    .slice(0, max - 1)
    .map((x) => x.i);
  return [0, ...nearest].sort((a, b) => a - b);
}

/** What one item gets back: its own output plus the figures of the call it was part of. */
export interface BatchResult<O> {
  readonly output: O;
  /** Time of the model call that served the whole batch, in ms, as the runner measured it. */
  readonly batchLatencyMs: number;
  readonly batchSize: number;
}

/**
 * Runs one model call over all inputs: one output per input, in order, and the call's own time.
 * The runner measures the time because only it knows where the model work starts and ends.
 */
export type BatchRunner<I, O> = (inputs: I[]) => Promise<{ outputs: O[]; latencyMs: number }>;

interface Pending<I, O> {
  readonly input: I;
  resolve(result: BatchResult<O>): void;
  reject(err: unknown): void;
}

export class MicroBatcher<I, O> {
  readonly #run: BatchRunner<I, O>;
  readonly #opts: BatchOptions<I>;
  readonly #maxInFlight: number;
  #queue: Pending<I, O>[] = [];
  /** Calls handed to the runner and not yet answered. */
  readonly #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #onBatch: ((size: number, latencyMs: number) => void) | undefined;
  #hurry = false;

  constructor(run: BatchRunner<I, O>, opts: BatchOptions<I>) {
    if (!Number.isInteger(opts.maxBatchSize) || opts.maxBatchSize < 1) throw new RangeError('maxBatchSize must be ≥ 1');
    if (!(opts.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be ≥ 0');
    this.#maxInFlight = opts.maxInFlight ?? 1;
    if (!Number.isInteger(this.#maxInFlight) || this.#maxInFlight < 1) throw new RangeError('maxInFlight must be ≥ 1');
    this.#run = run;
    this.#opts = opts;
  }

  /** Called after every model call (for metrics). */
  onBatch(listener: (size: number, latencyMs: number) => void): void {
    this.#onBatch = listener;
  }

  submit(input: I): Promise<BatchResult<O>> {
    return new Promise<BatchResult<O>>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  /** From now on never wait for company: used at shutdown so queued items are served at once. */
  hurry(): void {
    this.#hurry = true;
    if (this.#timer !== undefined && this.#running.size === 0) {
      this.#clearTimer();
      this.#dispatch();
    }
  }

  /** Resolves when every item submitted so far has been answered. */
  async drain(): Promise<void> {
    while (this.#running.size > 0 || this.#queue.length > 0 || this.#timer !== undefined) {
      if (this.#running.size > 0) await Promise.all(this.#running);
      else await new Promise((r) => setImmediate(r));
    }
  }

  #schedule(): void {
    if (this.#running.size > 0) {
      // The running call picks the queue up when it ends; a full batch may go now (maxInFlight).
      this.#dispatchFull();
      return;
    }
    if (this.#queue.length >= this.#opts.maxBatchSize) {
      this.#clearTimer();
      this.#dispatch();
    } else if (this.#timer === undefined) {
      const fire = (): void => {
        this.#timer = undefined;
        this.#dispatch();
      };
      this.#timer = this.#opts.maxWaitMs > 0 && !this.#hurry ? setTimeout(fire, this.#opts.maxWaitMs) : setImmediate(fire);
    }
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer as NodeJS.Timeout);
    clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = undefined;
  }

  /** Starts a call with what is queued, when no call is in flight. */
  #dispatch(): void {
    if (this.#running.size > 0 || this.#queue.length === 0) return;
    this.#start();
  }

  /** Hands over full batches while fewer than maxInFlight calls are in flight. */
  #dispatchFull(): void {
    while (this.#running.size < this.#maxInFlight && this.#queue.length >= this.#opts.maxBatchSize) this.#start();
  }

  #start(): void {
    const call: Promise<void> = this.#runBatch(this.#take()).finally(() => {
      this.#running.delete(call);
      // Items that queued during the call have already waited: serve them at once.
      if (this.#running.size === 0 && this.#queue.length > 0) {
        this.#clearTimer();
        this.#dispatch();
      } else this.#dispatchFull();
    });
    this.#running.add(call);
  }

  #take(): Pending<I, O>[] {
    const { maxBatchSize, sizeOf } = this.#opts;
    if (sizeOf === undefined || this.#queue.length <= maxBatchSize) return this.#queue.splice(0, maxBatchSize);
    const picked = new Set(pickBatch(this.#queue.map((p) => sizeOf(p.input)), maxBatchSize));
    const batch = this.#queue.filter((_, i) => picked.has(i));
    this.#queue = this.#queue.filter((_, i) => !picked.has(i));
    return batch;
  }

  async #runBatch(batch: Pending<I, O>[]): Promise<void> {
    let outputs: O[];
    let batchLatencyMs: number;
    try {
      ({ outputs, latencyMs: batchLatencyMs } = await this.#run(batch.map((p) => p.input)));
      if (outputs.length !== batch.length) {
        throw new Error(`model returned ${outputs.length} results for ${batch.length} inputs`);
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    this.#onBatch?.(batch.length, batchLatencyMs);
    batch.forEach((p, i) => p.resolve({ output: outputs[i]!, batchLatencyMs, batchSize: batch.length }));
  }
}
