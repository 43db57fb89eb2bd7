/** torch.nn.Linear: y = x·Wᵀ + b, W [out, in], b [out]. */
import type { DType } from '../dtype.js';
import { linear } from '../ops/matmul.js';
import type { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { defaultInitRng, resetLinearLike } from './init.js';
import { Module } from './module.js';

/** Options shared by layers that create parameters. */
export interface LayerInit {
  /** generator for the default init (default: the nn default, see `manualSeed`) */
  rng?: Rng;
  /** parameter dtype, default 'float32' (float64 for gradient checks) */
  dtype?: DType;
}

/** Fully connected layer with torch's default init (U(±1/√in) for W and b). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LayerInit & { bias?: boolean } = {}) {
    super();
    checkPositiveInt(inFeatures, 'Linear: inFeatures');
    checkPositiveInt(outFeatures, 'Linear: outFeatures');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = opts.dtype ?? 'float32';
    const w = this.registerParameter('weight', Tensor.zeros([outFeatures, inFeatures], { dtype }));
    const b = this.registerParameter(
      'bias',
      opts.bias === false ? null : Tensor.zeros([outFeatures], { dtype }),
    );
    resetLinearLike(w, b, opts.rng ?? defaultInitRng());
  }

  /** Weight [out, in] (or its parametrization, e.g. weight norm). */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }

  /** Bias [out] or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Throws a one-line error unless v is an integer ≥ 1. */
export function checkPositiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be an integer >= 1, got ${v}`);
}
