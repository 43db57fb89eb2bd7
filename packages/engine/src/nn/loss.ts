/** torch.nn.CrossEntropyLoss over logits [N, C] and integer labels [N]. */
import { crossEntropy } from '../ops/softmax.js';
import type { Tensor } from '../tensor.js';

/** Options of CrossEntropyLoss (torch defaults: mean reduction, no label smoothing). */
export interface CrossEntropyLossInit {
  /** ε in [0, 1): target = (1 − ε)·onehot + ε/C */
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum';
}

/** Softmax cross entropy with optional label smoothing (a loss, not a Module: no state). */
export class CrossEntropyLoss {
  readonly labelSmoothing: number;
  readonly reduction: 'mean' | 'sum';

  constructor(opts: CrossEntropyLossInit = {}) {
    const ls = opts.labelSmoothing ?? 0;
    if (!(ls >= 0 && ls < 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be in [0, 1), got ${ls}`);
    }
    this.labelSmoothing = ls;
    this.reduction = opts.reduction ?? 'mean';
  }

  /** Scalar loss of logits [N, C] against labels [N] (class indices in [0, C)). */
  forward(logits: Tensor, labels: Int32Array | readonly number[]): Tensor {
    const c = logits.shape[1];
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (!Number.isInteger(l) || l < 0 || l >= c) {
        throw new Error(`CrossEntropyLoss: label ${l} at index ${i} is not in [0, ${c})`);
      }
    }
    return crossEntropy(logits, labels, {
      labelSmoothing: this.labelSmoothing,
      reduction: this.reduction,
    });
  }
}
