/**
 * Whole stretches of a recurrence in one loop (OptimizerDynamics.run): what `smd predict` and the
 * explorer's theory view run for every step of a schedule (10⁶ steps on a slider move). Each loop
 * does exactly the arithmetic of its optimizer's per-step `step` (the spec: recurrence-run.test.ts
 * checks the two bitwise), on local variables, re-deriving what depends on η only when η changes,
 * and at a bitwise fixed point (the step maps the state onto itself) it copies the step's Δ and
 * ‖w‖ to the following steps of the same η instead of recomputing them.
 *
 * Each loop is a module-level function of numbers and Float64Arrays only; the per-dynamics
 * closures around it move the state in and out through `io`. Why: V8 compiles a 10⁶-step loop
 * once, while it runs (on-stack replacement), and throws that code away when it meets an object
 * shape or a captured value it has not seen. State objects come in several shapes ({...s}
 * copies, literals with integer fields) and every prediction makes new closures, so loops that
 * read objects or captured values were recompiled on the explorer's first slider moves (Node's
 * --trace-deopt: "wrong map" in the mean-field loops on moves 1, 4, 5, 6).
 *
 * The loops write their state to `io` at every step, and nothing follows a scan loop but a
 * `return`: a loop's first call runs long enough for V8 to compile the loop while it runs
 * (on-stack replacement) before it has ever exited, and that code has no feedback for what
 * follows the loop. Chromium's V8 kept such code and left it by deoptimization after the loop,
 * call after call (--trace-deopt in the explorer's theory worker, 3 × 26 Lion + cosine moves: 110
 * times at decoupledLoop's stores after its loop; 2 × 26 default-view moves: 28 at
 * meanFieldPairLoop's, 36 at holdFixedPoint's fill after its scan), and 1 fresh worker in 3–5
 * ran every move 1.7× slower; since, none in 20. The stores cost the default view ~4% (13.9 →
 * 14.4 ms per move in the worker).
 */
import type { LionSignSumCoefficients } from '@smd/engine/rotational-rules';
import { stepAngle } from './step-angle.js';
import type { MeanFieldState } from './types.js';
import { kappaSeries } from './lion-kappa.js';
import { chunkEnd } from './loop-chunks.js';

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
  const u = sameLrEnd(lr, t, end);
  deltaRad.fill(deltaRad[t], t + 1, u);
  norm.fill(norm[t], t + 1, u);
  return u;
}

/** The first step after t, up to end, whose η differs from lr[t] (a loop and a return only: see the header). */
function sameLrEnd(lr: Float64Array, t: number, end: number): number {
  const eta = lr[t];
  let u = t + 1;
  while (u < end && lr[u] === eta) u++;
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

/**
 * State in and out of the loops: (a, b, c) of the first state, then of the second (pair runs).
 * Over an ArrayBuffer of its own, so off V8's heap: a typed array this small otherwise lives on
 * the heap, where a garbage collection can move it, and the loops store to it at every step. With
 * it on the heap, 5 Node processes of 8 ran the Lion + cosine moves 1.7× slower (~51 ms instead of
 * ~30) from some move on, a different move in each; off the heap, 12 of 12 ran at 28.4–29.2 ms.
 */
const io = new Float64Array(new ArrayBuffer(6 * 8));

function stateIn(s: MeanFieldState, at: number): void {
  io[at] = s.a;
  io[at + 1] = s.b;
  io[at + 2] = s.c;
}

function stateOut(s: MeanFieldState, at: number): void {
  s.a = io[at];
  s.b = io[at + 1];
  s.c = io[at + 2];
}

/** The §4 map of sgd/sgdm (meanFieldStep's arithmetic) with constant λ, α, L. */
export function meanFieldRun(lam: number, al: number, L: number): RecurrenceRun {
  return (s, lr, start, end, deltaRad, norm) => {
    stateIn(s, 0);
    for (let t = start; t < end; t = chunkEnd(t, end))
      meanFieldLoop(lam, al, L, lr, t, chunkEnd(t, end), deltaRad, norm);
    stateOut(s, 0);
  };
}

function meanFieldLoop(
  lam: number,
  al: number,
  L: number,
  lr: Float64Array,
  start: number,
  end: number,
  deltaRad: Float64Array,
  norm: Float64Array,
): void {
  // constant products, formed as the step's left-to-right products would (same bits)
  const al2 = al * al;
  const lam2 = lam * lam;
  const twoAlLam = 2 * al * lam;
  let a = io[0];
  let b = io[1];
  let c = io[2];
  for (let t = start; t < end;) {
    const eta = lr[t];
    const pp = al * c + lam * a;
    const q = al2 * b + L / a + lam2 * a + twoAlLam * c;
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
    io[0] = a;
    io[1] = b;
    io[2] = c;
    t++;
  }
}

/** meanFieldRun for two states at once (RecurrencePairRun). */
export function meanFieldRunPair(lam: number, al: number, L: number): RecurrencePairRun {
  return (s1, s2, lr, start, end, out1, out2) => {
    stateIn(s1, 0);
    stateIn(s2, 3);
    let t = start;
    while (t < end) {
      const e = chunkEnd(t, end);
      t = meanFieldPairLoop(
        lam,
        al,
        L,
        lr,
        t,
        e,
        out1.deltaRad,
        out1.norm,
        out2.deltaRad,
        out2.norm,
      );
      if (t < e) break;
    }
    stateOut(s1, 0);
    stateOut(s2, 3);
    return t;
  };
}

function meanFieldPairLoop(
  lam: number,
  al: number,
  L: number,
  lr: Float64Array,
  start: number,
  end: number,
  d1: Float64Array,
  n1: Float64Array,
  d2: Float64Array,
  n2: Float64Array,
): number {
  // constant products, formed as the step's left-to-right products would (same bits)
  const al2 = al * al;
  const lam2 = lam * lam;
  const twoAlLam = 2 * al * lam;
  let a1 = io[0];
  let b1 = io[1];
  let c1 = io[2];
  let a2 = io[3];
  let b2 = io[4];
  let c2 = io[5];
  let t = start;
  for (; t < end; t++) {
    const eta = lr[t];
    const p1 = al * c1 + lam * a1;
    const q1 = al2 * b1 + L / a1 + lam2 * a1 + twoAlLam * c1;
    const p2 = al * c2 + lam * a2;
    const q2 = al2 * b2 + L / a2 + lam2 * a2 + twoAlLam * c2;
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
    io[0] = a1;
    io[1] = b1;
    io[2] = c1;
    io[3] = a2;
    io[4] = b2;
    io[5] = c2;
  }
  return t;
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
  /**
   * κ(x) = x·γ1(x) at x = 1 − ηλ, the coherent share of a new update in c' = ηuκ + xρc:
   * AdamW b1·x; Lion ((S(x) − 1)/2)·(1 − ρx) (no division). The loops spell AdamW's out and
   * read Lion's from kappaSeries.
   */
  kappa: (x: number) => number;
  /** β1 (AdamW's γ1). */
  b1: number;
  /** Coefficients of Lion's sign-correlation sum S(x) (null for AdamW). */
  signSum: LionSignSumCoefficients | null;
}

/** The decoupled recurrence (the `step` of optimizerDynamics for adamw and lion). */
export function decoupledRun(k: DecoupledConstants): RecurrenceRun {
  const { lam, U, rho, b2, lion, b1 } = k;
  return (s, lr, start, end, deltaRad, norm) => {
    const kappas = kappaSeries(k, lr, start, end);
    stateIn(s, 0);
    for (let t = start; t < end; t = chunkEnd(t, end))
      decoupledLoop(lam, U, rho, b2, lion, b1, kappas, lr, t, chunkEnd(t, end), deltaRad, norm);
    stateOut(s, 0);
  };
}

function decoupledLoop(
  lam: number,
  U: number,
  rho: number,
  b2: number,
  lion: boolean,
  b1: number,
  kappas: Float64Array,
  lr: Float64Array,
  start: number,
  end: number,
  deltaRad: Float64Array,
  norm: Float64Array,
): void {
  let a = io[0];
  let b = io[1];
  let c = io[2];
  let eta = NaN;
  let x = NaN;
  let kap = NaN;
  // products of η alone, formed as the step forms them left to right (same bits)
  let xx = NaN;
  let twoEta = NaN;
  let etaEta = NaN;
  let xRho = NaN;
  for (let t = start; t < end;) {
    if (lr[t] !== eta) {
      eta = lr[t];
      x = 1 - eta * lam;
      kap = lion ? kappas[t] : b1 * x; // kappa(x), Lion's from kappaSeries
      xx = x * x;
      twoEta = 2 * eta;
      etaEta = eta * eta;
      xRho = x * rho;
    }
    let u = U;
    let nb = 0;
    if (!lion) {
      nb = b > 0 ? b2 * b + (1 - b2) / a : 1 / a;
      u = U / (a * nb);
    }
    const xxa = xx * a;
    const na = xxa + twoEta * c + etaEta * u;
    const nc = eta * u * kap + xRho * c;
    const X = xxa + eta * c;
    norm[t] = Math.sqrt(a);
    deltaRad[t] = stepAngle(eta * Math.sqrt(Math.max(0, u * xxa - c * c)), x > 0 ? X : -X);
    if (na === a && nb === b && nc === c) {
      t = holdFixedPoint(lr, t, end, deltaRad, norm);
      continue;
    }
    a = na;
    b = nb;
    c = nc;
    io[0] = a;
    io[1] = b;
    io[2] = c;
    t++;
  }
}
