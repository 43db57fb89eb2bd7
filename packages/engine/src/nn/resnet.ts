/**
 * The reference network: a CIFAR-style ResNet with torchvision's module names, so state dicts
 * interoperate (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`).
 *   stem: conv3×3(inChannels→w1) + norm + ReLU
 *   layer1..3: `blocksPerStage` BasicBlocks each at widths (w1, w2, w3); stride 2 entering
 *              stages 2 and 3; a 1×1 conv + norm projection when the shape changes
 *   global average pool, fc: Linear(w3 → numClasses)
 */
import { releaseAfterBackward } from '../autograd.js';
import type { DType } from '../dtype.js';
import { add, relu } from '../ops/elementwise.js';
import { adaptiveAvgPool2d } from '../ops/pool.js';
import { flatten } from '../ops/shape-ops.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { Sequential } from './container.js';
import { Conv2d } from './conv2d.js';
import { defaultInitRng, kaimingNormal_ } from './init.js';
import { checkPositiveInt, Linear } from './linear.js';
import { Module } from './module.js';
import { isFusedNorm, makeNorm, type NormChoice } from './norm-layer.js';
import { weightNorm } from './weight-norm.js';

/** Where weight normalization is applied: nowhere, every conv, or every conv and the fc. */
export type WeightNormMode = 'none' | 'convs' | 'all';

/**
 * Conv weight init: torch's layer default (kaiming_uniform_(a=√5), i.e. U(±1/√fan_in)), or
 * torchvision's ResNet init (kaiming_normal_(mode='fan_out', nonlinearity='relu')). Norm layers
 * start at γ = 1, β = 0 and the fc keeps torch's default in both.
 */
export type ConvInit = 'default' | 'torchvision';

/** Options shared by the builders. */
export interface BuildOptions extends NormChoice {
  /** default 'default' */
  init?: ConvInit;
  /** default 1 (MNIST-like) */
  inChannels?: number;
  /** default 10 */
  numClasses?: number;
  /** default 'none' */
  weightNorm?: WeightNormMode;
  /** init generator (default: the nn default generator) */
  rng?: Rng;
  dtype?: DType;
}

/** What the conv factory needs (shared by the builders). */
export interface ConvFactoryInit {
  norm: NormChoice;
  wn: boolean;
  rng: Rng;
  dtype: DType | undefined;
  init?: ConvInit;
}

type BlockInit = ConvFactoryInit;

/** A k×k conv (padding k/2) with the builder's init, bias only without norm, weight norm if asked. */
export function makeConv(
  cin: number,
  cout: number,
  k: number,
  stride: number,
  b: BlockInit,
): Conv2d {
  const bias = (b.norm.norm ?? 'batch') === 'none';
  const c = new Conv2d(cin, cout, k, {
    stride,
    padding: Math.floor(k / 2),
    bias,
    rng: b.rng,
    dtype: b.dtype,
  });
  if (b.init === 'torchvision') {
    kaimingNormal_(c.weight, { mode: 'fanOut', nonlinearity: 'relu' }, b.rng);
  }
  return b.wn ? weightNorm(c) : c;
}

/** conv3×3-norm-ReLU-conv3×3-norm, plus identity or 1×1 conv+norm projection; ReLU after the add. */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly conv2: Conv2d;
  readonly bn2: Module;
  readonly downsample: Sequential | null;

  constructor(
    inPlanes: number,
    planes: number,
    stride = 1,
    opts: Pick<BuildOptions, 'norm' | 'groups' | 'weightNorm' | 'rng' | 'dtype' | 'init'> = {},
  ) {
    super();
    checkPositiveInt(inPlanes, 'BasicBlock: inPlanes');
    checkPositiveInt(planes, 'BasicBlock: planes');
    checkPositiveInt(stride, 'BasicBlock: stride');
    const b: BlockInit = {
      norm: { norm: opts.norm, groups: opts.groups, dtype: opts.dtype },
      wn: (opts.weightNorm ?? 'none') !== 'none',
      rng: opts.rng ?? defaultInitRng(),
      dtype: opts.dtype,
      init: opts.init,
    };
    this.conv1 = this.registerModule('conv1', makeConv(inPlanes, planes, 3, stride, b));
    this.bn1 = this.registerModule('bn1', makeNorm(planes, b.norm));
    this.conv2 = this.registerModule('conv2', makeConv(planes, planes, 3, 1, b));
    this.bn2 = this.registerModule('bn2', makeNorm(planes, b.norm));
    this.downsample = null;
    if (stride !== 1 || inPlanes !== planes) {
      const proj = new Sequential(
        makeConv(inPlanes, planes, 1, stride, b),
        makeNorm(planes, b.norm),
      );
      this.downsample = this.registerModule('downsample', proj);
    }
  }

  forward(x: Tensor): Tensor {
    return this.forwardBlock(x, false);
  }

  /**
   * The block's forward. Intermediates never leave it, so their storage is recycled once backward
   * has passed them; so is the output when `outputInternal` (the caller keeps it to itself, as
   * ResNet.forward does). BatchNorm2d and GroupNorm layers run fused: bn1 + ReLU, bn2 + shortcut
   * + ReLU, the projection's norm alone.
   */
  forwardBlock(x: Tensor, outputInternal: boolean): Tensor {
    // Never the caller's input (a replaced layer might return it unchanged).
    const mark = (t: Tensor): Tensor => (t === x ? t : releaseAfterBackward(t));
    const ds = this.downsample;
    let identity = x;
    if (ds !== null) {
      const norm = ds.length === 2 ? ds.at(1) : null;
      identity = isFusedNorm(norm)
        ? norm.forwardAct(mark(ds.at(0).forward(x)), { relu: false })
        : ds.forward(x);
      mark(identity);
    }
    const h = mark(normRelu(this.bn1, mark(this.conv1.forward(x))));
    const z = mark(this.conv2.forward(h));
    const out = isFusedNorm(this.bn2)
      ? this.bn2.forwardAct(z, { residual: identity, relu: true })
      : relu(add(this.bn2.forward(z), identity));
    return outputInternal ? mark(out) : out;
  }
}

/** relu(norm(x)), one fused kernel when `norm` is a BatchNorm2d or GroupNorm. */
export function normRelu(norm: Module, x: Tensor): Tensor {
  return isFusedNorm(norm) ? norm.forwardAct(x, { relu: true }) : relu(norm.forward(x));
}

/** Options of `resnet`. */
export interface ResNetOptions extends BuildOptions {
  /** (w1, w2, w3), default (32, 64, 128); (16, 32, 64) is the small variant */
  widths?: readonly [number, number, number];
  /** BasicBlocks per stage, default 2 */
  blocksPerStage?: number;
}

/** The reference ResNet (see the file comment). */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly fc: Module;

  constructor(opts: ResNetOptions = {}) {
    super();
    const widths = opts.widths ?? [32, 64, 128];
    if (widths.length !== 3) throw new Error('resnet: widths must list 3 stage widths');
    for (const w of widths) checkPositiveInt(w, 'resnet: widths entry');
    const blocks = opts.blocksPerStage ?? 2;
    checkPositiveInt(blocks, 'resnet: blocksPerStage');
    const inChannels = opts.inChannels ?? 1;
    const numClasses = opts.numClasses ?? 10;
    checkPositiveInt(inChannels, 'resnet: inChannels');
    checkPositiveInt(numClasses, 'resnet: numClasses');
    const wnMode = opts.weightNorm ?? 'none';
    const rng = opts.rng ?? defaultInitRng();
    const b: BlockInit = {
      norm: { norm: opts.norm, groups: opts.groups, dtype: opts.dtype },
      wn: wnMode !== 'none',
      rng,
      dtype: opts.dtype,
      init: opts.init,
    };
    const blockOpts = { ...opts, rng };
    this.conv1 = this.registerModule('conv1', makeConv(inChannels, widths[0], 3, 1, b));
    this.bn1 = this.registerModule('bn1', makeNorm(widths[0], b.norm));
    const stage = (name: string, cin: number, cout: number, stride: number): Sequential => {
      const s = new Sequential(new BasicBlock(cin, cout, stride, blockOpts));
      for (let i = 1; i < blocks; i++) s.append(new BasicBlock(cout, cout, 1, blockOpts));
      return this.registerModule(name, s);
    };
    this.layer1 = stage('layer1', widths[0], widths[0], 1);
    this.layer2 = stage('layer2', widths[0], widths[1], 2);
    this.layer3 = stage('layer3', widths[1], widths[2], 2);
    const fc = new Linear(widths[2], numClasses, { rng, dtype: opts.dtype });
    this.fc = this.registerModule('fc', wnMode === 'all' ? weightNorm(fc) : fc);
  }

  /** x [N, inChannels, H, W] → logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    // Activations up to the pooled features stay inside this call: their storage is recycled
    // once backward has passed them.
    let y = releaseAfterBackward(normRelu(this.bn1, releaseAfterBackward(this.conv1.forward(x))));
    for (const stage of [this.layer1, this.layer2, this.layer3]) {
      for (let i = 0; i < stage.length; i++) {
        const block = stage.at(i);
        y = block instanceof BasicBlock ? block.forwardBlock(y, true) : block.forward(y);
      }
    }
    return this.fc.forward(flatten(adaptiveAvgPool2d(y, 1), 1));
  }
}

/** Build the reference ResNet: `resnet()` (32,64,128) or `resnet({ widths: [16, 32, 64] })`. */
export function resnet(opts: ResNetOptions = {}): ResNet {
  return new ResNet(opts);
}
