/**
 * A ring-buffer window like @smd/smd's RingWindow (same arithmetic: running sums, recomputed
 * exactly every `capacity` pushes) whose whole state can be saved in a checkpoint and restored,
 * so the windowed L_t of a resumed run equals an uninterrupted run's bit for bit.
 */

/** JSON form of a window (float64 values survive JSON exactly). */
export interface WindowState {
  capacity: number;
  width: number;
  ring: number[];
  sums: number[];
  head: number;
  filled: number;
  sinceExact: number;
}

/** Last `capacity` pushes of `width` parallel series; mean per series in float64. */
export class SavedWindow {
  readonly capacity: number;
  readonly width: number;
  /** [capacity, width] ring; row `head` is the oldest once full */
  private ring: Float64Array;
  /** running sums [width] */
  private sums: Float64Array;
  private head = 0;
  private filled = 0;
  private sinceExact = 0;

  constructor(capacity: number, width = 1) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`SavedWindow: capacity must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
    this.width = width;
    this.ring = new Float64Array(capacity * width);
    this.sums = new Float64Array(width);
  }

  /** Appends one value per series, dropping the oldest when full. */
  push(values: ArrayLike<number>): void {
    const o = this.head * this.width;
    const full = this.filled === this.capacity;
    for (let j = 0; j < this.width; j++) {
      const x = values[j];
      this.sums[j] += full ? x - this.ring[o + j] : x;
      this.ring[o + j] = x;
    }
    this.head = (this.head + 1) % this.capacity;
    if (!full) this.filled++;
    if (++this.sinceExact >= this.capacity) {
      this.sums.fill(0);
      for (let i = 0; i < this.filled; i++) {
        for (let j = 0; j < this.width; j++) this.sums[j] += this.ring[i * this.width + j];
      }
      this.sinceExact = 0;
    }
  }

  /** Mean of series j (NaN when empty). */
  mean(j = 0): number {
    return this.filled === 0 ? NaN : this.sums[j] / this.filled;
  }

  /** Means of every series into `out`. */
  means(out: Float64Array): Float64Array {
    for (let j = 0; j < this.width; j++) out[j] = this.mean(j);
    return out;
  }

  /** Snapshot for a checkpoint. */
  getState(): WindowState {
    return {
      capacity: this.capacity,
      width: this.width,
      ring: [...this.ring],
      sums: [...this.sums],
      head: this.head,
      filled: this.filled,
      sinceExact: this.sinceExact,
    };
  }

  /** Restores a snapshot of a window of the same size. */
  setState(s: WindowState): void {
    if (s.capacity !== this.capacity || s.width !== this.width) {
      throw new Error(
        `SavedWindow.setState: saved window is ${s.capacity}×${s.width}, this one ${this.capacity}×${this.width}`,
      );
    }
    this.ring = Float64Array.from(s.ring);
    this.sums = Float64Array.from(s.sums);
    this.head = s.head;
    this.filled = s.filled;
    this.sinceExact = s.sinceExact;
  }
}
