/**
 * A plain conv-norm-ReLU stack, torch Sequential style:
 *   features = Sequential(conv3×3, norm, ReLU, conv3×3, norm, ReLU, …)  (norm omitted for 'none')
 *   then global average pool and fc = Linear(last width → numClasses).
 * Keys read `features.0.weight`, `features.1.running_mean`, …, `fc.weight`.
 */
import { releaseAfterBackward } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { AdaptiveAvgPool2d } from './pooling.js';
import { Flatten, ReLU, Sequential } from './container.js';
import { defaultInitRng } from './init.js';
import { checkPositiveInt, Linear } from './linear.js';
import { Module } from './module.js';
import { isFusedNorm, makeNorm } from './norm-layer.js';
import { makeConv, type BuildOptions } from './resnet.js';
import { weightNorm } from './weight-norm.js';

/** Options of `convStack`. */
export interface ConvStackOptions extends BuildOptions {
  /** output channels of each conv layer, e.g. [32, 64, 128] */
  channels: readonly number[];
  /** stride of each conv layer (default 1 for the first, 2 for the others) */
  strides?: readonly number[];
}

/** Conv-norm-ReLU layers, global average pool, linear classifier. */
export class ConvStack extends Module {
  readonly features: Sequential;
  readonly pool: Sequential;
  readonly fc: Module;

  constructor(opts: ConvStackOptions) {
    super();
    const { channels } = opts;
    if (!Array.isArray(channels) || channels.length === 0) {
      throw new Error('convStack: channels must list at least one width');
    }
    const strides = opts.strides ?? channels.map((_, i) => (i === 0 ? 1 : 2));
    if (strides.length !== channels.length) {
      throw new Error(
        `convStack: strides has ${strides.length} entries, channels ${channels.length}`,
      );
    }
    const rng = opts.rng ?? defaultInitRng();
    const norm = opts.norm ?? 'batch';
    const wn = opts.weightNorm ?? 'none';
    let cin = opts.inChannels ?? 1;
    checkPositiveInt(cin, 'convStack: inChannels');
    this.features = this.registerModule('features', new Sequential());
    channels.forEach((c, i) => {
      checkPositiveInt(c, 'convStack: channels entry');
      checkPositiveInt(strides[i], 'convStack: strides entry');
      const init = { norm: { norm }, wn: wn !== 'none', rng, dtype: opts.dtype, init: opts.init };
      this.features.append(makeConv(cin, c, 3, strides[i], init));
      if (norm !== 'none') {
        this.features.append(makeNorm(c, { norm, groups: opts.groups, dtype: opts.dtype }));
      }
      this.features.append(new ReLU());
      cin = c;
    });
    // No parameters or buffers, so it adds no state-dict keys.
    this.pool = this.registerModule(
      'pool',
      new Sequential(new AdaptiveAvgPool2d(1), new Flatten()),
    );
    const fc = new Linear(cin, opts.numClasses ?? 10, { rng, dtype: opts.dtype });
    this.fc = this.registerModule('fc', wn === 'all' ? weightNorm(fc) : fc);
  }

  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pool.forward(this.runFeatures(x)));
  }

  /**
   * `features.forward(x)` with each BatchNorm2d/GroupNorm → ReLU pair as one fused op; the activations
   * stay inside this call, so their storage is recycled once backward has passed them.
   */
  private runFeatures(x: Tensor): Tensor {
    const f = this.features;
    let y = x;
    for (let i = 0; i < f.length; i++) {
      const m = f.at(i);
      if (isFusedNorm(m) && i + 1 < f.length && f.at(i + 1) instanceof ReLU) {
        y = m.forwardAct(y, { relu: true });
        i++;
      } else y = m.forward(y);
      if (y !== x) releaseAfterBackward(y);
    }
    return y;
  }
}

/** Build a plain conv stack, e.g. `convStack({ channels: [32, 64, 128] })`. */
export function convStack(opts: ConvStackOptions): ConvStack {
  return new ConvStack(opts);
}
