/**
 * Shared wording of `smd predict` outputs: the definitions printed in the legend (table) and
 * carried in JSON, the verdict phrase of a phase, and assumption checks grouped over phases.
 */
import {
  DEFAULT_WD_RATIO,
  defaultBetas,
  type AssumptionCheck,
  type AssumptionId,
  type DynamicsOptimizer,
} from '@smd/smd';
import { epochs, int, pct, sig } from '../format/numbers.js';
import {
  MAX_SEARCH_STEPS,
  optimizerOf,
  type PhaseOutcome,
  type Prediction,
  type PredictionInput,
} from '@smd/smd/predict';

/** Plain-language definitions of the reported quantities. */
export function definitions(
  tolerance: number,
  optimizer: DynamicsOptimizer = 'sgdm',
): Record<string, string> {
  const band = `${sig(tolerance * 100, 3)}%`;
  const sgdFamily = optimizer === 'sgd' || optimizer === 'sgdm';
  const own = sgdFamily ? {} : OTHER_DEFINITIONS[optimizer];
  return {
    reaches:
      `a phase reaches equilibrium when Δ_t enters the band Δ*·(1 ± ${band}) before the phase ends ` +
      `and stays inside it until the phase's last step (Δ* of each step's own η)`,
    stepsToWithin: `steps from the phase start until Δ_t is inside the ±${band} band for good`,
    stepsNeeded:
      'for a phase that does not reach: steps from its start the recurrence needs at its η ' +
      `(searched up to ${int(MAX_SEARCH_STEPS)})`,
    deltaStar:
      'Δ* = arccos(1 − λη/(1+α)), exact fixed point of the mean-field recurrence (docs/smd-theory.md §4); ' +
      "Theorem 3's √(2λη/(1+α)) is its leading term",
    normStar:
      '‖w*‖ = (Lη / (λ(1−α)(2 − λη/(1+α))))^(1/4) (Theorem 2, exact in §4), in the units of √L',
    timeConstant:
      'τ = −1/ln ρ, ρ the spectral radius of the recurrence Jacobian at the equilibrium: ' +
      'a small deviation shrinks by e every τ steps',
    deltaEndPct: 'Δ_t at the phase’s last step as % of the phase’s Δ*',
    normEndPct: '‖w_t‖ at the phase’s end as % of the phase’s ‖w*‖',
    corollary:
      'Corollary 3.1: after η ÷ k, reaching the new equilibrium takes ≥ ⌈ln k·(1−α)/(2λη)⌉ steps',
    normDecay: 'pure weight decay alone needs ln k·(1−α)/(4λη_new) steps to shrink ‖w‖² by √k',
    rescale: 'rescaling trick: at each η ÷ k, multiply every scale-invariant weight by k^(−1/4)',
    trajectory:
      'Δ_t, ‖w_t‖ from the mean-field recurrence of docs/smd-theory.md §4 with constant L',
    ...own,
  };
}

/** "yes, from the start" / "yes, after 110,547 steps (22.09 ep)" / "NO: needs …". */
export function verdict(o: PhaseOutcome, phaseSteps: number, stepsPerEpoch: number): string {
  const span = (n: number): string =>
    stepsPerEpoch > 1 ? `${int(n)} steps (${epochs(n / stepsPerEpoch)} ep)` : `${int(n)} steps`;
  if (o.reaches) {
    return o.stepsToWithin === 0 ? 'yes, from the start' : `yes, after ${span(o.stepsToWithin!)}`;
  }
  const need = o.stepsNeeded === null ? `> ${span(MAX_SEARCH_STEPS)}` : span(o.stepsNeeded);
  return `NO: needs ${need}, phase has ${int(phaseSteps)}`;
}

/** Short verdict for the drop lines: "reaches ±5% after 9 steps" / "does not reach (ends at 37.3% of Δ*)". */
export function shortVerdict(o: PhaseOutcome, stepsPerEpoch: number): string {
  if (o.reaches) {
    if (o.stepsToWithin === 0) return 'is at equilibrium from the start';
    const ep = stepsPerEpoch > 1 ? ` (${epochs(o.stepsToWithin! / stepsPerEpoch)} ep)` : '';
    return `reaches it after ${int(o.stepsToWithin!)} steps${ep}`;
  }
  return `does NOT reach it (ends at ${pct(o.deltaEndPct)} of Δ*)`;
}

/** Definitions that differ from §4's for the optimizers beyond the paper (docs/optimizers.md). */
const OTHER_DEFINITIONS: Record<
  Exclude<DynamicsOptimizer, 'sgd' | 'sgdm'>,
  Record<string, string>
> = {
  nesterov: {
    deltaStar:
      'Δ* = fixed point of the Nesterov recurrence (derived in this project, docs/optimizers.md); ' +
      'leading term √(2λη/(1+α)·[(1+α)²(1−α²) + α⁴]), 1.16× SGDM’s at α = 0.9',
    normStar: '‖w*‖ = fixed point of the Nesterov recurrence, in the units of √L (≈ SGDM’s)',
    trajectory: 'Δ_t, ‖w_t‖ from the Nesterov recurrence of docs/optimizers.md with constant L',
  },
  adamw: {
    deltaStar:
      'Δ* = fixed point of the decoupled recurrence (docs/optimizers.md); leading term ' +
      '√(2ηλ(1−β1)/(1+β1)) (Kosson et al. 2024, confirmed by simulation)',
    normStar: '‖w*‖ = √(ηd/(2λ)) to leading order: fixed by η, λ and d = --dim alone (no L)',
    rescale: 'rescaling trick: at each η ÷ k, multiply every scale-invariant weight by k^(−1/2)',
    normDecay: 'pure weight decay alone needs ln k/(2λη_new) steps to shrink ‖w‖² by k',
    trajectory:
      'Δ_t, ‖w_t‖ from the decoupled recurrence of docs/optimizers.md (Adam’s v lag included)',
  },
  lion: {
    deltaStar:
      'Δ* = √(2ηλ/S) to leading order, S the Gaussian sign-correlation sum (derived in this ' +
      'project; Kosson et al.’s Lion formula disagrees with simulation, docs/optimizers.md)',
    normStar: '‖w*‖ = √(ηdS/(2λ)) to leading order: fixed by η, λ, β and d = --dim alone',
    rescale: 'rescaling trick: at each η ÷ k, multiply every scale-invariant weight by k^(−1/2)',
    normDecay: 'pure weight decay alone needs ln k/(2λη_new) steps to shrink ‖w‖² by k',
    trajectory: 'Δ_t, ‖w_t‖ from the decoupled recurrence of docs/optimizers.md',
  },
  sgdp: {
    deltaStar:
      'Δ* = arccos(1 − κ), κ = ηλr/(1−α) the per-step shrink of a projected tensor (derived in ' +
      'this project, docs/optimizers.md); α drops out: the projection removes the radial step',
    normStar:
      '‖w*‖ = fixed point of the projected recurrence, in the units of √L; ≈ (ηL/(2λr(1+α)))^(1/4) ' +
      'less the momentum buffer’s discarded radial part',
    normDecay: 'pure weight decay alone needs ln k/(4κ_new) steps to shrink ‖w‖² by √k',
    trajectory:
      'Δ_t, ‖w_t‖ from the projected recurrence of docs/optimizers.md (buffer energy and its radial part) with constant L',
  },
  adamp: {
    deltaStar:
      'Δ* = arccos(1 − κ), κ = ηλr the per-step shrink of a projected tensor (derived in this ' +
      'project, docs/optimizers.md); β1 drops out: the projection removes the radial step',
    normStar:
      '‖w*‖ ≈ √(ηd(1−β1)/(2λr(1+β1))) less the first moment’s discarded radial part: fixed by η, λ, r, β and d = --dim',
    rescale: 'rescaling trick: at each η ÷ k, multiply every scale-invariant weight by k^(−1/2)',
    normDecay: 'pure weight decay alone needs ln k/(2κ_new) steps to shrink ‖w‖² by k',
    trajectory:
      'Δ_t, ‖w_t‖ from the projected recurrence of docs/optimizers.md (Adam’s v lag included)',
  },
};

/** "SGD with momentum α = 0.9, coupled weight decay, L = 1" — the optimizer line of every output. */
export function algoLabel(o: PredictionInput, short = false): string {
  const opt = optimizerOf(o);
  const betas = o.betas ?? defaultBetas(opt);
  const b = `β = (${betas[0]}, ${betas[1]})`;
  const dim = o.dim ?? 576;
  const r = o.wdRatio ?? DEFAULT_WD_RATIO;
  switch (opt) {
    case 'sgd':
      return short ? 'SGD' : `plain SGD (α = 0), coupled weight decay, L = ${sig(o.L)}`;
    case 'sgdm':
      return short
        ? `SGDM α = ${o.momentum}`
        : `SGD with momentum α = ${o.momentum}, coupled weight decay, L = ${sig(o.L)}`;
    case 'nesterov':
      return short
        ? `Nesterov α = ${o.momentum}`
        : `SGD with Nesterov momentum α = ${o.momentum}, coupled weight decay, L = ${sig(o.L)}`;
    case 'adamw':
      return short ? `AdamW ${b}` : `AdamW ${b}, decoupled weight decay, d = ${dim} weights`;
    case 'lion':
      return short ? `Lion ${b}` : `Lion ${b}, decoupled weight decay, d = ${dim} weights`;
    case 'sgdp':
      return short
        ? `SGDP α = ${o.momentum}, r = ${r}`
        : `SGDP α = ${o.momentum}, projected steps, decay ηλr/(1−α) with r = ${r}, L = ${sig(o.L)}`;
    case 'adamp':
      return short
        ? `AdamP ${b}, r = ${r}`
        : `AdamP ${b}, projected steps, decay ηλr with r = ${r}, d = ${dim} weights`;
  }
}

/** One assumption aggregated over phases. */
export interface AssumptionSummary {
  id: AssumptionId;
  description: string;
  /** true: holds in every phase; false: fails in some; null: cannot be checked without data. */
  holds: boolean | null;
  /** 1-based phases where it fails. */
  failingPhases: number[];
  detail: string;
}

/** Groups per-phase assumption checks by id. */
export function summarizeAssumptions(p: Prediction): AssumptionSummary[] {
  const byId = new Map<
    AssumptionId,
    { first: AssumptionCheck; fails: number[]; unknown: boolean; failDetail: string[] }
  >();
  for (const ph of p.phases) {
    for (const c of ph.assumptions) {
      let e = byId.get(c.id);
      if (!e) {
        e = { first: c, fails: [], unknown: false, failDetail: [] };
        byId.set(c.id, e);
      }
      if (c.holds === null) e.unknown = true;
      if (c.holds === false) {
        e.fails.push(ph.index);
        e.failDetail.push(`phase ${ph.index}: ${c.detail}`);
      }
    }
  }
  return [...byId.values()].map((e) => ({
    id: e.first.id,
    description: e.first.description,
    holds: e.unknown ? null : e.fails.length === 0,
    failingPhases: e.fails,
    detail: e.unknown
      ? e.first.detail
      : e.fails.length > 0
        ? e.failDetail.join('; ')
        : p.phases.length > 1
          ? `all phases (phase 1: ${e.first.detail})`
          : e.first.detail,
  }));
}
