import { deltaStarExact, weightNormStarSq } from './equilibrium.js';
import { checkHyper, checkL, type MeanFieldState, type SgdHyperL } from './types.js';

/** Exact fixed point of the §4 recurrence plus its angle. */
export interface MeanFieldFixedPoint extends MeanFieldState {
  /** ‖w*‖² = a*. */
  normSq: number;
  /** Δ* = arccos(1 − λη/(1+α)). */
  deltaRad: number;
}

/**
 * Exact fixed point of the §4 recurrence: a* = ‖w*‖² with ‖w*‖⁴ = Lη/(λ(1−α)(2 − λη/(1+α))),
 * c* = −λ·a* / (1+α) (= ⟨w, v⟩; p* = −c*), b* = q* = 2λ·a* / (η(1+α)) (= ‖v‖²).
 */
export function meanFieldFixedPoint(p: SgdHyperL): MeanFieldFixedPoint {
  checkHyper(p, 'meanFieldFixedPoint');
  checkL(p.L, 'meanFieldFixedPoint');
  const s = meanFieldFixedState(p);
  return { ...s, normSq: s.a, deltaRad: deltaStarExact(p) };
}

/** The state of meanFieldFixedPoint alone (no Δ*: computePrediction asks for it at every η). */
export function meanFieldFixedState(p: SgdHyperL): MeanFieldState {
  const al = p.momentum ?? 0;
  const a = weightNormStarSq(p);
  return { a, b: (2 * p.wd * a) / (p.lr * (1 + al)), c: (-p.wd * a) / (1 + al) };
}

/** Analytic Jacobian ∂(a', b', c')/∂(a, b, c) of the §4 map at state s (rows a', b', c'). */
export function meanFieldJacobian(p: SgdHyperL, s: MeanFieldState): number[][] {
  const eta = p.lr;
  const lam = p.wd;
  const al = p.momentum ?? 0;
  // ∂p = (λ, 0, α); ∂q = (λ² − L/a², α², 2αλ).
  const qa = lam * lam - p.L / (s.a * s.a);
  const qb = al * al;
  const qc = 2 * al * lam;
  return [
    [1 - 2 * eta * lam + eta * eta * qa, eta * eta * qb, -2 * eta * al + eta * eta * qc],
    [qa, qb, qc],
    [lam - eta * qa, -eta * qb, al - eta * qc],
  ];
}

/** A complex number. */
export interface Complex {
  re: number;
  im: number;
}

/** Output of `localRate`. */
export interface LocalRate {
  /** Jacobian of the §4 map at the fixed point (rows a', b', c'). */
  jacobian: number[][];
  /** Its three eigenvalues (real ones first, then the conjugate pair, if any). */
  eigenvalues: Complex[];
  /** ρ = max |eigenvalue|: deviations from equilibrium shrink like ρ^t. */
  spectralRadius: number;
  /** −1/ln ρ: steps for a deviation to shrink by e. */
  timeConstant: number;
}

/**
 * Local relaxation rate of the §4 recurrence at its fixed point: eigenvalues of the 3×3
 * Jacobian (characteristic cubic solved in float64). For SGD (α = 0) ρ = 1 − 4λη + 2λ²η².
 */
export function localRate(p: SgdHyperL): LocalRate {
  const fp = meanFieldFixedPoint(p);
  const J = meanFieldJacobian(p, fp);
  const eigenvalues = eigenvalues3(J);
  let rho = 0;
  for (const z of eigenvalues) rho = Math.max(rho, Math.hypot(z.re, z.im));
  return { jacobian: J, eigenvalues, spectralRadius: rho, timeConstant: -1 / Math.log(rho) };
}

/** Eigenvalues of a real 3×3 matrix via its characteristic cubic. */
export function eigenvalues3(m: number[][]): Complex[] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const tr = a + e + i;
  const minors = a * e - b * d + (a * i - c * g) + (e * i - f * h);
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  // λ³ − tr·λ² + minors·λ − det = 0
  return cubicRoots(-tr, minors, -det);
}

/** Roots of x³ + A x² + B x + C (real coefficients): one real root by Cardano + Newton, then deflation. */
export function cubicRoots(A: number, B: number, C: number): Complex[] {
  const poly = (x: number): number => ((x + A) * x + B) * x + C;
  const dpoly = (x: number): number => (3 * x + 2 * A) * x + B;
  // Depressed cubic y³ + P y + Q with x = y − A/3.
  const P = B - (A * A) / 3;
  const Q = (2 * A * A * A) / 27 - (A * B) / 3 + C;
  const disc = (Q * Q) / 4 + (P * P * P) / 27;
  let y: number;
  if (disc >= 0) {
    const s = Math.sqrt(disc);
    y = Math.cbrt(-Q / 2 + s) + Math.cbrt(-Q / 2 - s);
  } else {
    // Three real roots: take the largest (trigonometric form).
    const r = Math.sqrt(-P / 3);
    const phi = Math.acos(Math.max(-1, Math.min(1, (3 * Q) / (2 * P * r))));
    y = 2 * r * Math.cos(phi / 3);
  }
  let x = y - A / 3;
  for (let k = 0; k < 8; k++) {
    const dp = dpoly(x);
    if (dp === 0) break;
    const dx = poly(x) / dp;
    x -= dx;
    if (Math.abs(dx) <= 1e-17 * Math.max(1, Math.abs(x))) break;
  }
  // Deflate: x³ + A x² + B x + C = (x − r)(x² + (A + r) x + (B + r(A + r))).
  const b1 = A + x;
  const c1 = B + x * b1;
  const dq = b1 * b1 - 4 * c1;
  if (dq >= 0) {
    const sq = Math.sqrt(dq);
    const q = -0.5 * (b1 + (b1 >= 0 ? sq : -sq));
    const r1 = q !== 0 ? q : 0;
    const r2 = q !== 0 ? c1 / q : 0;
    const roots = [x, r1, r2].sort((u, v) => v - u);
    return roots.map((re) => ({ re, im: 0 }));
  }
  const im = Math.sqrt(-dq) / 2;
  return [
    { re: x, im: 0 },
    { re: -b1 / 2, im },
    { re: -b1 / 2, im: -im },
  ];
}

/** −1/ln ρ from a numerical Jacobian of a 3-state map at its fixed point. */
export function numericTimeConstant(
  step: (s: MeanFieldState, lr: number, out: MeanFieldState) => number,
  fp: MeanFieldState,
  lr: number,
): number {
  const x = [fp.a, fp.b, fp.c];
  const out: MeanFieldState = { a: 0, b: 0, c: 0 };
  const F = (v: number[]): number[] => {
    step({ a: v[0], b: v[1], c: v[2] }, lr, out);
    return [out.a, out.b, out.c];
  };
  const f0 = F(x);
  const J: number[][] = [[], [], []];
  for (let j = 0; j < 3; j++) {
    const h = 1e-6 * Math.max(Math.abs(x[j]), 1e-12);
    const xp = [...x];
    xp[j] += h;
    const f1 = F(xp);
    for (let i = 0; i < 3; i++) J[i][j] = (f1[i] - f0[i]) / h;
  }
  let rho = 0;
  for (const z of eigenvalues3(J)) rho = Math.max(rho, Math.hypot(z.re, z.im));
  return -1 / Math.log(rho);
}
