/**
 * Group norm (fused with an optional residual add and ReLU, one kernel forward and backward) and
 * layer norm over trailing axes (composed from other ops, no hand-written backward).
 */
import { allocData } from '../dtype.js';
import type { GroupNormRecord } from '../op-record.js';
import { fmtShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { acquireReluMask, recordFusedNorm } from './fused-norm.js';
import { mean } from './reduce.js';
import { reshape } from './shape-ops.js';
import { empty, kern, normInput } from './util.js';

/** Options of groupNormAct2d. */
export interface GroupNormActOptions {
  /** [C] affine scale γ, or null */
  weight?: Tensor | null;
  /** [C] affine shift β, or null */
  bias?: Tensor | null;
  /** default 1e-5 */
  eps?: number;
  /** added after the affine (same shape as x), e.g. a ResNet shortcut; default none */
  residual?: Tensor | null;
  /** apply ReLU last; default true */
  relu?: boolean;
}

/**
 * y = relu?(groupNorm(x) + residual) for x [N, C, H, W]: per image, each of `numGroups` groups of
 * C/G channels is normalized over its channels and pixels (biased variance, float64 statistics),
 * then the per-channel affine. A blocked input stays blocked, any other layout goes channels-last.
 * Recorded as one groupNorm node (op-record.ts GroupNormRecord; see fused-norm.ts).
 */
export function groupNormAct2d(
  x: Tensor,
  numGroups: number,
  opts: GroupNormActOptions = {},
): Tensor {
  if (x.ndim !== 4) throw new Error(`groupNormAct2d: expected [N,C,H,W], got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new Error(
      `groupNorm: ${numGroups} groups do not divide the channels of ${fmtShape(x.shape)}`,
    );
  }
  const gamma = opts.weight ?? null;
  const beta = opts.bias ?? null;
  for (const [name, t] of [
    ['weight', gamma],
    ['bias', beta],
  ] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new Error(`groupNorm: ${name} must be [${c}], got ${fmtShape(t.shape)}`);
    }
  }
  const res = opts.residual ?? null;
  if (res && !shapesEqual(res.shape, x.shape)) {
    throw new Error(
      `groupNorm: residual ${fmtShape(res.shape)} must match input ${fmtShape(x.shape)}`,
    );
  }
  const useRelu = opts.relu ?? true;
  const eps = opts.eps ?? 1e-5;
  const { X, order } = normInput(x);
  const hw = h * w;
  const R = res ? res.toLayout(X.layout) : null;
  const y = empty(X.shape, X.dtype, X.layout);
  const mu = allocData(X.dtype, n * numGroups);
  const invStd = allocData(X.dtype, n * numGroups);
  const kk = kern(X);
  const gd = gamma ? gamma.data : null;
  const mask = acquireReluMask(X.size, useRelu, order, [X, gamma, beta, R]);
  const reluMask = mask ? mask.bits : null;
  const sizes = { n, c, hw, groups: numGroups, order };
  kk.groupNormForward({
    y: y.data,
    mean: mu,
    invStd,
    x: X.data,
    gamma: gd,
    beta: beta ? beta.data : null,
    residual: R ? R.data : null,
    relu: useRelu,
    reluMask,
    eps,
    ...sizes,
  });
  const op: GroupNormRecord = {
    kind: 'groupNorm',
    groups: numGroups,
    hasWeight: gamma !== null,
    hasBias: beta !== null,
    epilogue: { residual: R !== null, relu: useRelu },
  };
  return recordFusedNorm(op, y, X, gamma, beta, R, mask, (b) =>
    kk.groupNormBackward({
      ...b,
      y: useRelu && !reluMask ? y.data : null,
      reluMask,
      x: X.data,
      mean: mu,
      invStd,
      gamma: gd,
      ...sizes,
    }),
  );
}

/**
 * F.group_norm: x [N, C, ...] split into numGroups groups of channels, each normalized over its
 * channels and spatial positions; then per-channel affine (weight/bias [C]). Runs the fused
 * kernel (other ranks as [N, C, L, 1]).
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  if (x.ndim < 2 || x.shape[1] % numGroups !== 0) {
    throw new Error(
      `groupNorm: ${numGroups} groups do not divide the channels of ${fmtShape(x.shape)}`,
    );
  }
  const opts = { weight, bias, eps, relu: false };
  if (x.ndim === 4) return groupNormAct2d(x, numGroups, opts);
  const [n, c] = x.shape;
  const x4 = reshape(x, [n, c, x.size / Math.max(1, n * c), 1]);
  return reshape(groupNormAct2d(x4, numGroups, opts), x.shape);
}

/** Normalize the trailing axes of `x` (after `from`) with biased variance. */
function standardize(x: Tensor, axes: number[], eps: number): Tensor {
  const mu = mean(x, axes, true);
  const d = sub(x, mu);
  const v = mean(mul(d, d), axes, true);
  return div(d, sqrt(add(v, eps)));
}

/** F.layer_norm over the trailing axes given by normalizedShape; weight/bias of that shape. */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(
      `layerNorm: normalizedShape ${fmtShape(normalizedShape)} does not end ${fmtShape(x.shape)}`,
    );
  }
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  let y = standardize(x.contiguous(), axes, eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}
