/**
 * What the fused normalization ops (batchNormAct2d, groupNormAct2d) share: the pooled 1-bit ReLU
 * mask, and recording the composition norm → add → relu for one kernel that did all the work.
 */
import { isGradEnabled, record } from '../autograd.js';
import { acquireBuffer, releaseBuffer } from '../buffer-pool.js';
import type { ChannelOrder } from '../kernels.js';
import { Tensor } from '../tensor.js';

/**
 * The ReLU bit mask of a fused forward (⌈size/32⌉ words in a pooled float32 buffer), for blocked
 * storage when a backward will run: the backward then reads 1 bit instead of y per element (two
 * fewer reads of an activation-sized buffer per call). Null when not worth it.
 */
export function acquireReluMask(
  size: number,
  relu: boolean,
  order: ChannelOrder,
  inputs: readonly (Tensor | null)[],
): { store: Float32Array; bits: Uint32Array } | null {
  const grads = isGradEnabled() && inputs.some((t) => t?.requiresGrad);
  if (!relu || !grads || order !== 'nChw16c') return null;
  const store = acquireBuffer('float32', Math.ceil(size / 32)) as Float32Array;
  return { store, bits: new Uint32Array(store.buffer, store.byteOffset, store.length) };
}

/** Gradients of one fused backward: the norm's inputs (recorded order) and the residual. */
export interface FusedNormGrads {
  norm: (Tensor | null)[];
  residual: Tensor | null;
}

/**
 * Records y = relu?(norm(X, params) + R) as the nodes `name` → add → relu (what graph walkers
 * such as the SMD structural detector read) while one fused kernel does the work: the relu and
 * add nodes pass the incoming gradient through unchanged (the kernel applies the ReLU mask), and
 * the first node that runs backward with every needed partial gradient at hand (add, when there
 * is a residual, else the norm node) calls `backward` once for all inputs. The intermediate
 * tensors are never returned; they share y's storage (their values are not meaningful).
 * `mask` (if any) goes back to the pool after the backward.
 */
export function recordFusedNorm(
  name: string,
  y: Tensor,
  normInputs: readonly Tensor[],
  residual: Tensor | null,
  relu: boolean,
  mask: { store: Float32Array } | null,
  backward: (
    g: Tensor,
    partialNorm: readonly (Tensor | null)[] | null,
    partialR: Tensor | null,
  ) => FusedNormGrads,
): Tensor {
  let stash: (Tensor | null)[] | null = null;
  const run = (
    g: Tensor,
    pn: readonly (Tensor | null)[] | null,
    pr: Tensor | null,
  ): Tensor | null => {
    const r = backward(g, pn, pr);
    if (mask) releaseBuffer(mask.store);
    stash = r.norm;
    return r.residual;
  };
  const phantom = (): Tensor => new Tensor(y.data, y.shape, { layout: y.layout });
  const normOut = residual || relu ? phantom() : y;
  record(name, normOut, normInputs, (g, _needs, partial) => {
    if (stash === null) run(g, partial, null);
    const out = stash!;
    stash = null;
    return out;
  });
  let sumOut = normOut;
  if (residual) {
    sumOut = relu ? phantom() : y;
    record('add', sumOut, [normOut, residual], (g, _needs, partial) => [
      g,
      run(g, null, partial[1]),
    ]);
  }
  if (relu) record('relu', y, [sumOut], (g) => [g]);
  return y;
}
