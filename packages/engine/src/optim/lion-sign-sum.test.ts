import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lionLag1Correlation, lionSignSum } from './lion-sign-sum.js';
import { lionSignCorrelationSum } from './rotational-rules.js';

/**
 * The definition, term by term to terms below 1e-25: the reference. Powers by Math.pow (a running
 * product drifts by an ulp per factor: 1e-13 after the ~3,000 terms of β2 = 0.99), the sum
 * compensated (Neumaier).
 */
function termByTerm(b1: number, b2: number, x: number): number {
  const rho1 = lionLag1Correlation(b1, b2);
  let sum = 1;
  let comp = 0;
  for (let k = 1; k < 5_000_000; k++) {
    const rho = rho1 * Math.pow(b2, k - 1);
    const xk = Math.pow(x, k);
    if (!(Math.abs(rho * xk) > 1e-25)) break;
    const term = (4 / Math.PI) * Math.asin(rho) * xk;
    const t = sum + term;
    comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
  }
  return sum + comp;
}

const betas: [number, number][] = [
  [0.9, 0.99], // Lion's default: no head terms (ρ1 ≈ 0.35)
  [0.95, 0.98],
  [0.5, 0.999],
  [0.99, 0.999], // ρ1 > 1/2: head terms
  [0.999, 0.9999], // a long head (6,931 terms: 5e-15 off the true value, by mpmath at 30 digits)
  [0.9, 0], // only lag 1
  [0, 0.99], // no correlation: S = 1
];
const discounts = [1, 1 - 1e-7, 1 - 1e-5, 1 - 1e-3, 1 - 2e-3, 0.99, 0.9, 0.5, 0.1];

test('lionSignSum: every form equals the term-by-term sum to 4e-15 (1e-14 with a long head)', () => {
  for (const [b1, b2] of betas) {
    const S = lionSignSum(b1, b2);
    const tol = b2 > 0.9995 ? 1e-14 : 4e-15;
    for (const x of discounts) {
      const want = termByTerm(b1, b2, x);
      const got = S(x);
      assert.ok(
        Math.abs(got / want - 1) <= tol,
        `betas ${b1}, ${b2}, x ${x}: ${got} vs ${want} (${got / want - 1})`,
      );
    }
  }
  assert.equal(lionSignSum(0, 0.99)(0.999), 1);
});

test('lionSignSum: both sides of the switch between the ε-series and the j-sum (r_0·ε = 1/8)', () => {
  const [b1, b2] = [0.9, 0.99];
  const S = lionSignSum(b1, b2);
  const edge = 1 - 1 / 8 / (b2 / (1 - b2));
  // S moves by ~3.6e-12 per 1e-15 of x here: each side against the reference at its own x
  for (const x of [edge - 4e-16, edge - 2e-16, edge, edge + 2e-16, edge + 4e-16]) {
    const want = termByTerm(b1, b2, x);
    assert.ok(Math.abs(S(x) / want - 1) < 4e-15, `x ${x}: ${S(x)} vs ${want}`);
  }
  // mpmath at 40 digits: S(0.9987373737373737) = 40.907574054902148
  assert.ok(Math.abs(S(edge) / 40.90757405490215 - 1) < 2e-15);
});

test('lionSignSum: the ε-series at every order it cuts at (r_0·ε from 1e-7 to 1/8)', () => {
  // orders 7, 11, 15 and 20 switch at r_0·ε = 5.6e-3, 3.2e-2, 7.5e-2; a lower order kept on
  // where its next term exceeds 5e-16 (r_0·ε above 0.012, 0.053, 0.11) fails this
  const [b1, b2] = [0.9, 0.99];
  const S = lionSignSum(b1, b2);
  const r0 = b2 / (1 - b2);
  for (let i = 0; i <= 48; i++) {
    const z = Math.pow(10, -7 + (i / 48) * (7 - Math.log10(8)));
    const x = 1 - z / r0;
    const want = termByTerm(b1, b2, x);
    assert.ok(Math.abs(S(x) / want - 1) <= 5e-16, `r_0·ε ${z}: ${S(x)} vs ${want}`);
  }
});

test('lionSignCorrelationSum: the same evaluator; known value at the default betas', () => {
  assert.equal(lionSignCorrelationSum(0.9, 0.99, 1 - 1e-4), lionSignSum(0.9, 0.99)(1 - 1e-4));
  // S(1) at (0.9, 0.99) = 45.9269938570839 (mpmath, 40 digits)
  const s1 = lionSignCorrelationSum(0.9, 0.99);
  assert.ok(Math.abs(s1 / 45.9269938570839 - 1) < 2e-15, `S(1) = ${s1}`);
  assert.throws(() => lionSignSum(1, 0.99), /beta1, beta2 must be in \[0, 1\)/);
});
