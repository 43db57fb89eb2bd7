/**
 * Fixed-length windows for the L_t estimate (docs/smd-theory.md §1: the paper averages ‖g̃‖²
 * (SGD) or h̃ (SGDM) over 200 consecutive steps). One window holds `width` parallel series
 * (1 for a whole tensor, one per output channel in per-channel mode) in one ring buffer.
 */

/** Whole state of a RingWindow as JSON (float64 values survive JSON exactly). */
export interface RingWindowState {
  capacity: number;
  width: number;
  /** [capacity, width] ring, row `head` is the oldest once full */
  ring: number[];
  sums: number[];
  head: number;
  filled: number;
  sinceExact: number;
}

/** Ring buffer of the last `capacity` pushes of `width` values; mean per series in float64. */
export class RingWindow {
  readonly capacity: number;
  readonly width: number;
  /** [capacity, width] ring, row `head` is the oldest once full */
  private readonly ring: Float64Array;
  /** running sums [width], recomputed exactly every `capacity` pushes to stop drift */
  private readonly sums: Float64Array;
  private head = 0;
  private filled = 0;
  private sinceExact = 0;

  /** A window of `capacity` pushes (integer ≥ 1) over `width` series. */
  constructor(capacity: number, width = 1) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`RingWindow: capacity must be an integer >= 1, got ${capacity}`);
    }
    if (!Number.isInteger(width) || width < 1) {
      throw new Error(`RingWindow: width must be an integer >= 1, got ${width}`);
    }
    this.capacity = capacity;
    this.width = width;
    this.ring = new Float64Array(capacity * width);
    this.sums = new Float64Array(width);
  }

  /** Number of pushes held (≤ capacity). */
  get count(): number {
    return this.filled;
  }

  /** True once `capacity` values have been pushed. */
  get full(): boolean {
    return this.filled === this.capacity;
  }

  /** Appends one value per series (`values.length === width`), dropping the oldest when full. */
  push(values: ArrayLike<number>): void {
    if (values.length !== this.width) {
      throw new Error(`RingWindow.push: expected ${this.width} values, got ${values.length}`);
    }
    const o = this.head * this.width;
    const full = this.full;
    for (let j = 0; j < this.width; j++) {
      const x = values[j];
      this.sums[j] += full ? x - this.ring[o + j] : x;
      this.ring[o + j] = x;
    }
    this.head = (this.head + 1) % this.capacity;
    if (!full) this.filled++;
    if (++this.sinceExact >= this.capacity) this.recompute();
  }

  /** Appends one value to a width-1 window. */
  pushOne(x: number): void {
    if (this.width !== 1) throw new Error(`RingWindow.pushOne: window has width ${this.width}`);
    this.push([x]);
  }

  /** Mean of series `j` over the values held (NaN when empty). */
  mean(j = 0): number {
    return this.filled === 0 ? NaN : this.sums[j] / this.filled;
  }

  /** Means of every series into `out` [width]. */
  means(out: Float64Array = new Float64Array(this.width)): Float64Array {
    for (let j = 0; j < this.width; j++) out[j] = this.mean(j);
    return out;
  }

  /** Forgets every value. */
  clear(): void {
    this.ring.fill(0);
    this.sums.fill(0);
    this.head = 0;
    this.filled = 0;
    this.sinceExact = 0;
  }

  /** Snapshot of the whole state (for a checkpoint: a restored window continues bit for bit). */
  stateDict(): RingWindowState {
    return {
      capacity: this.capacity,
      width: this.width,
      ring: Array.from(this.ring),
      sums: Array.from(this.sums),
      head: this.head,
      filled: this.filled,
      sinceExact: this.sinceExact,
    };
  }

  /** Restores a snapshot of a window of the same capacity and width; `where` prefixes errors. */
  loadStateDict(s: RingWindowState, where = 'RingWindow.loadStateDict'): void {
    if (s.capacity !== this.capacity || s.width !== this.width) {
      throw new Error(
        `${where}: saved window is ${s.capacity}×${s.width}, this one ${this.capacity}×${this.width}`,
      );
    }
    const n = this.capacity * this.width;
    const int = (x: unknown, max: number): boolean =>
      Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max;
    if (
      !Array.isArray(s.ring) ||
      s.ring.length !== n ||
      !Array.isArray(s.sums) ||
      s.sums.length !== this.width ||
      !int(s.head, this.capacity - 1) ||
      !int(s.filled, this.capacity) ||
      !int(s.sinceExact, this.capacity)
    ) {
      throw new Error(`${where}: saved window state is malformed`);
    }
    this.ring.set(s.ring);
    this.sums.set(s.sums);
    this.head = s.head;
    this.filled = s.filled;
    this.sinceExact = s.sinceExact;
  }

  private recompute(): void {
    this.sums.fill(0);
    for (let i = 0; i < this.filled; i++) {
      const o = i * this.width;
      for (let j = 0; j < this.width; j++) this.sums[j] += this.ring[o + j];
    }
    this.sinceExact = 0;
  }
}
