/**
 * The rescaling trick at an lr drop by k (docs/smd-theory.md §3): every scale-invariant weight
 * is divided by k^{1/4} (@smd/smd rescaleScaleInvariant, momentum buffers kept). The train-mode
 * function is unchanged; so that the eval-mode function is too, the running statistics of the
 * BatchNorm directly fed by a rescaled conv are rescaled with it (mean × f, var × f²).
 */
import type { Module, Tensor } from '@smd/engine';
import { rescaleScaleInvariant, type AnyOptimizer, type ScaleInvarianceResult } from '@smd/smd';

/** The BatchNorm module name fed by conv weight `param` in the built-in models, or null. */
export function bnAfter(param: string, modules: Map<string, Module>): string | null {
  const mod = param.replace(/\.weight(_v|_g)?$/, '');
  const candidates: string[] = [];
  let m: RegExpExecArray | null;
  if ((m = /^(.*?)(conv)(\d+)$/.exec(mod))) candidates.push(`${m[1]}bn${m[3]}`);
  if ((m = /^(.*)\.(\d+)$/.exec(mod))) candidates.push(`${m[1]}.${Number(m[2]) + 1}`);
  for (const c of candidates) {
    const bn = modules.get(c);
    if (bn !== undefined && bn.constructor.name === 'BatchNorm2d') return c;
  }
  return null;
}

/**
 * Applies the trick for a drop by k; returns the names rescaled. Running stats of the BN after
 * each rescaled tensor (when found) are rescaled too.
 */
export function applyRescale(
  model: Module,
  opt: AnyOptimizer,
  detection: readonly ScaleInvarianceResult[],
  k: number,
): string[] {
  const names = rescaleScaleInvariant(opt, detection, k);
  const f = Math.pow(k, -0.25);
  const modules = new Map(model.namedModules());
  for (const name of names) {
    if (!name.endsWith('.weight')) continue; // weight_v: w = g·v/‖v‖ does not change
    const bn = bnAfter(name, modules);
    if (bn === null) continue;
    const mod = modules.get(bn)!;
    const mean = mod.getBuffer('running_mean') as Tensor | null;
    const variance = mod.getBuffer('running_var') as Tensor | null;
    if (mean) for (let i = 0; i < mean.data.length; i++) mean.data[i] *= f;
    if (variance) for (let i = 0; i < variance.data.length; i++) variance.data[i] *= f * f;
  }
  return names;
}
