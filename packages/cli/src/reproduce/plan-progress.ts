/**
 * The one progress display over a whole reproduction plan: runs done/total, the current run and
 * its step, the share of the plan's images done, and an ETA from the images/s measured so far in
 * this invocation (reused runs count as done and do not enter the rate). A redrawn line on a
 * TTY (≤ 5 redraws/s), a plain line every `plainEverySec` seconds otherwise.
 */
import { int } from '../format/numbers.js';
import { duration, type ProgressSink, type ProgressState } from '../train/progress.js';

/** Per-run image count the display plans with (epochs × training examples, or steps × batch). */
export interface PlanItem {
  name: string;
  epochs: number;
  batchSize: number;
}

/** Renders plan progress to a sink. */
export class PlanProgress {
  private done = 0;
  private current = -1;
  private step: ProgressState | null = null;
  /** training examples per epoch, learnt from the first progress reading */
  private examples: number | null = null;
  private doneImages = 0;
  /** reused runs seen before the dataset size was known */
  private pendingReused: number[] = [];
  private trainedImages = 0;
  private trainedMs = 0;
  private runStartMs = 0;
  private runStartStep = 0;
  private lastDraw = 0;
  private lastPlain: number;
  private drawn = false;

  constructor(
    private readonly items: readonly PlanItem[],
    private readonly sink: ProgressSink,
    private readonly plainEverySec = 10,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastPlain = this.now();
  }

  private imagesOf(i: number): number {
    return this.examples === null ? NaN : this.items[i].epochs * this.examples;
  }

  /** Images of the whole plan (NaN until the dataset size is known). */
  totalImages(): number {
    return this.items.reduce((s, _it, i) => s + this.imagesOf(i), 0);
  }

  /** Seconds left: remaining images at the rate measured in this invocation (NaN if unknown). */
  etaSec(): number {
    const liveMs = this.step ? this.now() - this.runStartMs : 0;
    const liveImages = this.step
      ? (this.step.step - this.runStartStep) * this.items[this.current].batchSize
      : 0;
    const rate = (this.trainedImages + liveImages) / ((this.trainedMs + liveMs) / 1000);
    const doneNow =
      this.doneImages + (this.step ? this.step.step * this.items[this.current].batchSize : 0);
    const left = this.totalImages() - doneNow;
    return Number.isFinite(rate) && rate > 0 && Number.isFinite(left)
      ? Math.max(0, left) / rate
      : NaN;
  }

  /** Share of the plan's images done, 0..1 (NaN until known). */
  fraction(): number {
    const cur =
      this.step && this.current >= 0 ? this.step.step * this.items[this.current].batchSize : 0;
    return (this.doneImages + cur) / this.totalImages();
  }

  private text(): string {
    const n = this.items.length;
    const head = `reproduce: ${this.done}/${n} runs done`;
    if (this.current < 0) return head;
    const it = this.items[this.current];
    const st = this.step ? `, step ${int(this.step.step)}/${int(this.step.total)}` : '';
    const f = this.fraction();
    const pct = Number.isFinite(f) ? ` | plan ${Math.min(100, f * 100).toFixed(0)}%` : '';
    return `${head} | run ${this.current + 1}/${n} ${it.name}${st}${pct} | ETA ${duration(this.etaSec())}`;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (this.sink.isTTY) {
      if (!force && t - this.lastDraw < 200) return;
      this.lastDraw = t;
      this.sink.write(`\r\x1b[2K${this.text()}`);
      this.drawn = true;
    } else if (force || t - this.lastPlain >= this.plainEverySec * 1000) {
      this.lastPlain = t;
      this.sink.write(`${this.text()}\n`);
    }
  }

  /** A message on its own line. */
  line(text: string): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
    this.sink.write(`${text}\n`);
  }

  /** Run `i` was found finished: counts as done at once. */
  reused(i: number, dir: string): void {
    this.done++;
    this.line(`reproduce: run ${i + 1}/${this.items.length} ${this.items[i].name}: reusing ${dir}`);
    if (this.examples !== null) this.doneImages += this.imagesOf(i);
    else this.pendingReused.push(i);
  }

  /** Run `i` starts training (`how`: "training" or "resuming <dir>"). */
  start(i: number, how: string): void {
    this.current = i;
    this.step = null;
    this.runStartMs = this.now();
    this.runStartStep = 0;
    this.line(`reproduce: run ${i + 1}/${this.items.length} ${this.items[i].name}: ${how}`);
  }

  /** A reading of the current run's training progress. */
  progress(p: ProgressState): void {
    if (this.step === null) {
      this.runStartStep = p.step;
      this.runStartMs = this.now();
    }
    if (this.examples === null && p.total > 0) {
      const it = this.items[this.current];
      this.examples = (p.total * it.batchSize) / it.epochs;
      for (const j of this.pendingReused) this.doneImages += this.imagesOf(j);
      this.pendingReused = [];
    }
    this.step = p;
    this.draw(false);
  }

  /** The current run ended (`what`: e.g. "finished", "diverged at step 12"). */
  end(what: string): void {
    const i = this.current;
    if (this.step) {
      this.trainedImages += (this.step.step - this.runStartStep) * this.items[i].batchSize;
      this.trainedMs += this.now() - this.runStartMs;
    }
    this.done++;
    this.doneImages += Number.isFinite(this.imagesOf(i)) ? this.imagesOf(i) : 0;
    this.step = null;
    this.current = -1;
    this.line(`reproduce: run ${i + 1}/${this.items.length} ${this.items[i].name}: ${what}`);
  }
}
