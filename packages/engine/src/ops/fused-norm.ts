/**
 * What the fused normalization ops (batchNormAct2d, groupNormAct2d) share: the pooled 1-bit ReLU
 * mask, and recording y = relu?(norm(x) + residual?) as ONE tape node whose typed record
 * (op-record.ts FusedNormRecord) describes the composition for graph walkers.
 */
import { isGradEnabled, record } from '../autograd.js';
import { acquireBuffer, releaseBuffer } from '../buffer-pool.js';
import type { ChannelOrder } from '../kernels.js';
import type { Data } from '../dtype.js';
import type { FusedNormRecord } from '../op-record.js';
import type { Tensor } from '../tensor.js';
import { gradOutput, gradTarget } from './util.js';

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

/**
 * The buffers of one fused backward kernel call (the fields every fused norm backward shares):
 * the incoming gradient and the gradients it writes — dx always (overwritten when
 * `overwriteDx`, else added to), dγ/dβ/dresidual when wanted (null otherwise).
 */
export interface FusedNormGradBuffers {
  dy: Data;
  dx: Data;
  overwriteDx: boolean;
  dgamma: Data | null;
  dbeta: Data | null;
  dresidual: Data | null;
  overwriteDresidual: boolean;
}

/**
 * Records y = relu?(norm(x, γ, β) + residual) as one node of kind `op.kind` with inputs
 * [x, γ?, β?, residual?] (the order op-record.ts fixes). On backward it prepares the gradient
 * buffers — accumulating in place into the partial gradients autograd already holds (the
 * residual's is withheld when it is also x, so one buffer is never written twice) — and calls
 * `backward` once, which runs the fused kernel. `mask` (if any) goes back to the pool afterwards.
 */
export function recordFusedNorm(
  op: FusedNormRecord,
  y: Tensor,
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  residual: Tensor | null,
  mask: { store: Float32Array } | null,
  backward: (b: FusedNormGradBuffers) => void,
): Tensor {
  const inputs: Tensor[] = [x];
  if (gamma) inputs.push(gamma);
  if (beta) inputs.push(beta);
  const ri = inputs.length;
  if (residual) inputs.push(residual);
  const c = x.shape[1];
  return record(op, y, inputs, (g, needs, partial) => {
    const at = (t: Tensor): Tensor | null =>
      needs[inputs.indexOf(t)] ? partial[inputs.indexOf(t)] : null;
    const dxOut = gradOutput(needs[0] ? partial[0] : null, x.shape, x.dtype, x.layout);
    const dg = gamma?.requiresGrad ? gradTarget(at(gamma), [c], x.dtype) : null;
    const db = beta?.requiresGrad ? gradTarget(at(beta), [c], x.dtype) : null;
    // x and the residual may be one tensor: dx and dr are then separate buffers autograd adds
    const pr = residual && residual !== x ? partial[ri] : null;
    const drOut = residual?.requiresGrad ? gradOutput(pr, x.shape, x.dtype, x.layout) : null;
    backward({
      dy: g.toLayout(x.layout).data,
      dx: dxOut.t.data,
      overwriteDx: dxOut.overwrite,
      dgamma: dg ? dg.data : null,
      dbeta: db ? db.data : null,
      dresidual: drOut ? drOut.t.data : null,
      overwriteDresidual: drOut ? drOut.overwrite : false,
    });
    if (mask) releaseBuffer(mask.store);
    const grads: (Tensor | null)[] = [needs[0] ? dxOut.t : null];
    if (gamma) grads.push(dg);
    if (beta) grads.push(db);
    if (residual) grads.push(drOut ? drOut.t : null);
    return grads;
  });
}
