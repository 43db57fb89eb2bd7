/** Containers and shape-only layers: Sequential, Identity, Flatten, ReLU. */
import { relu } from '../ops/elementwise.js';
import { flatten } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Children named "0", "1", … run in order (torch.nn.Sequential). */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(...layers: Module[]) {
    super();
    for (const m of layers) this.append(m);
  }

  /** Add a layer at the end (named by its index). */
  append(m: Module): this {
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return this.layers.length;
  }

  /** The i-th layer. */
  at(i: number): Module {
    const m = this.layers[i];
    if (m === undefined)
      throw new Error(`Sequential: no layer ${i} (length ${this.layers.length})`);
    return m;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** torch.nn.Flatten(startDim = 1, endDim = −1). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/** max(x, 0) element-wise (keeps the input's layout). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
