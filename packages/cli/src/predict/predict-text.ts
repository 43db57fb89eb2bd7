/**
 * Shared wording of `smd predict` outputs: the definitions printed in the legend (table) and
 * carried in JSON, the verdict phrase of a phase, and assumption checks grouped over phases.
 */
import type { AssumptionCheck, AssumptionId } from '@smd/smd';
import { epochs, int, pct, sig } from '../format/numbers.js';
import { MAX_SEARCH_STEPS, type PhaseOutcome, type Prediction } from '@smd/smd/predict';

/** Plain-language definitions of the reported quantities. */
export function definitions(tolerance: number): Record<string, string> {
  const band = `${sig(tolerance * 100, 3)}%`;
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
