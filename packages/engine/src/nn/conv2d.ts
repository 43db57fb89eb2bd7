/** torch.nn.Conv2d: weight [Cout, Cin/groups, kH, kW] (OIHW), optional bias [Cout]. */
import { conv2d } from '../ops/conv2d.js';
import { Tensor } from '../tensor.js';
import { defaultInitRng, resetLinearLike } from './init.js';
import { checkPositiveInt, type LayerInit } from './linear.js';
import { Module } from './module.js';

/** Options of Conv2d (torch defaults: stride 1, padding 0, dilation 1, groups 1, bias true). */
export interface Conv2dInit extends LayerInit {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution with torch's default init (kaiming_uniform_(a=√5), bias U(±1/√fan_in)). */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];
  readonly dilation: number | [number, number];
  readonly groups: number;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    opts: Conv2dInit = {},
  ) {
    super();
    const groups = opts.groups ?? 1;
    checkPositiveInt(inChannels, 'Conv2d: inChannels');
    checkPositiveInt(outChannels, 'Conv2d: outChannels');
    checkPositiveInt(groups, 'Conv2d: groups');
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(
        `Conv2d: inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`,
      );
    }
    const k: [number, number] =
      typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    checkPositiveInt(k[0], 'Conv2d: kernelSize');
    checkPositiveInt(k[1], 'Conv2d: kernelSize');
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = k;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = groups;
    const dtype = opts.dtype ?? 'float32';
    const w = this.registerParameter(
      'weight',
      Tensor.zeros([outChannels, inChannels / groups, k[0], k[1]], { dtype }),
    );
    const b = this.registerParameter(
      'bias',
      opts.bias === false ? null : Tensor.zeros([outChannels], { dtype }),
    );
    resetLinearLike(w, b, opts.rng ?? defaultInitRng());
  }

  /** Weight [Cout, Cin/groups, kH, kW] (or its parametrization, e.g. weight norm). */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }

  /** Bias [Cout] or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  /** x [N, Cin, H, W] → [N, Cout, outH, outW] (stored channels-last). */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
