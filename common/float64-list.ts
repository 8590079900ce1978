// Numbers appended one at a time into a Float64Array that doubles when full: 8 bytes a number, outside
// the JS heap, freed as soon as it is dropped. Two users: the load generator's per-request latencies
// (no work on the hot path beyond a store) and the reporter's per-window readings, which as arrays of
// JS numbers grown by push (with their outgrown copies) filled V8's old generation (~30 MB more peak
// RSS over the reporter bench's runs, measured).

export class Float64List {
  private buffer: Float64Array;
  private size = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.size++] = value;
  }

  /** The values so far (a view: later pushes may or may not show in it). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.size);
  }
}
