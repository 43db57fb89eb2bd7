/**
 * DataLoader: fills reusable [N, C, H, W] float32 batches from an ImageDataset with seeded
 * per-epoch shuffling, optional normalization and augmentation, and an exactly restorable
 * position for crash-safe resume.
 *
 * Determinism: the order of epoch e is a pure function of (seed, e) — a Fisher–Yates shuffle
 * driven by an Rng seeded from both — so no shuffle state needs saving. Augmentation draws
 * come from one Rng stream (seeded from `seed`) in batch order; its state is part of the
 * saved position. Position = (epoch, batchIndex of the next batch, augmentation Rng state).
 */
import { Rng, type RngState } from '../rng.js';
import type { ImageDataset } from './dataset.js';
import { type Normalization, normalizationAffine } from './normalize.js';
import { type AugmentOptions, type AugmentDraw, drawAugment, writeExample } from './augment.js';

/** DataLoader settings (PyTorch names in camelCase). */
export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seeds shuffling and augmentation (default 0). */
  seed?: number;
  /** Skip the last incomplete batch of each epoch (default false). */
  dropLast?: boolean;
  /** Per-channel normalization of scaled pixels; null/absent = none. */
  normalize?: Normalization | null;
  /** Random crop / flip; null/absent = none. */
  augment?: AugmentOptions | null;
}

/**
 * One batch. The loader owns and REUSES these buffers: the next call overwrites them, so copy
 * anything you keep. A short last batch (dropLast false) has its own smaller buffers.
 */
export interface Batch {
  /** [size, C, H, W] contiguous, normalized and augmented. */
  images: Float32Array;
  /** [size] class indices. */
  labels: Int32Array;
  /** Dataset index of each example, [size]. */
  indices: Int32Array;
  /** [size, C, H, W]. */
  shape: readonly [number, number, number, number];
  size: number;
  epoch: number;
  /** 0-based index of this batch within its epoch. */
  batchIndex: number;
}

/** A saved loader position (JSON-serializable). */
export interface DataLoaderState {
  version: 1;
  seed: number;
  datasetLength: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  /** Epoch of the next batch. */
  epoch: number;
  /** Index within that epoch of the next batch. */
  batchIndex: number;
  /** Augmentation in force, as "crop=P,flip=0|1" (a different one would change the batches). */
  augment: string;
  augmentRng: RngState;
}

/** 32-bit mix of (seed, stream, epoch) used to seed independent Rng streams. */
function mixSeed(seed: number, stream: number, epoch: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= Math.imul(epoch + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

const SHUFFLE_STREAM = 1;
const AUGMENT_STREAM = 2;

/** Seeded, resumable mini-batch iterator over an in-memory image dataset. */
export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly augment: AugmentOptions | null;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;

  private epochValue = 0;
  private batchValue = 0;
  private orderEpoch = -1;
  private readonly order: Int32Array;
  private readonly augmentRng: Rng;
  private readonly scale: Float64Array;
  private readonly bias: Float64Array;
  private readonly full: Batch;
  private readonly tail: Batch | null;
  private readonly draw: AugmentDraw = { dy: 0, dx: 0, flip: false };

  /** Throws a one-line Error for a bad batch size, normalization or augmentation option. */
  constructor(dataset: ImageDataset, options: DataLoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed))
      throw new Error(`DataLoader: seed must be an integer, got ${seed}`);
    const pad = options.augment?.cropPadding ?? 0;
    if (!Number.isInteger(pad) || pad < 0) {
      throw new Error(`DataLoader: augment.cropPadding must be a non-negative integer, got ${pad}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = seed;
    this.dropLast = options.dropLast ?? false;
    this.augment = options.augment ?? null;
    const n = dataset.length;
    const rest = n % batchSize;
    this.batchesPerEpoch = Math.floor(n / batchSize) + (rest > 0 && !this.dropLast ? 1 : 0);
    if (n === 0) throw new Error(`DataLoader: ${dataset.name} is empty`);
    if (this.batchesPerEpoch === 0) {
      throw new Error(
        `DataLoader: ${dataset.name} has ${n} examples, fewer than one batch of ${batchSize} with dropLast`,
      );
    }
    ({ scale: this.scale, bias: this.bias } = normalizationAffine(
      options.normalize ?? null,
      dataset.channels,
      dataset.pixelScale,
    ));
    this.order = new Int32Array(n);
    this.augmentRng = new Rng(mixSeed(seed, AUGMENT_STREAM, 0));
    this.full = this.makeBatch(Math.min(batchSize, n));
    this.tail = rest > 0 && !this.dropLast && n > batchSize ? this.makeBatch(rest) : null;
  }

  private makeBatch(size: number): Batch {
    const { channels: c, height: h, width: w } = this.dataset;
    return {
      images: new Float32Array(size * c * h * w),
      labels: new Int32Array(size),
      indices: new Int32Array(size),
      shape: [size, c, h, w],
      size,
      epoch: 0,
      batchIndex: 0,
    };
  }

  /** Epoch of the next batch. */
  get epoch(): number {
    return this.epochValue;
  }

  /** Index within the epoch of the next batch. */
  get batchIndex(): number {
    return this.batchValue;
  }

  /** The example order of `epoch` (a view of an internal buffer, valid until another epoch). */
  epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch) {
      const order = this.order;
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.shuffle) new Rng(mixSeed(this.seed, SHUFFLE_STREAM, epoch)).shuffle(order);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** Fill and return the next batch (moving to the next epoch after the last one). */
  next(): Batch {
    const epoch = this.epochValue;
    const b = this.batchValue;
    const order = this.epochOrder(epoch);
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, this.dataset.length - start);
    const batch = size === this.full.size ? this.full : this.tail!;
    const ds = this.dataset;
    const imageSize = ds.imageSize;
    const aug = this.augment;
    for (let k = 0; k < size; k++) {
      const idx = order[start + k];
      batch.indices[k] = idx;
      batch.labels[k] = ds.labels[idx];
      const d = aug === null ? null : drawAugment(this.augmentRng, aug, this.draw);
      writeExample(
        batch.images,
        k * imageSize,
        ds.images,
        idx * imageSize,
        ds.channels,
        ds.height,
        ds.width,
        this.scale,
        this.bias,
        d === null ? 0 : d.dy,
        d === null ? 0 : d.dx,
        d === null ? false : d.flip,
      );
    }
    batch.epoch = epoch;
    batch.batchIndex = b;
    if (b + 1 >= this.batchesPerEpoch) {
      this.epochValue = epoch + 1;
      this.batchValue = 0;
    } else {
      this.batchValue = b + 1;
    }
    return batch;
  }

  /** The remaining batches of the current epoch (all of them when at its start). */
  *epochBatches(): Generator<Batch, void, undefined> {
    const epoch = this.epochValue;
    while (this.epochValue === epoch) yield this.next();
  }

  private augmentKey(): string {
    const a = this.augment;
    return `crop=${a?.cropPadding ?? 0},flip=${a?.horizontalFlip === true ? 1 : 0}`;
  }

  /** The position, to save with a checkpoint. */
  getState(): DataLoaderState {
    const s = this.augmentRng.getState();
    return {
      version: 1,
      seed: this.seed,
      datasetLength: this.dataset.length,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      augment: this.augmentKey(),
      epoch: this.epochValue,
      batchIndex: this.batchValue,
      augmentRng: { s: [...s.s], spareNormal: s.spareNormal },
    };
  }

  /**
   * Restore a position saved by getState; later batches equal those the saving loader would
   * have produced. Throws a one-line Error if the state belongs to a different configuration.
   */
  setState(state: DataLoaderState): void {
    const check = (field: keyof DataLoaderState, mine: unknown): void => {
      if (state[field] !== mine) {
        throw new Error(
          `DataLoader.setState: saved ${field} ${JSON.stringify(state[field])} does not match this loader's ${JSON.stringify(mine)}`,
        );
      }
    };
    check('version', 1);
    check('seed', this.seed);
    check('datasetLength', this.dataset.length);
    check('batchSize', this.batchSize);
    check('shuffle', this.shuffle);
    check('dropLast', this.dropLast);
    check('augment', this.augmentKey());
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new Error(
        `DataLoader.setState: epoch must be a non-negative integer, got ${state.epoch}`,
      );
    }
    if (
      !Number.isInteger(state.batchIndex) ||
      state.batchIndex < 0 ||
      state.batchIndex >= this.batchesPerEpoch
    ) {
      throw new Error(
        `DataLoader.setState: batchIndex must be in [0, ${this.batchesPerEpoch}), got ${state.batchIndex}`,
      );
    }
    if (!Array.isArray(state.augmentRng?.s) || state.augmentRng.s.length !== 4) {
      throw new Error('DataLoader.setState: augmentRng must hold 4 state words');
    }
    this.epochValue = state.epoch;
    this.batchValue = state.batchIndex;
    this.augmentRng.setState({
      s: [...state.augmentRng.s],
      spareNormal: state.augmentRng.spareNormal,
    });
  }
}
