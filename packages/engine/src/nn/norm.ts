/** torch.nn.GroupNorm and torch.nn.LayerNorm (affine parameters `weight` = 1, `bias` = 0). */
import { add, relu } from '../ops/elementwise.js';
import { groupNorm, groupNormAct2d, layerNorm } from '../ops/group-norm.js';
import { Tensor } from '../tensor.js';
import type { BatchNormActEpilogue } from './batch-norm.js';
import { checkPositiveInt, type LayerInit } from './linear.js';
import { Module } from './module.js';

/** Options of GroupNorm / LayerNorm (torch defaults: eps 1e-5, affine true). */
export interface NormInit extends Pick<LayerInit, 'dtype'> {
  eps?: number;
  /** learnable per-channel (GroupNorm) / per-element (LayerNorm) scale and shift */
  affine?: boolean;
}

/** Normalize each of `numGroups` channel groups over (channels in group, H, W); affine per channel. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;

  constructor(numGroups: number, numChannels: number, opts: NormInit = {}) {
    super();
    checkPositiveInt(numGroups, 'GroupNorm: numGroups');
    checkPositiveInt(numChannels, 'GroupNorm: numChannels');
    if (numChannels % numGroups !== 0) {
      throw new Error(
        `GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`,
      );
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts.eps ?? 1e-5;
    const dtype = opts.dtype ?? 'float32';
    const affine = opts.affine ?? true;
    this.registerParameter('weight', affine ? Tensor.ones([numChannels], { dtype }) : null);
    this.registerParameter('bias', affine ? Tensor.zeros([numChannels], { dtype }) : null);
  }

  /** x [N, C, ...] → same shape. */
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new Error(
        `GroupNorm: expected [N, ${this.numChannels}, ...], got [${x.shape.join(',')}]`,
      );
    }
    return groupNorm(
      x,
      this.numGroups,
      this.getParameter('weight'),
      this.getParameter('bias'),
      this.eps,
    );
  }

  /**
   * relu?(forward(x) + residual) for 4-D x in one fused kernel forward and backward (the same in
   * train and eval: group norm has no running statistics); other ranks compose the ops.
   */
  forwardAct(x: Tensor, epilogue: BatchNormActEpilogue = {}): Tensor {
    const residual = epilogue.residual ?? null;
    const useRelu = epilogue.relu ?? true;
    if (x.ndim !== 4) {
      let y = this.forward(x);
      if (residual) y = add(y, residual);
      return useRelu ? relu(y) : y;
    }
    if (x.shape[1] !== this.numChannels) {
      throw new Error(
        `GroupNorm: expected [N, ${this.numChannels}, ...], got [${x.shape.join(',')}]`,
      );
    }
    return groupNormAct2d(x, this.numGroups, {
      weight: this.getParameter('weight'),
      bias: this.getParameter('bias'),
      eps: this.eps,
      residual,
      relu: useRelu,
    });
  }
}

/** Normalize over the trailing `normalizedShape` axes; affine weight/bias of that shape. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: NormInit = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new Error('LayerNorm: normalizedShape must not be empty');
    for (const d of shape) checkPositiveInt(d, 'LayerNorm: normalizedShape entry');
    this.normalizedShape = Object.freeze(shape);
    this.eps = opts.eps ?? 1e-5;
    const dtype = opts.dtype ?? 'float32';
    const affine = opts.affine ?? true;
    this.registerParameter('weight', affine ? Tensor.ones(shape, { dtype }) : null);
    this.registerParameter('bias', affine ? Tensor.zeros(shape, { dtype }) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(
      x,
      this.normalizedShape,
      this.getParameter('weight'),
      this.getParameter('bias'),
      this.eps,
    );
  }
}
