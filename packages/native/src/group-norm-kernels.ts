/**
 * The group-norm kernels of the native backend (fused residual add and ReLU; LayerNorm of conv
 * nets is the one-group case). Float64 buffers go to the TS kernel, as everywhere in this package.
 */
import { tsKernels, type Kernels } from '@smd/engine';
import { isF32, type NativeAddon } from './addon.js';

/** Build the group-norm kernels over a loaded addon. */
export function createGroupNormKernels(
  a: NativeAddon,
): Pick<Kernels, 'groupNormForward' | 'groupNormBackward'> {
  return {
    groupNormForward(p) {
      const { y, mean, invStd, x, gamma, beta, residual } = p;
      if (!(
        y instanceof Float32Array &&
        mean instanceof Float32Array &&
        invStd instanceof Float32Array &&
        x instanceof Float32Array &&
        isF32(gamma) &&
        isF32(beta) &&
        isF32(residual)
      )) {
        return tsKernels.groupNormForward(p);
      }
      a.groupNormForward(
        y,
        mean,
        invStd,
        x,
        gamma,
        beta,
        residual,
        p.relu ? 1 : 0,
        p.n,
        p.c,
        p.hw,
        p.groups,
        p.eps,
        p.order === 'nChw16c' ? 1 : 0,
        p.reluMask ?? null,
      );
    },
    groupNormBackward(p) {
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
        return tsKernels.groupNormBackward(p);
      }
      a.groupNormBackward(
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
        p.n,
        p.c,
        p.hw,
        p.groups,
        p.order === 'nChw16c' ? 1 : 0,
        p.overwriteDx ? 1 : 0,
        p.overwriteDresidual ? 1 : 0,
        p.reluMask ?? null,
      );
    },
  };
}
