/**
 * The pooling, softmax / cross-entropy and optimizer kernels of the native backend (split from
 * native-kernels.ts). Float64 buffers go to the TS kernel, as everywhere in this package.
 */
import {
  tsKernels,
  type AdaptiveAvgPool2dParams,
  type Data,
  type Kernels,
  type Pool2dGeometry,
} from '@smd/engine';
import type { NativeAddon } from './addon.js';

/** True for Float32Array or null (the buffers the addon accepts). */
function isF32(d: Data | null): d is Float32Array | null {
  return d === null || d instanceof Float32Array;
}

/** Kernels of the pooling, loss and optimizer groups over a loaded addon. */
export type PoolLossOptimKernels = Pick<
  Kernels,
  | 'maxPool2dForward'
  | 'maxPool2dBackward'
  | 'avgPool2dForward'
  | 'avgPool2dBackward'
  | 'adaptiveAvgPool2dForward'
  | 'adaptiveAvgPool2dBackward'
  | 'logSoftmaxForward'
  | 'logSoftmaxBackward'
  | 'crossEntropyForward'
  | 'crossEntropyBackward'
  | 'sgdStep'
  | 'adamStep'
>;

/** Build the pooling, loss and optimizer kernels. */
export function createPoolLossOptimKernels(a: NativeAddon): PoolLossOptimKernels {
  return {
    maxPool2dForward(p) {
      const { y, argmax, x, geom: g } = p;
      if (!(y instanceof Float32Array && x instanceof Float32Array))
        return tsKernels.maxPool2dForward(p);
      a.maxPool2dForward(y, argmax, x, ...poolArgs(g));
    },
    maxPool2dBackward(p) {
      const { dx, dy, argmax, geom: g } = p;
      if (!(dx instanceof Float32Array && dy instanceof Float32Array))
        return tsKernels.maxPool2dBackward(p);
      a.maxPool2dBackward(dx, dy, argmax, ...poolArgs(g));
    },
    avgPool2dForward(p) {
      const { y, x, geom: g } = p;
      if (!(y instanceof Float32Array && x instanceof Float32Array))
        return tsKernels.avgPool2dForward(p);
      a.avgPool2dForward(y, x, ...poolArgs(g));
    },
    avgPool2dBackward(p) {
      const { dx, dy, geom: g } = p;
      if (!(dx instanceof Float32Array && dy instanceof Float32Array))
        return tsKernels.avgPool2dBackward(p);
      a.avgPool2dBackward(dx, dy, ...poolArgs(g));
    },
    adaptiveAvgPool2dForward(p) {
      if (!adaptive(a, p, 0)) tsKernels.adaptiveAvgPool2dForward(p);
    },
    adaptiveAvgPool2dBackward(p) {
      if (!adaptive(a, p, 1)) tsKernels.adaptiveAvgPool2dBackward(p);
    },
    logSoftmaxForward(p) {
      if (!(p.y instanceof Float32Array && p.x instanceof Float32Array))
        return tsKernels.logSoftmaxForward(p);
      a.logSoftmaxForward(p.y, p.x, p.rows, p.cols);
    },
    logSoftmaxBackward(p) {
      const { dx, dy, y } = p;
      if (!(
        dx instanceof Float32Array &&
        dy instanceof Float32Array &&
        y instanceof Float32Array
      )) {
        return tsKernels.logSoftmaxBackward(p);
      }
      a.logSoftmaxBackward(dx, dy, y, p.rows, p.cols);
    },
    crossEntropyForward(p) {
      const { losses, logProb, logits } = p;
      if (!(
        losses instanceof Float32Array &&
        logProb instanceof Float32Array &&
        logits instanceof Float32Array
      )) {
        return tsKernels.crossEntropyForward(p);
      }
      a.crossEntropyForward(losses, logProb, logits, p.labels, p.rows, p.cols, p.labelSmoothing);
    },
    crossEntropyBackward(p) {
      const { dlogits, logProb } = p;
      if (!(dlogits instanceof Float32Array && logProb instanceof Float32Array)) {
        return tsKernels.crossEntropyBackward(p);
      }
      a.crossEntropyBackward(dlogits, logProb, p.labels, p.rows, p.cols, p.labelSmoothing, p.scale);
    },
    sgdStep(p) {
      const { param, momentumBuf, grad } = p;
      if (!(param instanceof Float32Array && isF32(momentumBuf) && grad instanceof Float32Array)) {
        return tsKernels.sgdStep(p);
      }
      a.sgdStep(
        param,
        momentumBuf,
        grad,
        p.n,
        p.lr,
        p.momentum,
        p.dampening,
        p.weightDecay,
        p.nesterov ? 1 : 0,
        p.firstStep ? 1 : 0,
      );
    },
    adamStep(p) {
      const { param, expAvg, expAvgSq, grad } = p;
      if (!(
        param instanceof Float32Array &&
        expAvg instanceof Float32Array &&
        expAvgSq instanceof Float32Array &&
        grad instanceof Float32Array
      )) {
        return tsKernels.adamStep(p);
      }
      a.adamStep(
        param,
        expAvg,
        expAvgSq,
        grad,
        p.n,
        p.lr,
        p.beta1,
        p.beta2,
        p.eps,
        p.weightDecay,
        p.decoupled ? 1 : 0,
        p.step,
      );
    },
  };
}

/** Pool geometry in the addon's argument order. */
function poolArgs(g: Pool2dGeometry): number[] {
  return [g.n, g.c, g.h, g.w, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW];
}

function adaptive(a: NativeAddon, p: AdaptiveAvgPool2dParams, backward: number): boolean {
  if (!(p.out instanceof Float32Array && p.x instanceof Float32Array)) return false;
  a.adaptiveAvgPool2d(
    backward,
    p.out,
    p.x,
    p.n,
    p.c,
    p.h,
    p.w,
    p.outH,
    p.outW,
    p.order === 'nChw16c' ? 1 : 0,
  );
  return true;
}
