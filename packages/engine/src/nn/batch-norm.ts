/**
 * torch.nn.BatchNorm2d: γ (`weight`, init 1), β (`bias`, init 0), buffers `running_mean` (0),
 * `running_var` (1) and `num_batches_tracked` (0, a float64 scalar standing in for torch's
 * int64). Train mode normalizes with the batch mean and biased variance and updates the running
 * statistics with the unbiased variance and `momentum` (0.1; null = cumulative average
 * 1/num_batches_tracked, as torch); eval mode uses the running statistics.
 */
import { batchNorm2d, type BatchNormOptions } from '../ops/batch-norm.js';
import { batchNormAct2d } from '../ops/batch-norm-act.js';
import { Tensor } from '../tensor.js';
import { checkPositiveInt, type LayerInit } from './linear.js';
import { Module } from './module.js';

/** Options of BatchNorm2d (torch defaults). */
export interface BatchNormInit extends Pick<LayerInit, 'dtype'> {
  /** default 1e-5 */
  eps?: number;
  /** default 0.1; null = cumulative moving average */
  momentum?: number | null;
  /** learnable γ and β, default true */
  affine?: boolean;
  /** keep running statistics (and use them in eval), default true */
  trackRunningStats?: boolean;
}

/** The fused epilogue of `BatchNorm2d.forwardAct`. */
export interface BatchNormActEpilogue {
  /** added after the affine (same shape as x), e.g. a ResNet shortcut; default none */
  residual?: Tensor | null;
  /** apply ReLU last; default true */
  relu?: boolean;
}

/** Batch normalization over channel axis 1 of [N, C, H, W] (or [N, C]) inputs. */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, opts: BatchNormInit = {}) {
    super();
    checkPositiveInt(numFeatures, 'BatchNorm2d: numFeatures');
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const dtype = opts.dtype ?? 'float32';
    const c = [numFeatures];
    this.registerParameter('weight', this.affine ? Tensor.ones(c, { dtype }) : null);
    this.registerParameter('bias', this.affine ? Tensor.zeros(c, { dtype }) : null);
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? Tensor.zeros(c, { dtype }) : null);
    this.registerBuffer('running_var', track ? Tensor.ones(c, { dtype }) : null);
    this.registerBuffer(
      'num_batches_tracked',
      track ? Tensor.zeros([], { dtype: 'float64' }) : null,
    );
  }

  /** γ [C] or null. */
  get weight(): Tensor | null {
    return this.getParameter('weight');
  }

  /** β [C] or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  /** Running mean [C] (null without running stats). */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }

  /** Running (unbiased) variance [C] (null without running stats). */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }

  /** Number of train-mode forwards so far (null without running stats). */
  get numBatchesTracked(): number | null {
    const t = this.getBuffer('num_batches_tracked');
    return t === null ? null : t.data[0];
  }

  /** Clear the running statistics (mean 0, var 1, count 0). */
  resetRunningStats(): void {
    this.runningMean?.fill(0);
    this.runningVar?.fill(1);
    this.getBuffer('num_batches_tracked')?.fill(0);
  }

  forward(x: Tensor): Tensor {
    return batchNorm2d(x, this.opOptions(x));
  }

  /**
   * relu?(forward(x) + residual) in one fused kernel (forward and backward) when training:
   * equal to `relu(add(bn.forward(x), residual))` up to float32 rounding, with the same
   * running-statistics update. Eval mode composes the unfused ops.
   */
  forwardAct(x: Tensor, epilogue: BatchNormActEpilogue = {}): Tensor {
    return batchNormAct2d(x, {
      ...this.opOptions(x),
      residual: epilogue.residual ?? null,
      relu: epilogue.relu ?? true,
    });
  }

  /** Validate x, bump num_batches_tracked in train mode, and build the op options. */
  private opOptions(x: Tensor): BatchNormOptions {
    if (x.ndim !== 4 && x.ndim !== 2) {
      throw new Error(`BatchNorm2d: expected a 4-D [N,C,H,W] input, got [${x.shape.join(',')}]`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `BatchNorm2d: input has ${x.shape[1]} channels, expected ${this.numFeatures}`,
      );
    }
    // torch: batch statistics in training, or always when there are no running stats.
    const useBatchStats = this.training || !this.trackRunningStats;
    let momentum = this.momentum ?? 0;
    const counter = this.getBuffer('num_batches_tracked');
    if (this.training && counter !== null) {
      counter.data[0] += 1;
      if (this.momentum === null) momentum = 1 / counter.data[0];
    }
    const update = this.training && this.trackRunningStats;
    return {
      weight: this.weight,
      bias: this.bias,
      runningMean: update || !useBatchStats ? this.runningMean : null,
      runningVar: update || !useBatchStats ? this.runningVar : null,
      training: useBatchStats,
      momentum,
      eps: this.eps,
    };
  }
}
