/**
 * Lion's sign-correlation sum S(x) = 1 + (4/π)·Σ_{k≥1} arcsin(ρ_k)·x^k, ρ_k = ρ1·β2^{k−1}
 * (rotational-rules.ts says where it comes from), as a function of the discount x for fixed betas.
 *
 * Summed term by term it needs ~3,000 arcsin at β2 = 0.99 for every x, and smd's recurrence asks
 * for a new x = 1 − ηλ at every step of a continuous schedule (10⁶ steps on an explorer slider
 * move). Instead, once per (β1, β2):
 * - the head: the terms with ρ_k > 1/2 (none at the default betas), kept as coefficients h_k;
 * - the tail (ρ_k ≤ 1/2): arcsin's own series z^{2j+1}·a_j summed over k first is geometric in k,
 *   Σ_{k>K} arcsin(ρ_k)·x^k = x^K·Σ_j A_j·x/(1 − B_j·x), A_j = (4/π)·a_j·ρ_{K+1}^{2j+1},
 *   B_j = β2^{2j+1}; A_j falls at least as 4^{−j}, so ~30 terms reach 1e-18;
 * - near x = 1 (x = 1 − ε, the recurrence's case: ε = ηλ), each x/(1 − B_j x) is a power series
 *   in ε, so the tail is (1 − ε)·Σ_n (−ε)^n·G_n with G_n = Σ_j A_j·r_j^n/(1 − B_j),
 *   r_j = B_j/(1 − B_j): a few multiply-adds per x while r_0·ε ≤ 1/8.
 * Every form is the same sum to ~1e-16 relative (lion-sign-sum.test.ts checks them against the
 * term-by-term sum carried to 1e-25); the term-by-term version it replaces stopped at terms of
 * 1e-14, ~1e-12 short.
 */

/** Evaluator of S(x) for one pair of betas. */
export type LionSignSum = (discount: number) => number;

/** The per-(β1, β2) coefficients lionSignSumAt evaluates S(x) from (see the file comment). */
export interface LionSignSumCoefficients {
  /** head h_k */
  h: Float64Array;
  /** tail A_j, B_j, 1 − B_j */
  a: Float64Array;
  bb: Float64Array;
  om: Float64Array;
  /** ε-series G_n and r_0 */
  G: Float64Array;
  r0: number;
  /**
   * r_0·ε up to which S(1 − ε) − 1 is x·Σ_{n≤7} G_n·(−ε)^n alone (lionSignSumAt's short case):
   * CUT_7, or −1 when there are head terms. For loops that write that case out.
   */
  cut: number;
}

/** ρ1: the lag-1 correlation of Lion's c_t = β1·m_{t−1} + (1−β1)·g_t under white gradient noise. */
export function lionLag1Correlation(b1: number, b2: number): number {
  const variance = (1 - b1) ** 2 + (b1 * b1 * (1 - b2)) / (1 + b2);
  return (b1 * (1 - b2) * (1 - b1 + (b1 * b2) / (1 + b2))) / variance;
}

const MAX_TERMS = 200;
/** The ε-series is used while r_0·ε ≤ this; its n-th term is ≤ G_0·(r_0·ε)^n. */
const EPS_RATIO = 1 / 8;
const EPS_ORDER = 20; // (1/8)^21 ≈ 9e-20
/**
 * The ε-series is cut after order 7, 11 or 15 while the next term, ≤ G_0·(r_0·ε)^{n+1}, is below
 * 1e-18·G_0, that is while r_0·ε ≤ 1e-18^{1/(n+1)}; above CUT_15 it runs to order 20.
 */
const CUT_7 = Math.pow(1e-18, 1 / 8); // 5.6e-3
const CUT_11 = Math.pow(1e-18, 1 / 12);
const CUT_15 = Math.pow(1e-18, 1 / 16);

/** S(x) for betas in [0, 1); see the file comment for the forms it chooses between. */
export function lionSignSum(b1: number, b2: number): LionSignSum {
  const c = lionSignSumCoefficients(b1, b2);
  return (x) => lionSignSumAt(c, x);
}

/** The coefficients of S for (b1, b2), each in [0, 1). */
export function lionSignSumCoefficients(b1: number, b2: number): LionSignSumCoefficients {
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
    throw new Error(`lion: beta1, beta2 must be in [0, 1), got ${b1}, ${b2}`);
  }
  const scale = 4 / Math.PI;
  // head: h_k = (4/π)·arcsin(ρ_k) for the k with ρ_k > 1/2
  const head: number[] = [];
  let rho = lionLag1Correlation(b1, b2);
  while (rho > 0.5 && head.length < 1_000_000) {
    head.push(scale * Math.asin(rho));
    rho *= b2;
  }
  // tail coefficients: A_j, B_j = β2^{2j+1} and 1 − B_j (rho = ρ_{K+1} ≤ 1/2 now). 1 − B_j and
  // 1 − B_j·x = (1 − B_j) + B_j·ε are formed without cancellation: B_j·x is within 0.2% of 1 at
  // β2 = 0.999, where 1 − B_j·x directly would lose ~10 bits.
  const A: number[] = [];
  const B: number[] = [];
  const oneMinusB: number[] = [];
  const logB2 = Math.log1p(-(1 - b2)); // 1 − b2 is exact for b2 ∈ [0.5, 1)
  let aj = 1; // arcsin's series: a_j = c_j/(2j+1), c_j = (2j)!/(4^j (j!)²) carried here
  let rhoPow = rho;
  for (let j = 0; j < MAX_TERMS && rhoPow > 0; j++) {
    if (j > 0) aj *= (2 * j - 1) / (2 * j);
    const m = 2 * j + 1;
    const Bj = b2 === 0 ? 0 : Math.exp(m * logB2);
    const oneMinus = b2 === 0 ? 1 : -Math.expm1(m * logB2);
    const Aj = (scale * aj * rhoPow) / m;
    if (j > 0 && Aj / oneMinus < 1e-18 * (A[0] / oneMinusB[0])) break;
    A.push(Aj);
    B.push(Bj);
    oneMinusB.push(oneMinus);
    rhoPow *= rho * rho;
  }
  // ε-series coefficients G_n (n = 0..EPS_ORDER) and r_0
  const r0 = B.length > 0 ? B[0] / oneMinusB[0] : 0;
  const G = new Float64Array(EPS_ORDER + 1);
  for (let j = 0; j < A.length; j++) {
    const r = B[j] / oneMinusB[j];
    let term = A[j] / oneMinusB[j];
    for (let n = 0; n <= EPS_ORDER; n++) {
      G[n] += term;
      term *= r;
    }
  }
  return {
    h: Float64Array.from(head),
    a: Float64Array.from(A),
    bb: Float64Array.from(B),
    om: Float64Array.from(oneMinusB),
    G,
    r0,
    cut: head.length === 0 ? CUT_7 : -1,
  };
}

/**
 * S(x) from its coefficients. A module-level function, not a closure per betas: the recurrence
 * loops call it per step, and a call target that changes with every new prediction would make V8
 * throw away the loops' optimized code. Small on purpose, so that V8 inlines it into those loops:
 * the common case (x = 1 − ε with r_0·ε ≤ CUT_7: ηλ ≤ 5.7e-5 at β2 = 0.99) is written out here,
 * the rest is lionSignSumRest.
 */
export function lionSignSumAt(c: LionSignSumCoefficients, x: number): number {
  const G = c.G;
  const h = c.h;
  const eps = 1 - x;
  let acc: number;
  if (eps >= 0 && c.r0 * eps <= CUT_7) {
    // Σ_{n≤7} G_n·e^n, e = −ε, by Estrin's scheme (pairs, joined by e² and e⁴). Horner's loop
    // over an order searched per call made a Lion + cosine prediction 6 ms slower in Node (37 vs
    // 31 ms; the loops are bound by how many operations a step issues, and this is fewer).
    const e = -eps;
    const e2 = e * e;
    const e4 = e2 * e2;
    const p0 = G[0] + e * G[1] + e2 * (G[2] + e * G[3]);
    acc = x * (p0 + e4 * (G[4] + e * G[5] + e2 * (G[6] + e * G[7])));
  } else acc = lionSignSumRest(c, x);
  for (let k = h.length - 1; k >= 0; k--) acc = x * (h[k] + acc);
  return 1 + acc;
}

/** S(x) − 1 before the head terms, for the x lionSignSumAt leaves to it. */
function lionSignSumRest(c: LionSignSumCoefficients, x: number): number {
  const { a, bb, om, G, r0 } = c;
  const eps = 1 - x;
  const z = r0 * eps;
  if (!(eps >= 0 && z <= EPS_RATIO)) {
    let acc = 0;
    for (let j = a.length - 1; j >= 0; j--) acc += (a[j] * x) / (om[j] + bb[j] * eps);
    return acc;
  }
  // the ε-series to order 11, 15 or 20, by Estrin's scheme as in lionSignSumAt
  const e = -eps;
  const e2 = e * e;
  const e4 = e2 * e2;
  const e8 = e4 * e4;
  const p0 = G[0] + e * G[1] + e2 * (G[2] + e * G[3]);
  const p4 = G[4] + e * G[5] + e2 * (G[6] + e * G[7]);
  const p8 = G[8] + e * G[9] + e2 * (G[10] + e * G[11]);
  let high = p8;
  if (z > CUT_11) {
    const p12 = G[12] + e * G[13] + e2 * (G[14] + e * G[15]);
    high += e4 * p12;
    if (z > CUT_15) {
      const p16 = G[16] + e * G[17] + e2 * (G[18] + e * G[19]);
      high += e8 * (p16 + e4 * G[20]);
    }
  }
  return x * (p0 + e4 * p4 + e8 * high);
}
