/**
 * Weight normalization (torch.nn.utils.weight_norm): replaces parameter `name` of a module by
 * `name_g` (magnitude) and `name_v` (direction), w = g · v / ‖v‖, the norm taken over every axis
 * except `dim` (dim = null: over the whole tensor, g a scalar). As in torch, `name` is removed
 * from the parameters and `name_g`, `name_v` are appended after the remaining ones, so a Conv2d's
 * state dict reads `bias, weight_g, weight_v`. w is recomputed (with autograd) on every access.
 * The layer's output is invariant to the scale of v: each `name_v` is scale-invariant.
 */
import { div, mul } from '../ops/elementwise.js';
import { norm } from '../ops/reduce.js';
import { normalizeAxis } from '../shape.js';
import type { Module } from './module.js';

function exceptAxes(rank: number, dim: number | null): number[] {
  const axes: number[] = [];
  for (let i = 0; i < rank; i++) if (i !== dim) axes.push(i);
  return axes;
}

/**
 * Apply weight norm to `module.name` (default 'weight', dim 0 = one magnitude per output
 * channel). g starts at ‖v‖ so the layer computes the same function. Returns the module.
 */
export function weightNorm<M extends Module>(
  module: M,
  name = 'weight',
  dim: number | null = 0,
): M {
  if (module.isParametrized(name)) {
    throw new Error(
      `weightNorm: '${name}' of ${module.constructor.name} is already weight-normalized`,
    );
  }
  const w = module.getParameter(name);
  if (w === null) throw new Error(`weightNorm: parameter '${name}' is absent`);
  const d = dim === null ? null : normalizeAxis(dim, w.ndim);
  const axes = exceptAxes(w.ndim, d);
  const v = w.clone();
  // g = ‖v‖ over `axes`, shape with 1 on every reduced axis (torch norm_except_dim).
  const g = d === null ? norm(v).detach().clone() : norm(v, axes, true).detach().clone();
  module.deleteParameter(name);
  module.registerParameter(`${name}_g`, g);
  module.registerParameter(`${name}_v`, v);
  module.setParametrization(name, () => {
    const gv = module.getParameter(`${name}_g`)!;
    const vv = module.getParameter(`${name}_v`)!;
    const n = d === null ? norm(vv) : norm(vv, axes, true);
    return mul(vv, div(gv, n));
  });
  return module;
}

/** Undo `weightNorm`: `name` becomes a plain parameter holding the current g·v/‖v‖. */
export function removeWeightNorm<M extends Module>(module: M, name = 'weight'): M {
  if (!module.isParametrized(name)) {
    throw new Error(
      `removeWeightNorm: '${name}' of ${module.constructor.name} is not weight-normalized`,
    );
  }
  const w = module.getParameter(name)!.detach().clone();
  module.clearParametrization(name);
  module.deleteParameter(`${name}_g`);
  module.deleteParameter(`${name}_v`);
  module.registerParameter(name, w);
  return module;
}
