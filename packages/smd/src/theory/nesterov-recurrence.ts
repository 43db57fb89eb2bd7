/**
 * Mean-field recurrence of torch SGD with nesterov=True and coupled decay (derived here, the
 * Nesterov analogue of smd-theory.md §4). With s = g + λw, v' = αv + s, u = s + αv' =
 * (1+α)s + α²v and w' = w − ηu, under ⟨g, w⟩ = 0, E⟨g, v⟩ = 0, ‖g‖² = L/a, on the state
 * a = ‖w‖², b = ‖v_{t−1}‖², c = ⟨w, v_{t−1}⟩:
 *   S = L/a + λ²a,  σ = λc                              (‖s‖², ⟨s, v⟩)
 *   ⟨w,u⟩ = (1+α)λa + α²c;  ‖u‖² = (1+α)²S + α⁴b + 2(1+α)α²σ
 *   ⟨u,v'⟩ = (1+α)S + (α + 2α²)σ + α³b
 *   a' = a − 2η⟨w,u⟩ + η²‖u‖²;  b' = α²b + S + 2ασ;  c' = αc + λa − η⟨u,v'⟩
 *   Δ = atan2(η√(a‖u‖² − ⟨w,u⟩²), a − η⟨w,u⟩).
 */
import { meanFieldFixedPoint } from './fixed-point.js';
import { stepAngle } from './step-angle.js';
import type { MeanFieldState, SgdHyperL } from './types.js';

/** One Nesterov mean-field step; writes the new state into `out`, returns Δ_t in radians. */
export function nesterovStep(
  s: MeanFieldState,
  p: { lr: number; wd: number; momentum: number; L: number },
  out: MeanFieldState,
): number {
  const { a, b, c } = s;
  const { lr: eta, wd: lam, momentum: al, L } = p;
  const S = L / a + lam * lam * a;
  const sig = lam * c;
  const wu = (1 + al) * lam * a + al * al * c;
  const uu = (1 + al) ** 2 * S + al ** 4 * b + 2 * (1 + al) * al * al * sig;
  const uv = (1 + al) * S + (al + 2 * al * al) * sig + al ** 3 * b;
  out.a = a - 2 * eta * wu + eta * eta * uu;
  out.b = al * al * b + S + 2 * al * sig;
  out.c = al * c + lam * a - eta * uv;
  return stepAngle(eta * Math.sqrt(Math.max(0, a * uu - wu * wu)), a - eta * wu);
}

/**
 * Fixed point of the Nesterov recurrence by Newton's method (numerical 3×3 Jacobian, starting
 * from heavy ball's exact fixed point, which is within O(α²λη) of it), and its Δ*.
 */
export function nesterovFixedPoint(p: SgdHyperL): MeanFieldState & { deltaRad: number } {
  const params = { lr: p.lr, wd: p.wd, momentum: p.momentum ?? 0, L: p.L };
  const hb = meanFieldFixedPoint(p);
  let x = [hb.a, hb.b, hb.c];
  const out: MeanFieldState = { a: 0, b: 0, c: 0 };
  const F = (v: number[]): number[] => {
    nesterovStep({ a: v[0], b: v[1], c: v[2] }, params, out);
    return [out.a - v[0], out.b - v[1], out.c - v[2]];
  };
  for (let it = 0; it < 50; it++) {
    const f = F(x);
    const J: number[][] = [[], [], []];
    for (let j = 0; j < 3; j++) {
      const h = 1e-7 * Math.max(Math.abs(x[j]), 1e-12);
      const xp = [...x];
      xp[j] += h;
      const fp = F(xp);
      for (let i = 0; i < 3; i++) J[i][j] = (fp[i] - f[i]) / h;
    }
    const dx = solve3(
      J,
      f.map((v) => -v),
    );
    x = x.map((v, i) => v + dx[i]);
    if (dx.every((d, i) => Math.abs(d) <= 1e-13 * Math.max(Math.abs(x[i]), 1e-300))) break;
  }
  const st = { a: x[0], b: x[1], c: x[2] };
  return { ...st, deltaRad: nesterovStep(st, params, out) };
}

/** Solves J·x = r for a 3×3 J by Cramer's rule. */
function solve3(J: number[][], r: number[]): number[] {
  const det = (m: number[][]): number =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det(J);
  return [0, 1, 2].map((k) => det(J.map((row, i) => row.map((v, j) => (j === k ? r[i] : v)))) / D);
}
