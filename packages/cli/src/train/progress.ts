/**
 * Training progress on stderr: a redrawn one-line bar on a TTY (≤ 10 redraws/s), plain
 * periodic lines otherwise (every `plainEverySec` seconds and at every epoch end).
 */
import { fixed, int, sig } from '../format/numbers.js';

/** Where progress goes: text and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

/** One progress reading. */
export interface ProgressState {
  step: number;
  total: number;
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  imagesPerSec: number;
  etaSec: number;
}

/** Seconds as "1h05m" or "3m07s" ("?" when not finite). */
export function duration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(r).padStart(2, '0')}s`;
}

/** Renders progress lines to a sink. */
export class Progress {
  private lastDraw = 0;
  private lastPlain = 0;
  private drawn = false;

  /**
   * `listener` sees every reading, unthrottled (e.g. `smd reproduce`'s plan-wide display, which
   * then gives a silent sink).
   */
  constructor(
    private readonly sink: ProgressSink,
    private readonly plainEverySec = 10,
    private readonly listener: ((p: ProgressState) => void) | null = null,
  ) {
    this.lastPlain = performance.now();
  }

  private text(p: ProgressState): string {
    return (
      `step ${int(p.step)}/${int(p.total)} (epoch ${p.epoch}/${p.epochs})  loss ${fixed(p.loss, 4)}` +
      `  acc ${fixed(p.acc * 100, 1)}%  ${sig(p.imagesPerSec, 3)} img/s  ETA ${duration(p.etaSec)}`
    );
  }

  /** A new reading; `force` draws it now (epoch end). */
  update(p: ProgressState, force = false): void {
    this.listener?.(p);
    const now = performance.now();
    if (this.sink.isTTY) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 24;
      const done = Math.round((width * p.step) / Math.max(1, p.total));
      const bar = '█'.repeat(done) + '░'.repeat(width - done);
      this.sink.write(`\r\x1b[2K${bar} ${this.text(p)}`);
      this.drawn = true;
    } else if (force || now - this.lastPlain >= this.plainEverySec * 1000) {
      this.lastPlain = now;
      this.sink.write(`smd train: ${this.text(p)}\n`);
    }
  }

  /** A message on its own line (clears the bar first on a TTY). */
  line(text: string): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
    this.sink.write(`${text}\n`);
  }

  /** Ends the bar line. */
  done(): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\n');
    this.drawn = false;
  }
}
