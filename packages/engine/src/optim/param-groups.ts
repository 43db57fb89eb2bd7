/**
 * Split parameters into a decayed and a non-decayed group, the usual recipe of "no weight decay
 * on normalization γ/β and biases". Which parameters are normalization parameters is decided by
 * shape and name: every 1-D parameter (BN/GN/LN γ and β, biases) and every name ending in
 * `.bias` goes to the no-decay group; weight-norm gains `weight_g` stay with the decayed group
 * unless `decayWeightNormGain` is false.
 */
import type { NamedParam } from './optimizer.js';

/** A param group with an optional weight-decay override (fits every optimizer's group type). */
export interface DecayGroup {
  params: NamedParam[];
  weightDecay?: number;
}

/** Options of `splitDecayParams`. */
export interface SplitDecayOptions {
  /** λ of the decayed group; omitted = the optimizer's default */
  weightDecay?: number;
  /** put `*.weight_g` (weight-norm gains) in the decayed group; default true */
  decayWeightNormGain?: boolean;
  /** extra predicate: return true to force a parameter into the no-decay group */
  noDecay?: (name: string, shape: readonly number[]) => boolean;
}

/** Whether a parameter is exempt from decay under the default rule (1-D or a bias). */
export function isNoDecayParam(
  name: string,
  shape: readonly number[],
  decayWeightNormGain = true,
): boolean {
  if (name.endsWith('.weight_g') || name === 'weight_g') return !decayWeightNormGain;
  return shape.length <= 1 || name.endsWith('.bias') || name === 'bias';
}

/**
 * Two torch-style param groups: `[ { params: decayed, weightDecay? }, { params: rest,
 * weightDecay: 0 } ]`. Empty groups are omitted (an optimizer rejects them). Order within each
 * group follows the input order.
 */
export function splitDecayParams(
  named: Iterable<NamedParam>,
  opts: SplitDecayOptions = {},
): DecayGroup[] {
  const decay: NamedParam[] = [];
  const rest: NamedParam[] = [];
  for (const np of named) {
    const [name, t] = np;
    const exempt =
      isNoDecayParam(name, t.shape, opts.decayWeightNormGain ?? true) ||
      (opts.noDecay?.(name, t.shape) ?? false);
    (exempt ? rest : decay).push(np);
  }
  const groups: DecayGroup[] = [];
  if (decay.length > 0) {
    groups.push(
      opts.weightDecay === undefined
        ? { params: decay }
        : { params: decay, weightDecay: opts.weightDecay },
    );
  }
  if (rest.length > 0) groups.push({ params: rest, weightDecay: 0 });
  return groups;
}
