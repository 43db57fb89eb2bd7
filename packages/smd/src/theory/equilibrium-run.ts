/**
 * The equilibrium Δ* and ‖w*‖ of every step's η (OptimizerDynamics.equilibria): a prediction
 * draws both beside Δ_t and ‖w_t‖ and measures each phase against them. Under a continuous
 * schedule (cosine) every one of 10⁶ steps has its own η, so this runs once per step on an
 * explorer slider move. The spec is the dynamics' deltaStar(η) and √normStarSq(η): for nesterov,
 * sgdp and adamp step(fixedPoint(η), η) and √fixedPoint(η).a (genericEquilibriumRun), for sgd/sgdm
 * and adamw/lion the simplified forms below (within 1e-14 of step(fixedPoint(η), η):
 * optimizer-dynamics.test.ts), whose loops repeat that arithmetic inline, on local variables and
 * with no object per step (equilibrium-run.test.ts checks every loop bitwise against the spec).
 */
import { stepAngle } from './step-angle.js';
import { kappaSeries } from './lion-kappa.js';
import { chunkEnd } from './loop-chunks.js';
import type { DecoupledConstants } from './recurrence-run.js';
import type { MeanFieldState } from './types.js';

/**
 * Writes Δ*(lr[t]) (rad) to deltaStar[t] and ‖w*‖ at lr[t] to normStar[t] for t in [start, end),
 * computing once per run of equal consecutive η; 0 and 0 where η ≤ 0. The loops copy step t − 1's
 * values at a repeated η rather than carry them in variables across the branch: in Chromium's V8
 * (not Node 20's) that form ran the Lion loop 1.3× slower (24.6 vs 16.8 ms for 10⁶ steps).
 */
export type EquilibriumRun = (
  lr: Float64Array,
  start: number,
  end: number,
  deltaStar: Float64Array,
  normStar: Float64Array,
) => void;

/** The spec: one fixedPoint and one step per distinct η (nesterov, sgdp, adamp use it as is). */
export function genericEquilibriumRun(
  fixedPoint: (lr: number) => MeanFieldState,
  step: (s: MeanFieldState, lr: number, out: MeanFieldState) => number,
): EquilibriumRun {
  return (lr, start, end, deltaStar, normStar) => {
    const scratch: MeanFieldState = { a: 0, b: 0, c: 0 };
    let eta = NaN;
    let d = 0;
    let w = 0;
    for (let t = start; t < end; t++) {
      if (lr[t] !== eta) {
        eta = lr[t];
        if (eta > 0) {
          const fp = fixedPoint(eta);
          d = step(fp, eta, scratch);
          w = Math.sqrt(fp.a);
        } else d = w = 0;
      }
      deltaStar[t] = d;
      normStar[t] = w;
    }
  };
}

/**
 * Δ* of the §4 map (sgd/sgdm), k = λη/(1+α): one step from the fixed point (a, b, c) =
 * (‖w*‖², 2λa/(η(1+α)), −λa/(1+α)) turns w by atan2(η√(aq − p²), a − ηp) with p = λa/(1+α) and
 * q = b, which is atan2(√(k(2 − k)), 1 − k) = arccos(1 − k) for every L: the §4 exact Δ*,
 * formed without a, b, c (optimizer-dynamics.test.ts: within 1e-14 of step(fixedPoint(η), η)).
 */
export function meanFieldDeltaStar(k: number): number {
  return stepAngle(Math.sqrt(k * (2 - k)), 1 - k);
}

/** sgd/sgdm: meanFieldDeltaStar and ‖w*‖ = √weightNormStarSq, as the dynamics' own calls. */
export function meanFieldEquilibriumRun(lam: number, al: number, L: number): EquilibriumRun {
  // the constant factors, formed once (the same numbers: (1 + α) and λ(1 − α) are evaluated
  // first in the formulas too)
  const onePlusAl = 1 + al;
  const lamOneMinusAl = lam * (1 - al);
  return (lr, start, end, deltaStar, normStar) => {
    for (let t = start; t < end; t = chunkEnd(t, end)) {
      const e = chunkEnd(t, end);
      meanFieldEquilibriumLoop(lam, onePlusAl, lamOneMinusAl, L, lr, t, e, deltaStar, normStar);
    }
  };
}

function meanFieldEquilibriumLoop(
  lam: number,
  onePlusAl: number,
  lamOneMinusAl: number,
  L: number,
  lr: Float64Array,
  start: number,
  end: number,
  deltaStar: Float64Array,
  normStar: Float64Array,
): void {
  let eta = NaN;
  for (let t = start; t < end; t++) {
    if (lr[t] === eta) {
      deltaStar[t] = deltaStar[t - 1];
      normStar[t] = normStar[t - 1];
      continue;
    }
    eta = lr[t];
    if (eta > 0) {
      const k = (lam * eta) / onePlusAl;
      // meanFieldDeltaStar(k) spelled out: V8 inlines one level of call here, not two (2× slower)
      deltaStar[t] = stepAngle(Math.sqrt(k * (2 - k)), 1 - k);
      normStar[t] = Math.sqrt(Math.sqrt((L * eta) / (lamOneMinusAl * (2 - k))));
    } else deltaStar[t] = normStar[t] = 0;
  }
}

/**
 * Δ* of the decoupled map (adamw/lion) at η: one step, atan2(η√(Ux²a − c²), ±(x²a + ηc)), from
 * the fixed point c = ηUκ/D1, a = η²U·g/(D1·D2) (g = 2κ + D1, D1 = 1 − ρx, D2 = 1 − x²; AdamW's
 * v matches the gradient scale there, b = 1/a, so u = U). With a and c put in, η²U cancels and
 * the angle is atan2(√((g·x²·D1 − κ²·D2)·D2), ±(g·x² + κ·D2)): one division (stepAngle's) where
 * the step's own form from the fixed point takes four (optimizer-dynamics.test.ts: within 1e-14
 * of step(fixedPoint(η), η)). Under a cosine schedule every step has its own η, so this runs 10⁶
 * times per explorer slider move.
 */
export function decoupledDeltaStar(k: DecoupledConstants, eta: number): number {
  const x = 1 - eta * k.lam;
  const kap = k.kappa(x);
  const d1 = 1 - k.rho * x;
  const d2 = 1 - x * x;
  const g = 2 * kap + d1;
  const gxx = g * (x * x);
  const den = gxx + kap * d2;
  return stepAngle(Math.sqrt(Math.max(0, (gxx * d1 - kap * kap * d2) * d2)), x > 0 ? den : -den);
}

/** adamw/lion: decoupledDeltaStar and ‖w*‖ = √fixedPoint(η).a, in one pass (Lion's κ from kappaSeries). */
export function decoupledEquilibriumRun(k: DecoupledConstants): EquilibriumRun {
  const { lam, U, rho, b1, lion } = k;
  return (lr, start, end, deltaStar, normStar) => {
    const kappas = kappaSeries(k, lr, start, end);
    for (let t = start; t < end; t = chunkEnd(t, end)) {
      const e = chunkEnd(t, end);
      decoupledEquilibriumLoop(lam, U, rho, b1, lion, kappas, lr, t, e, deltaStar, normStar);
    }
  };
}

/** Numbers and Float64Arrays only, as the recurrence loops (recurrence-run.ts says why). */
function decoupledEquilibriumLoop(
  lam: number,
  U: number,
  rho: number,
  b1: number,
  lion: boolean,
  kappas: Float64Array,
  lr: Float64Array,
  start: number,
  end: number,
  deltaStar: Float64Array,
  normStar: Float64Array,
): void {
  let eta = NaN;
  for (let t = start; t < end; t++) {
    if (lr[t] === eta) {
      deltaStar[t] = deltaStar[t - 1];
      normStar[t] = normStar[t - 1];
      continue;
    }
    eta = lr[t];
    if (eta > 0) {
      // decoupledDeltaStar spelled out (one level of inlining, as above), and √a (fixedPoint's a)
      const x = 1 - eta * lam;
      const kap = lion ? kappas[t] : b1 * x; // kappa(x), Lion's from kappaSeries
      const d1 = 1 - rho * x;
      const d2 = 1 - x * x;
      const g = 2 * kap + d1;
      const gxx = g * (x * x);
      const den = gxx + kap * d2;
      const y = Math.sqrt(Math.max(0, (gxx * d1 - kap * kap * d2) * d2));
      deltaStar[t] = stepAngle(y, x > 0 ? den : -den);
      normStar[t] = Math.sqrt((eta * eta * U * g) / (d1 * d2));
    } else deltaStar[t] = normStar[t] = 0;
  }
}
