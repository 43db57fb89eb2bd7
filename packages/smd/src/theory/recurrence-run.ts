/**
 * Whole stretches of a recurrence in one loop (OptimizerDynamics.run): what `smd predict` and the
 * explorer's theory view run for every step of a schedule (10⁶ steps on a slider move). Each loop
 * does exactly the arithmetic of its optimizer's per-step `step` (the spec: recurrence-run.test.ts
 * checks the two bitwise), on local variables, re-deriving what depends on η only when η changes,
 * and at a bitwise fixed point (the step maps the state onto itself) it copies the step's Δ and
 * ‖w‖ to the following steps of the same η instead of recomputing them.
 */
import { stepAngle } from './step-angle.js';
import type { MeanFieldState } from './types.js';

/**
 * Steps [start, end) at η = lr[t] from `s`, which ends as the state after step end − 1;
 * writes Δ_t (rad) to deltaRad[t] and ‖w_t‖ (before step t) to norm[t].
 */
export type RecurrenceRun = (
  s: MeanFieldState,
  lr: Float64Array,
  start: number,
  end: number,
  deltaRad: Float64Array,
  norm: Float64Array,
) => void;

/** Where a run writes Δ_t and ‖w_t‖ (indexed by step). */
export interface StepSeries {
  deltaRad: Float64Array;
  norm: Float64Array;
}

/**
 * Two runs of the same recurrence over the same steps from two states (a prediction's two modes),
 * in one loop: the two dependency chains overlap in the CPU. Stops before the first step where
 * either state is a bitwise fixed point and returns that step (`end` when none): the caller
 * finishes each with its `run`, which holds the fixed point.
 */
export type RecurrencePairRun = (
  s1: MeanFieldState,
  s2: MeanFieldState,
  lr: Float64Array,
  start: number,
  end: number,
  out1: StepSeries,
  out2: StepSeries,
) => number;

/** One step of a recurrence: writes the new state into `out`, returns Δ in rad. */
export type RecurrenceStep = (s: MeanFieldState, lr: number, out: MeanFieldState) => number;

/**
 * Copies step t's Δ and ‖w‖ to the steps after t that share its η (the state is a fixed point of
 * that η's map, so they are the same step again); returns the first step not filled.
 */
function holdFixedPoint(
  lr: Float64Array,
  t: number,
  end: number,
  deltaRad: Float64Array,
  norm: Float64Array,
): number {
  const eta = lr[t];
  let u = t + 1;
  while (u < end && lr[u] === eta) u++;
  deltaRad.fill(deltaRad[t], t + 1, u);
  norm.fill(norm[t], t + 1, u);
  return u;
}

/** Any recurrence, one `step` call per step (nesterov, sgdp, adamp: not on the slider path). */
export function stepwiseRun(step: RecurrenceStep): RecurrenceRun {
  return (s, lr, start, end, deltaRad, norm) => {
    let cur: MeanFieldState = { a: s.a, b: s.b, c: s.c };
    let next: MeanFieldState = { a: 0, b: 0, c: 0 };
    for (let t = start; t < end;) {
      norm[t] = Math.sqrt(cur.a);
      deltaRad[t] = step(cur, lr[t], next);
      if (next.a === cur.a && next.b === cur.b && next.c === cur.c) {
        t = holdFixedPoint(lr, t, end, deltaRad, norm);
        continue;
      }
      const tmp = cur;
      cur = next;
      next = tmp;
      t++;
    }
    s.a = cur.a;
    s.b = cur.b;
    s.c = cur.c;
  };
}

/** The §4 map of sgd/sgdm (meanFieldStep's arithmetic) with constant λ, α, L. */
export function meanFieldRun(lam: number, al: number, L: number): RecurrenceRun {
  return (s, lr, start, end, deltaRad, norm) => {
    let a = s.a;
    let b = s.b;
    let c = s.c;
    for (let t = start; t < end;) {
      const eta = lr[t];
      const pp = al * c + lam * a;
      const q = al * al * b + L / a + lam * lam * a + 2 * al * lam * c;
      norm[t] = Math.sqrt(a);
      deltaRad[t] = stepAngle(eta * Math.sqrt(Math.max(0, a * q - pp * pp)), a - eta * pp);
      const na = a - 2 * eta * pp + eta * eta * q;
      const nc = pp - eta * q;
      if (na === a && q === b && nc === c) {
        t = holdFixedPoint(lr, t, end, deltaRad, norm);
        continue;
      }
      a = na;
      b = q;
      c = nc;
      t++;
    }
    s.a = a;
    s.b = b;
    s.c = c;
  };
}

/** meanFieldRun for two states at once (RecurrencePairRun). */
export function meanFieldRunPair(lam: number, al: number, L: number): RecurrencePairRun {
  return (s1, s2, lr, start, end, out1, out2) => {
    // plain locals (no destructuring in the hot loop: V8 keeps them in registers)
    const d1 = out1.deltaRad;
    const n1 = out1.norm;
    const d2 = out2.deltaRad;
    const n2 = out2.norm;
    let a1 = s1.a;
    let b1 = s1.b;
    let c1 = s1.c;
    let a2 = s2.a;
    let b2 = s2.b;
    let c2 = s2.c;
    let t = start;
    for (; t < end; t++) {
      const eta = lr[t];
      const p1 = al * c1 + lam * a1;
      const q1 = al * al * b1 + L / a1 + lam * lam * a1 + 2 * al * lam * c1;
      const p2 = al * c2 + lam * a2;
      const q2 = al * al * b2 + L / a2 + lam * lam * a2 + 2 * al * lam * c2;
      const na1 = a1 - 2 * eta * p1 + eta * eta * q1;
      const nc1 = p1 - eta * q1;
      const na2 = a2 - 2 * eta * p2 + eta * eta * q2;
      const nc2 = p2 - eta * q2;
      if ((na1 === a1 && q1 === b1 && nc1 === c1) || (na2 === a2 && q2 === b2 && nc2 === c2)) break;
      n1[t] = Math.sqrt(a1);
      d1[t] = stepAngle(eta * Math.sqrt(Math.max(0, a1 * q1 - p1 * p1)), a1 - eta * p1);
      n2[t] = Math.sqrt(a2);
      d2[t] = stepAngle(eta * Math.sqrt(Math.max(0, a2 * q2 - p2 * p2)), a2 - eta * p2);
      a1 = na1;
      b1 = q1;
      c1 = nc1;
      a2 = na2;
      b2 = q2;
      c2 = nc2;
    }
    s1.a = a1;
    s1.b = b1;
    s1.c = c1;
    s2.a = a2;
    s2.b = b2;
    s2.c = c2;
    return t;
  };
}

/** Constants of the decoupled recurrence (adamw, lion; optimizer-dynamics.ts). */
export interface DecoupledConstants {
  lam: number;
  /** U = E‖u‖² per step. */
  U: number;
  /** Decay ρ of the update correlations γ_k = γ1·ρ^{k−1}. */
  rho: number;
  /** β2 (AdamW's EMA of 1/a). */
  b2: number;
  lion: boolean;
  /** γ1 at x = 1 − ηλ: S ? ((S(x) − 1)/2)·(1 − ρx)/x : b1 (the loops spell it out: one call level less). */
  gamma1: (x: number) => number;
  /** β1 (AdamW's γ1). */
  b1: number;
  /** Lion's sign-correlation sum S(x) (null for AdamW). */
  S: ((x: number) => number) | null;
}

/** The decoupled recurrence (the `step` of optimizerDynamics for adamw and lion). */
export function decoupledRun(k: DecoupledConstants): RecurrenceRun {
  const { lam, U, rho, b2, lion, b1, S } = k;
  return (s, lr, start, end, deltaRad, norm) => {
    let a = s.a;
    let b = s.b;
    let c = s.c;
    let eta = NaN;
    let x = NaN;
    let g1 = NaN;
    for (let t = start; t < end;) {
      if (lr[t] !== eta) {
        eta = lr[t];
        x = 1 - eta * lam;
        g1 = S === null ? b1 : (((S(x) - 1) / 2) * (1 - rho * x)) / x; // gamma1(x)
      }
      let q = 1;
      let nb = 0;
      if (!lion) {
        nb = b > 0 ? b2 * b + (1 - b2) / a : 1 / a;
        q = 1 / (a * nb);
      }
      const u = U * q;
      const r = -c / x;
      const na = x * x * a + 2 * eta * c + eta * eta * u;
      const nc = x * (eta * u * g1 + rho * c);
      const sa = Math.sqrt(a);
      norm[t] = sa;
      deltaRad[t] = stepAngle(
        eta * Math.sqrt(Math.max(0, u - (r * r) / a)),
        x * sa - (eta * r) / sa,
      );
      if (na === a && nb === b && nc === c) {
        t = holdFixedPoint(lr, t, end, deltaRad, norm);
        continue;
      }
      a = na;
      b = nb;
      c = nc;
      t++;
    }
    s.a = a;
    s.b = b;
    s.c = c;
  };
}
