/**
 * The TS kernels that take activation buffers in either channel order (conv, batch/group norm,
 * adaptive average pooling), as wrappers of their NHWC implementations (see channel-order.ts).
 * `overwrite*` flags mean: zero the buffer, then accumulate.
 */
import type {
  AdaptiveAvgPool2dParams,
  BatchNormActBackwardParams,
  BatchNormActForwardTrainParams,
  BatchNormBackwardParams,
  BatchNormForwardEvalParams,
  BatchNormForwardTrainParams,
  Conv2dBackwardInputParams,
  Conv2dBackwardWeightParams,
  Conv2dForwardParams,
  Conv2dGeometry,
  GroupNormBackwardParams,
  GroupNormForwardParams,
} from '../../kernels.js';
import type { Data } from '../../dtype.js';
import * as bn from './batch-norm.js';
import * as gn from './group-norm.js';
import * as conv from './conv.js';
import * as pool from './pool.js';
import { runOnNhwc } from './channel-order.js';

type Dims = readonly [number, number, number, number];

const xDims = (g: Conv2dGeometry): Dims => [g.n, g.cIn, g.h, g.w];
const yDims = (g: Conv2dGeometry): Dims => [g.n, g.cOut, g.outH, g.outW];

/** Conv forward; x and y in their own channel orders. */
export function conv2dForward(p: Conv2dForwardParams): void {
  const { geom: g, xOrder = 'nhwc', yOrder = 'nhwc' } = p;
  runOnNhwc(conv.conv2dForward, p, [
    { key: 'x', dims: xDims(g), order: xOrder, written: false },
    { key: 'y', dims: yDims(g), order: yOrder, written: true },
  ]);
}

/** Conv backward-input; dx in xOrder, dy in yOrder. */
export function conv2dBackwardInput(p: Conv2dBackwardInputParams): void {
  const { geom: g, xOrder = 'nhwc', yOrder = 'nhwc' } = p;
  if (p.overwriteDx) p.dx.fill(0);
  runOnNhwc(conv.conv2dBackwardInput, p, [
    { key: 'dx', dims: xDims(g), order: xOrder, written: true },
    { key: 'dy', dims: yDims(g), order: yOrder, written: false },
  ]);
}

/** Conv backward-weight; x in xOrder, dy in yOrder. */
export function conv2dBackwardWeight(p: Conv2dBackwardWeightParams): void {
  const { geom: g, xOrder = 'nhwc', yOrder = 'nhwc' } = p;
  runOnNhwc(conv.conv2dBackwardWeight, p, [
    { key: 'x', dims: xDims(g), order: xOrder, written: false },
    { key: 'dy', dims: yDims(g), order: yOrder, written: false },
  ]);
}

/** [M, C] batch-norm buffers as 4-D [M/hw, C, hw, 1]. */
function bnDims(p: { m: number; c: number; hw?: number; order?: string }): Dims {
  if (p.order === 'nChw16c' && !(p.hw !== undefined && p.hw > 0 && p.m % p.hw === 0)) {
    throw new Error(
      `batchNorm kernel: order nChw16c needs hw dividing m, got hw=${p.hw}, m=${p.m}`,
    );
  }
  const hw = p.hw ?? 1;
  return [p.m / hw, p.c, hw, 1];
}

/** Training batch norm in either order. */
export function batchNormForwardTrain(p: BatchNormForwardTrainParams): void {
  const d = bnDims(p);
  const order = p.order ?? 'nhwc';
  runOnNhwc(bn.batchNormForwardTrain, p, [
    { key: 'y', dims: d, order, written: true },
    { key: 'x', dims: d, order, written: false },
  ]);
}

/** Eval batch norm in either order. */
export function batchNormForwardEval(p: BatchNormForwardEvalParams): void {
  const d = bnDims(p);
  const order = p.order ?? 'nhwc';
  runOnNhwc(bn.batchNormForwardEval, p, [
    { key: 'y', dims: d, order, written: true },
    { key: 'x', dims: d, order, written: false },
  ]);
}

/** Batch-norm backward in either order. */
export function batchNormBackward(p: BatchNormBackwardParams): void {
  const d = bnDims(p);
  const order = p.order ?? 'nhwc';
  runOnNhwc(bn.batchNormBackward, p, [
    { key: 'dx', dims: d, order, written: true },
    { key: 'dy', dims: d, order, written: false },
    { key: 'x', dims: d, order, written: false },
  ]);
}

/** Fused batch norm (+ residual, ReLU) in either order; the ReLU bit mask from y (own order). */
export function batchNormActForwardTrain(p: BatchNormActForwardTrainParams): void {
  const d = bnDims(p);
  const order = p.order ?? 'nhwc';
  runOnNhwc(bn.batchNormActForwardTrain, p, [
    { key: 'y', dims: d, order, written: true },
    { key: 'x', dims: d, order, written: false },
    { key: 'residual', dims: d, order, written: false },
  ]);
  writeReluMask(p);
}

/** The ReLU bit mask of a fused forward's y (own storage order), when one was asked for. */
function writeReluMask(p: { relu: boolean; reluMask?: Uint32Array | null; y: Data }): void {
  const mask = p.reluMask;
  if (p.relu && mask) {
    mask.fill(0);
    const y = p.y;
    for (let i = 0; i < y.length; i++) if (y[i] > 0) mask[i >>> 5] |= 1 << (i & 31);
  }
}

/** A fused backward's params with its bit mask turned into a y stand-in (1 where set, else 0). */
function maskAsY<P extends { reluMask?: Uint32Array | null; y: Data | null; dy: Data }>(p: P): P {
  const mask = p.reluMask;
  if (!mask) return p;
  const y = new (p.dy.constructor as new (n: number) => Data)(p.dy.length);
  for (let i = 0; i < y.length; i++) y[i] = (mask[i >>> 5] >>> (i & 31)) & 1;
  return { ...p, y, reluMask: null };
}

/** Backward of the fused batch norm in either order. */
export function batchNormActBackward(p: BatchNormActBackwardParams): void {
  const d = bnDims(p);
  if (p.overwriteDx) p.dx.fill(0);
  if (p.overwriteDresidual && p.dresidual) p.dresidual.fill(0);
  const order = p.order ?? 'nhwc';
  runOnNhwc(bn.batchNormActBackward, maskAsY(p), [
    { key: 'dx', dims: d, order, written: true },
    { key: 'dresidual', dims: d, order, written: true },
    { key: 'y', dims: d, order, written: false },
    { key: 'dy', dims: d, order, written: false },
    { key: 'x', dims: d, order, written: false },
  ]);
}

/** [N, C, H, W] group-norm buffers as 4-D [N, C, hw, 1]. */
function gnDims(p: { n: number; c: number; hw: number; groups: number }): Dims {
  if (!(p.groups > 0 && p.c % p.groups === 0)) {
    throw new Error(`groupNorm kernel: ${p.groups} groups do not divide ${p.c} channels`);
  }
  return [p.n, p.c, p.hw, 1];
}

/** Fused group norm (+ residual, ReLU) in either order; the ReLU bit mask from y (own order). */
export function groupNormForward(p: GroupNormForwardParams): void {
  const d = gnDims(p);
  const order = p.order ?? 'nhwc';
  runOnNhwc(gn.groupNormForward, p, [
    { key: 'y', dims: d, order, written: true },
    { key: 'x', dims: d, order, written: false },
    { key: 'residual', dims: d, order, written: false },
  ]);
  writeReluMask(p);
}

/** Backward of the fused group norm in either order. */
export function groupNormBackward(p: GroupNormBackwardParams): void {
  const d = gnDims(p);
  if (p.overwriteDx) p.dx.fill(0);
  if (p.overwriteDresidual && p.dresidual) p.dresidual.fill(0);
  const order = p.order ?? 'nhwc';
  runOnNhwc(gn.groupNormBackward, maskAsY(p), [
    { key: 'dx', dims: d, order, written: true },
    { key: 'dresidual', dims: d, order, written: true },
    { key: 'y', dims: d, order, written: false },
    { key: 'dy', dims: d, order, written: false },
    { key: 'x', dims: d, order, written: false },
  ]);
}

/** Adaptive average pooling forward in either order (both buffers alike). */
export function adaptiveAvgPool2dForward(p: AdaptiveAvgPool2dParams): void {
  const order = p.order ?? 'nhwc';
  runOnNhwc(pool.adaptiveAvgPool2dForward, p, [
    { key: 'out', dims: [p.n, p.c, p.outH, p.outW], order, written: true },
    { key: 'x', dims: [p.n, p.c, p.h, p.w], order, written: false },
  ]);
}

/** Adaptive average pooling backward (out = dx [N,C,H,W], x = dy [N,C,outH,outW]). */
export function adaptiveAvgPool2dBackward(p: AdaptiveAvgPool2dParams): void {
  const order = p.order ?? 'nhwc';
  runOnNhwc(pool.adaptiveAvgPool2dBackward, p, [
    { key: 'out', dims: [p.n, p.c, p.h, p.w], order, written: true },
    { key: 'x', dims: [p.n, p.c, p.outH, p.outW], order, written: false },
  ]);
}
