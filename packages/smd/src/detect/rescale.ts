/**
 * The rescaling trick (docs/smd-theory.md §3): when η is divided by k, divide every
 * scale-invariant weight by k^{1/4}; the network's function is unchanged and the new
 * equilibrium ‖w*‖ (∝ η^{1/4}) is reached at once. The momentum buffer is treated as in the
 * theory's mean-field trajectory (MomentumRescale: 'keep' is the paper's trick as stated).
 */
import { rescaleFactor } from '../theory/equilibrium.js';
import type { MomentumRescale } from '../theory/mean-field.js';
import type { FloatArray } from '../probe/sums.js';
import { SGD } from '@smd/engine';
import type { AnyOptimizer } from '../probe/engine-adapter.js';
import type { ScaleInvarianceResult } from './structural.js';

/** Anything holding a flat float buffer (an engine Tensor, or `{ data }` over raw arrays). */
export interface HasData {
  readonly data: FloatArray;
}

function scaleInPlace(d: FloatArray, f: number): void {
  for (let i = 0; i < d.length; i++) d[i] *= f;
}

/**
 * Multiplies every tensor in `tensors` by k^{-1/4} in place (k > 0, the lr division factor)
 * and, per `momentum`, their momentum buffers (v·f for 'like-weights', v/f for
 * 'like-gradients', untouched for 'keep', the default). Returns the factor k^{-1/4}.
 * Pass only scale-invariant tensors.
 */
export function rescaleWeights(
  tensors: Iterable<HasData>,
  k: number,
  opts: { momentumBuffers?: Iterable<HasData>; momentum?: MomentumRescale } = {},
): number {
  const f = rescaleFactor(k);
  for (const t of tensors) scaleInPlace(t.data, f);
  const mode = opts.momentum ?? 'keep';
  if (mode !== 'keep' && opts.momentumBuffers) {
    const g = mode === 'like-weights' ? f : 1 / f;
    for (const b of opts.momentumBuffers) scaleInPlace(b.data, g);
  }
  return f;
}

/**
 * The rescaling trick on an engine optimizer: rescales the parameters that `detection` marks
 * scale-invariant (and their SGD momentum buffers per `momentum`). Returns the names rescaled.
 */
export function rescaleScaleInvariant(
  opt: AnyOptimizer,
  detection: readonly ScaleInvarianceResult[],
  k: number,
  momentum: MomentumRescale = 'keep',
): string[] {
  const invariant = new Set(detection.filter((r) => r.scaleInvariant).map((r) => r.param));
  const names: string[] = [];
  const tensors: HasData[] = [];
  const buffers: HasData[] = [];
  for (const [name, p] of opt.namedParameters()) {
    if (!invariant.has(name)) continue;
    names.push(name);
    tensors.push(p);
    const b = opt instanceof SGD ? opt.state.get(name)?.momentum_buffer : undefined;
    if (b !== undefined && typeof b !== 'number') buffers.push(b);
  }
  rescaleWeights(tensors, k, { momentumBuffers: buffers, momentum });
  return names;
}
