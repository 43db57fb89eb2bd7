/** torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (floor mode; avg counts padding). */
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../ops/pool.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

type IntOrPair = number | [number, number];

/** Max over kernelSize windows (stride defaults to kernelSize). */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: IntOrPair,
    readonly stride: IntOrPair = kernelSize,
    readonly padding: IntOrPair = 0,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    });
  }
}

/** Mean over kernelSize windows, zero padding counted in the divisor (torch default). */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: IntOrPair,
    readonly stride: IntOrPair = kernelSize,
    readonly padding: IntOrPair = 0,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    });
  }
}

/** Adaptive average pooling to `outputSize`; AdaptiveAvgPool2d(1) is global average pooling. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: IntOrPair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
