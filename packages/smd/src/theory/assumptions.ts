import { checkHyper } from './types.js';

/** Threshold used for "λη ≪ 1" (Theorems 1 and 2, §3): λη ≤ 1e-2. */
export const SMALL_LAMBDA_ETA = 1e-2;

/** Ids of the assumption checks (closed set). */
export type AssumptionId =
  'lambda-eta-small' | 'momentum-range' | 'lambda-eta-momentum' | 'lower-bound-l' | 'smoothness';

/** One assumption of Theorems 1–3 (§3) and whether it holds (null: cannot tell without data). */
export interface AssumptionCheck {
  id: AssumptionId;
  description: string;
  holds: boolean | null;
  detail: string;
}

/** Input of `checkAssumptions`. */
export interface AssumptionInput {
  lr: number;
  wd: number;
  momentum?: number;
  /** L_t (a typical value), needed for the lower bound on l. */
  L?: number;
  /** V: bound on the variance of ‖g̃‖² (§3), needed for the smoothness check. */
  V?: number;
  /** l: lower bound on ‖g̃‖² (§3). */
  l?: number;
  /** Measured L_t series (e.g. windowed), for |L_{t+1} − L_t| < 4√V(λη)^{3/2}. */
  Lseries?: ArrayLike<number>;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(4) : String(x));

/**
 * Checks the assumptions of Theorems 1/2 (§3): λη ≪ 1 (≤ SMALL_LAMBDA_ETA = 1e-2);
 * α ∈ (½, 1) and λη < (1−√α)² (Theorem 2, SGDM); l > 2[2λη/(1−2λη)]²L (SGD) or
 * l > 2[6λη/((1−α)³(1+α) − 8λη(1−α))]²L (SGDM); |L_{t+1} − L_t| < 4√V(λη)^{3/2} over `Lseries`.
 * For α = 0 the momentum items report Theorem 1 (no α condition) as holding.
 */
export function checkAssumptions(p: AssumptionInput): AssumptionCheck[] {
  checkHyper(p, 'checkAssumptions');
  const a = p.momentum ?? 0;
  const le = p.lr * p.wd;
  const sgd = a === 0;
  const out: AssumptionCheck[] = [];

  out.push({
    id: 'lambda-eta-small',
    description: `λη ≪ 1 (taken as λη ≤ ${SMALL_LAMBDA_ETA})`,
    holds: le <= SMALL_LAMBDA_ETA,
    detail: `λη = ${fmt(le)}`,
  });

  out.push({
    id: 'momentum-range',
    description: 'Theorem 2 (SGDM) needs α ∈ (½, 1)',
    holds: sgd ? true : a > 0.5 && a < 1,
    detail: sgd
      ? 'α = 0: plain SGD, Theorem 1 applies (no condition on α)'
      : `α = ${a}${a > 0.5 ? '' : ' (outside the theorem; the exact recurrence of §4 still applies)'}`,
  });

  const bound = (1 - Math.sqrt(a)) ** 2;
  out.push({
    id: 'lambda-eta-momentum',
    description: 'Theorem 2 (SGDM) needs λη < (1 − √α)²',
    holds: le < bound,
    detail: `λη = ${fmt(le)}, (1 − √α)² = ${fmt(bound)}`,
  });

  if (p.L === undefined || p.l === undefined) {
    out.push({
      id: 'lower-bound-l',
      description: 'lower bound l on ‖g̃‖² large enough',
      holds: null,
      detail: 'needs L and l (measured unit-gradient norms)',
    });
  } else {
    let need: number;
    let formula: string;
    if (sgd) {
      need = 2 * ((2 * le) / (1 - 2 * le)) ** 2 * p.L;
      formula = 'l > 2[2λη/(1−2λη)]²L';
    } else {
      const den = (1 - a) ** 3 * (1 + a) - 8 * le * (1 - a);
      need = den > 0 ? 2 * ((6 * le) / den) ** 2 * p.L : Infinity;
      formula = 'l > 2[6λη/((1−α)³(1+α) − 8λη(1−α))]²L';
    }
    out.push({
      id: 'lower-bound-l',
      description: `lower bound l on ‖g̃‖²: ${formula}`,
      holds: p.l > need,
      detail: `l = ${fmt(p.l)}, required > ${fmt(need)}`,
    });
  }

  if (p.V === undefined || p.Lseries === undefined || p.Lseries.length < 2) {
    out.push({
      id: 'smoothness',
      description: '|L_{t+1} − L_t| < 4√V(λη)^{3/2}',
      holds: null,
      detail: 'needs V and a measured L_t series (≥ 2 values)',
    });
  } else {
    let maxJump = 0;
    let at = 0;
    for (let t = 0; t + 1 < p.Lseries.length; t++) {
      const j = Math.abs(p.Lseries[t + 1] - p.Lseries[t]);
      if (j > maxJump) {
        maxJump = j;
        at = t;
      }
    }
    const lim = 4 * Math.sqrt(p.V) * le ** 1.5;
    out.push({
      id: 'smoothness',
      description: '|L_{t+1} − L_t| < 4√V(λη)^{3/2}',
      holds: maxJump < lim,
      detail: `max |ΔL| = ${fmt(maxJump)} at index ${at}, limit ${fmt(lim)}`,
    });
  }
  return out;
}
