/**
 * The measured approach rate to equilibrium (Theorems 1–2): how fast |‖w_t‖² − w*²_t| shrinks,
 * fitted as an exponential, against the theorems' rate and the §4 recurrence's local rate.
 *
 * Theorems 1–2 bound E[(‖w_t‖² − w*²)²] by ρ^t·B + const with ρ = 1 − 2λη/(1−α), so the
 * deviation itself shrinks at least like ρ^{t/2}: a per-step log-rate of −½ ln ρ ≈ λη/(1−α).
 */
import { localRate, theoremRate, weightNormStarSq, type Series } from '@smd/smd';

/** Inputs: one layer's ‖w‖ samples, the L_t that drove its prediction, and the run's η_t. */
export interface ApproachInput {
  norm: Series;
  /** L_t per step (NaN where unknown) */
  L: Float64Array;
  /** η per step */
  lr: Float64Array;
  wd: number;
  momentum: number;
}

/** Result of fitApproachRate. */
export interface ApproachRate {
  /** fitted per-step log-rate of |‖w‖²/w*² − 1| (NaN when it cannot be measured) */
  rate: number;
  /** −½ ln(1 − 2λη/(1−α)): the theorems' rate for the deviation */
  theoremRate: number;
  /** 1/τ of the §4 recurrence at the fixed point */
  recurrenceRate: number;
  /** relative deviation at the start and the noise floor at the end */
  initial: number;
  floor: number;
  /** steps [from, to] the fit used */
  from: number;
  to: number;
  /** why there is no rate, or '' */
  note: string;
}

/**
 * Fits ln of the block-mean relative deviation |‖w_t‖²/w*²_t − 1| against t, from the start
 * until it first reaches twice its noise floor (the median over the last quarter of the run).
 * Blocks are τ_theorem/5 steps (≥ 5). No rate when the run starts within 4× the floor.
 */
export function fitApproachRate(x: ApproachInput): ApproachRate {
  const eta = x.lr.find((v) => v > 0) ?? NaN;
  const hyper = { lr: eta, wd: x.wd, momentum: x.momentum };
  const rho = theoremRate(hyper);
  const thm = -0.5 * Math.log(rho);
  const rec = 1 / localRate({ ...hyper, L: 1 }).timeConstant;
  const out: ApproachRate = {
    rate: NaN,
    theoremRate: thm,
    recurrenceRate: rec,
    initial: NaN,
    floor: NaN,
    from: 0,
    to: 0,
    note: '',
  };
  const block = Math.max(5, Math.round(1 / thm / 5));
  const sums = new Map<number, { s: number; n: number }>();
  for (let i = 0; i < x.norm.steps.length; i++) {
    const t = x.norm.steps[i];
    const L = x.L[t];
    const w = x.norm.values[i];
    if (!(L > 0) || !(w > 0) || !(x.lr[t] > 0)) continue;
    const a = weightNormStarSq({ lr: x.lr[t], wd: x.wd, momentum: x.momentum, L });
    const b = Math.floor(t / block);
    const e = sums.get(b) ?? { s: 0, n: 0 };
    e.s += Math.abs((w * w) / a - 1);
    e.n++;
    sums.set(b, e);
  }
  const blocks = [...sums.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([b, e]) => ({ t: (b + 0.5) * block, dev: e.s / e.n }));
  if (blocks.length < 8) return { ...out, note: `only ${blocks.length} blocks of ${block} steps` };
  const tail = blocks.slice(Math.floor((blocks.length * 3) / 4)).map((b) => b.dev);
  const floor = tail.sort((p, q) => p - q)[tail.length >> 1];
  out.initial = blocks[0].dev;
  out.floor = floor;
  if (!(blocks[0].dev > 4 * floor)) {
    return { ...out, note: 'the run started within 4× the noise floor of w*: nothing to fit' };
  }
  let end = blocks.findIndex((b) => b.dev < 2 * floor);
  if (end < 0) end = blocks.length;
  if (end < 3) return { ...out, note: `equilibrium within ${end} blocks: too fast to fit` };
  const pts = blocks.slice(0, end);
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.t, 0) / n;
  const my = pts.reduce((s, p) => s + Math.log(p.dev), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    sxy += (p.t - mx) * (Math.log(p.dev) - my);
    sxx += (p.t - mx) ** 2;
  }
  return { ...out, rate: -sxy / sxx, from: pts[0].t, to: pts[n - 1].t };
}
