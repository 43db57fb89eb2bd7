/** Per-parameter scratch buffers of optimizers whose rule needs a step direction of its own. */
import type { Data } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** One scratch buffer per parameter, allocated on first use and reused every step. */
export class Scratch {
  private readonly bufs = new WeakMap<Tensor, Data>();

  /** A buffer like `param.data` (same length and dtype; contents undefined). */
  get(param: Tensor): Data {
    const like = param.data;
    let b = this.bufs.get(param);
    if (b === undefined || b.length !== like.length || b.constructor !== like.constructor) {
      b =
        like instanceof Float64Array
          ? new Float64Array(like.length)
          : new Float32Array(like.length);
      this.bufs.set(param, b);
    }
    return b;
  }
}
