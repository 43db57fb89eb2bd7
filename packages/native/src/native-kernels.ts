/**
 * The engine's `Kernels` on top of the C++ addon. Every kernel has a native implementation for
 * Float32Array buffers. Two route small or unusual calls to the TS kernel at call time, where a
 * native call cannot win: `binary` and `copyStrided` below SMALL elements (reading JS shape and
 * stride arrays costs more than the work). Float64 buffers never reach a backend (the engine runs
 * them on TS), but are routed to TS here too, so every entry point is total.
 */
import {
  tsKernels,
  type Data,
  type BinaryOp,
  type ChannelOrder,
  type Kernels,
  type ScalarOp,
  type UnaryOp,
} from '@smd/engine';
import { convGeomArgs, type NativeAddon } from './addon.js';
import { createGroupNormKernels } from './group-norm-kernels.js';
import { createPoolLossOptimKernels } from './pool-loss-optim-kernels.js';

/** Below this many elements, strided kernels run in TS (per-call array marshalling dominates). */
const SMALL = 4096;

const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY: Record<UnaryOp, number> = { neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, relu: 5 };
const SCALAR: Record<ScalarOp, number> = { add: 0, mul: 1, pow: 2, rsub: 3, rdiv: 4 };

function isF32(d: Data | null): d is Float32Array | null {
  return d === null || d instanceof Float32Array;
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The addon's trailing batch-norm arguments: order (0 NHWC, 1 nChw16c) and pixels per image. */
function bnOrder(p: { order?: ChannelOrder; hw?: number }): [number, number] {
  return p.order === 'nChw16c' ? [1, p.hw ?? 0] : [0, 1];
}

/** Build the Kernels object over a loaded addon. */
export function createNativeKernels(a: NativeAddon): Kernels {
  return {
    binary(p) {
      if (
        !(p.out instanceof Float32Array && isF32(p.a) && isF32(p.b)) ||
        numelOf(p.shape) < SMALL
      ) {
        tsKernels.binary(p);
        return;
      }
      a.binary(
        BINARY[p.op],
        p.out,
        p.a as Float32Array,
        p.b as Float32Array,
        p.shape,
        p.outStrides,
        p.aStrides,
        p.bStrides,
      );
    },
    unary(p) {
      if (!(p.out instanceof Float32Array && p.x instanceof Float32Array))
        return tsKernels.unary(p);
      a.unary(UNARY[p.op], p.out, p.x, p.n);
    },
    scalar(p) {
      if (!(p.out instanceof Float32Array && p.x instanceof Float32Array))
        return tsKernels.scalar(p);
      a.scalar(SCALAR[p.op], p.out, p.x, p.s, p.n);
    },
    reluBackward(p) {
      const { dx, dy, y } = p;
      if (!(
        dx instanceof Float32Array &&
        dy instanceof Float32Array &&
        y instanceof Float32Array
      )) {
        return tsKernels.reluBackward(p);
      }
      a.reluBackward(dx, dy, y, p.n);
    },
    sumAxis(p) {
      if (!(p.out instanceof Float32Array && p.x instanceof Float32Array))
        return tsKernels.sumAxis(p);
      a.sumAxis(p.out, p.x, p.outer, p.mid, p.inner);
    },
    copyStrided(p) {
      if (
        !(p.out instanceof Float32Array && p.x instanceof Float32Array) ||
        numelOf(p.shape) < SMALL
      ) {
        tsKernels.copyStrided(p);
        return;
      }
      a.copyStrided(p.out, p.x, p.shape, p.xStrides);
    },
    matmul(p) {
      if (!(
        p.out instanceof Float32Array &&
        p.a instanceof Float32Array &&
        p.b instanceof Float32Array
      )) {
        return tsKernels.matmul(p);
      }
      a.matmul(
        p.out,
        p.a,
        p.b,
        p.batch,
        p.m,
        p.n,
        p.k,
        p.transA ? 1 : 0,
        p.transB ? 1 : 0,
        p.aBatchStride,
        p.bBatchStride,
        p.accumulate ? 1 : 0,
      );
    },
    conv2dForward(p) {
      const { y, x, weight, bias, geom: g } = p;
      if (!(
        y instanceof Float32Array &&
        x instanceof Float32Array &&
        weight instanceof Float32Array &&
        isF32(bias)
      )) {
        return tsKernels.conv2dForward(p);
      }
      a.conv2dForward(y, x, weight, bias, ...convGeomArgs(g, p.xOrder, p.yOrder));
    },
    conv2dBackwardInput(p) {
      const { dx, dy, weight, geom: g } = p;
      if (!(
        dx instanceof Float32Array &&
        dy instanceof Float32Array &&
        weight instanceof Float32Array
      )) {
        return tsKernels.conv2dBackwardInput(p);
      }
      a.conv2dBackwardData(
        dx,
        dy,
        weight,
        p.overwriteDx ? 0 : 1,
        ...convGeomArgs(g, p.xOrder, p.yOrder),
      );
    },
    conv2dBackwardWeight(p) {
      const { dweight, dbias, dy, x, geom: g } = p;
      if (!(
        dweight instanceof Float32Array &&
        isF32(dbias) &&
        dy instanceof Float32Array &&
        x instanceof Float32Array
      )) {
        return tsKernels.conv2dBackwardWeight(p);
      }
      a.conv2dBackwardWeights(dweight, dbias, x, dy, 1, ...convGeomArgs(g, p.xOrder, p.yOrder));
    },
    batchNormForwardTrain(p) {
      const { y, mean, varBiased, invStd, x, gamma, beta } = p;
      if (!(
        y instanceof Float32Array &&
        mean instanceof Float32Array &&
        varBiased instanceof Float32Array &&
        invStd instanceof Float32Array &&
        x instanceof Float32Array &&
        isF32(gamma) &&
        isF32(beta)
      )) {
        return tsKernels.batchNormForwardTrain(p);
      }
      a.batchNormForwardTrain(
        y,
        mean,
        varBiased,
        invStd,
        x,
        gamma,
        beta,
        p.m,
        p.c,
        p.eps,
        ...bnOrder(p),
      );
    },
    batchNormForwardEval(p) {
      const { y, x, mean, variance, gamma, beta } = p;
      if (!(
        y instanceof Float32Array &&
        x instanceof Float32Array &&
        mean instanceof Float32Array &&
        variance instanceof Float32Array &&
        isF32(gamma) &&
        isF32(beta)
      )) {
        return tsKernels.batchNormForwardEval(p);
      }
      a.batchNormForwardEval(y, x, mean, variance, gamma, beta, p.m, p.c, p.eps, ...bnOrder(p));
    },
    batchNormBackward(p) {
      const { dx, dgamma, dbeta, dy, x, mean, invStd, gamma } = p;
      if (!(
        dx instanceof Float32Array &&
        isF32(dgamma) &&
        isF32(dbeta) &&
        dy instanceof Float32Array &&
        x instanceof Float32Array &&
        mean instanceof Float32Array &&
        invStd instanceof Float32Array &&
        isF32(gamma)
      )) {
        return tsKernels.batchNormBackward(p);
      }
      a.batchNormBackward(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, p.m, p.c, ...bnOrder(p));
    },
    batchNormActForwardTrain(p) {
      const { y, mean, varBiased, invStd, x, gamma, beta, residual } = p;
      if (!(
        y instanceof Float32Array &&
        mean instanceof Float32Array &&
        varBiased instanceof Float32Array &&
        invStd instanceof Float32Array &&
        x instanceof Float32Array &&
        isF32(gamma) &&
        isF32(beta) &&
        isF32(residual)
      )) {
        return tsKernels.batchNormActForwardTrain(p);
      }
      a.batchNormForwardTrainAct(
        y,
        mean,
        varBiased,
        invStd,
        x,
        gamma,
        beta,
        residual,
        p.relu ? 1 : 0,
        p.m,
        p.c,
        p.eps,
        ...bnOrder(p),
        p.reluMask ?? null,
      );
    },
    batchNormActBackward(p) {
      const { dx, dgamma, dbeta, dresidual, y, dy, x, mean, invStd, gamma } = p;
      if (!(
        dx instanceof Float32Array &&
        isF32(dgamma) &&
        isF32(dbeta) &&
        isF32(dresidual) &&
        isF32(y) &&
        dy instanceof Float32Array &&
        x instanceof Float32Array &&
        mean instanceof Float32Array &&
        invStd instanceof Float32Array &&
        isF32(gamma)
      )) {
        return tsKernels.batchNormActBackward(p);
      }
      a.batchNormBackwardAct(
        dx,
        dgamma,
        dbeta,
        dresidual,
        y,
        dy,
        x,
        mean,
        invStd,
        gamma,
        p.m,
        p.c,
        ...bnOrder(p),
        p.overwriteDx ? 1 : 0,
        p.overwriteDresidual ? 1 : 0,
        p.reluMask ?? null,
      );
    },
    ...createGroupNormKernels(a),
    ...createPoolLossOptimKernels(a),
  };
}
