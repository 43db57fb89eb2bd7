/**
 * What the fused normalization ops (batchNormAct2d, groupNormAct2d) share: the pooled 1-bit ReLU
 * mask, and recording y = relu?(norm(x) + residual?) as ONE tape node whose typed record
 * (op-record.ts FusedNormRecord) describes the composition for graph walkers.
 */
import { isGradEnabled, record } from '../autograd.js';
import { acquireBuffer, releaseBuffer } from '../buffer-pool.js';
import type { ChannelOrder } from '../kernels.js';
import type { FusedNormRecord } from '../op-record.js';
import type { Tensor } from '../tensor.js';

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
 * Records `y` as one node of kind `op.kind` with inputs [...normInputs, residual?] (the order
 * op-record.ts fixes). `backward` gets the incoming gradient and the partial gradients already
 * accumulated for the norm's inputs and for the residual (its kernel may accumulate into them in
 * place; the residual's is withheld when it is also x, so one buffer is never written twice).
 * `mask` (if any) goes back to the pool after the backward.
 */
export function recordFusedNorm(
  op: FusedNormRecord,
  y: Tensor,
  normInputs: readonly Tensor[],
  residual: Tensor | null,
  mask: { store: Float32Array } | null,
  backward: (
    g: Tensor,
    partialNorm: readonly (Tensor | null)[],
    partialR: Tensor | null,
  ) => FusedNormGrads,
): Tensor {
  const inputs = residual ? [...normInputs, residual] : normInputs;
  const ri = normInputs.length;
  return record(op, y, inputs, (g, needs, partial) => {
    const pn = partial.slice(0, ri).map((p, i) => (needs[i] ? p : null));
    const pr = residual && residual !== normInputs[0] ? partial[ri] : null;
    const r = backward(g, pn, pr);
    if (mask) releaseBuffer(mask.store);
    return residual ? [...r.norm, r.residual] : r.norm;
  });
}
