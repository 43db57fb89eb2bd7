/**
 * The network of the optimizer golden fixtures (fixtures/torch/optim.json, optim-ext.json):
 * conv(1→4)+BN+ReLU+conv(4→8, s2)+BN+ReLU+GAP+linear(8→3), loaded from a fixture's initial
 * weights, and its batches. Used by the trajectory tests (which read the JSON).
 */
import {
  adaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  flatten,
  Linear,
  Module,
  relu,
  type DType,
  type Tensor,
} from '@smd/engine';
import { fromFixture, labelsFromFixture, type FixtureTensor } from './torch-fixture.js';

/** The shared part of optim.json: initial weights and the 4 batches. */
export interface TrajectoryFixture {
  init: Record<string, FixtureTensor>;
  batches: { x: FixtureTensor; y: FixtureTensor }[];
}

/** The fixture network: conv(1→4)+BN+ReLU+conv(4→8, s2)+BN+ReLU+GAP+linear(8→3). */
export class SmallNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  fc: Linear;

  constructor(dtype: DType) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(1, 4, 3, { padding: 1, bias: false, dtype }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(4, { dtype }));
    this.conv2 = this.registerModule(
      'conv2',
      new Conv2d(4, 8, 3, { stride: 2, padding: 1, bias: false, dtype }),
    );
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(8, { dtype }));
    this.fc = this.registerModule('fc', new Linear(8, 3, { dtype }));
  }

  forward(x: Tensor): Tensor {
    const h = relu(this.bn1.forward(this.conv1.forward(x)));
    const z = relu(this.bn2.forward(this.conv2.forward(h)));
    return this.fc.forward(flatten(adaptiveAvgPool2d(z, 1), 1));
  }
}

/** A SmallNet holding the fixture's initial weights. */
export function freshNet(fx: TrajectoryFixture, dtype: DType = 'float32'): SmallNet {
  const net = new SmallNet(dtype);
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.init)) sd[k] = fromFixture(v, dtype);
  net.loadStateDict(sd);
  return net;
}

/** The fixture's batches in `dtype`. */
export function batchesOf(fx: TrajectoryFixture, dtype: DType): { x: Tensor; y: Int32Array }[] {
  return fx.batches.map((b) => ({ x: fromFixture(b.x, dtype), y: labelsFromFixture(b.y) }));
}
