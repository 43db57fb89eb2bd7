/**
 * The rescaling trick at an lr drop by k (docs/smd-theory.md §3): every scale-invariant weight
 * is divided by k^{1/4} (@smd/smd rescaleScaleInvariant, momentum buffers kept). The train-mode
 * function is unchanged; so that the eval-mode function is too, the running statistics of every
 * normalization that absorbs a rescaled weight (the detector's `norms`, read from the op records
 * on the tape) are rescaled with it: its input is k'^degree times itself, so mean × f^degree and
 * var × f^(2·degree), degrees adding up over the rescaled weights that feed it.
 */
import type { Module } from '@smd/engine';
import { rescaleScaleInvariant, type AnyOptimizer, type ScaleInvarianceResult } from '@smd/smd';

/**
 * Applies the trick for a drop by k; returns the names rescaled. Throws (before changing
 * anything) when a normalization with running statistics sees a rescaled weight through a
 * bias: its running mean would then not scale by a factor.
 */
export function applyRescale(
  model: Module,
  opt: AnyOptimizer,
  detection: readonly ScaleInvarianceResult[],
  k: number,
): string[] {
  const buffers = new Map(model.namedBuffers());
  const stat = (module: string, name: string) => buffers.get(module ? `${module}.${name}` : name);
  const invariant = detection.filter((r) => r.scaleInvariant);
  /** module name → summed degree of its input under the rescaling */
  const degrees = new Map<string, number>();
  for (const r of invariant) {
    for (const u of r.norms) {
      if (stat(u.module, 'running_mean') === undefined) continue;
      if (u.shifted) {
        throw new Error(
          `rescale: ${r.param} reaches ${u.kind} ${u.module} through a bias, so its running mean cannot be rescaled`,
        );
      }
      degrees.set(u.module, (degrees.get(u.module) ?? 0) + u.degree);
    }
  }
  const names = rescaleScaleInvariant(opt, detection, k);
  const f = Math.pow(k, -0.25);
  for (const [name, degree] of degrees) {
    const fm = Math.pow(f, degree);
    const mean = stat(name, 'running_mean');
    const variance = stat(name, 'running_var');
    if (mean) for (let i = 0; i < mean.data.length; i++) mean.data[i] *= fm;
    if (variance) for (let i = 0; i < variance.data.length; i++) variance.data[i] *= fm * fm;
  }
  return names;
}
