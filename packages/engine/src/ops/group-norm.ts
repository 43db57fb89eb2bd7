/** Group norm and layer norm, composed from other ops (no hand-written backward). */
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { reshape } from './shape-ops.js';

/** Normalize the trailing axes of `x` (after `from`) with biased variance. */
function standardize(x: Tensor, axes: number[], eps: number): Tensor {
  const mu = mean(x, axes, true);
  const d = sub(x, mu);
  const v = mean(mul(d, d), axes, true);
  return div(d, sqrt(add(v, eps)));
}

/**
 * F.group_norm: x [N,C,...] split into numGroups groups of channels, each normalized over its
 * channels and spatial positions; then per-channel affine (weight/bias [C]).
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
  const [n, c] = x.shape;
  const grouped = reshape(x, [n, numGroups, -1]);
  let y = reshape(standardize(grouped, [2], eps), x.shape);
  const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
  if (weight) y = mul(y, reshape(weight, bshape));
  if (bias) y = add(y, reshape(bias, bshape));
  return y;
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
