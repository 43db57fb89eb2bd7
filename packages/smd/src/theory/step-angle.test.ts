import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepAngle } from './step-angle.js';

test('stepAngle is atan2 to 2 ulp on the series range, and atan2 itself outside it', () => {
  let worst = 0;
  // Deterministic sweep of z = y/x over (0, 1/8] at several magnitudes of x.
  for (const x of [1e-8, 0.37, 1, 3.5, 1e6]) {
    for (let i = 0; i <= 20_000; i++) {
      const z = i === 0 ? 0 : (0.125 * i) / 20_000;
      const y = z * x;
      const want = Math.atan2(y, x);
      const got = stepAngle(y, x);
      if (want === 0) assert.equal(got, 0);
      else worst = Math.max(worst, Math.abs(got / want - 1));
    }
  }
  // Log-spaced z from 1e-12 to 1/8: both sides of the switch to the short series at z = 1/64,
  // which stays within 1 ulp (one term fewer would give 2.5).
  let worstShort = 0;
  for (const x of [1e-8, 1, 7.25]) {
    for (let i = 0; i <= 20_000; i++) {
      const z = i === 20_000 ? 0.125 : Math.pow(10, -12 + (i / 20_000) * (12 + Math.log10(0.125)));
      for (const zz of [z, 0.015625 * (1 + (i - 10_000) * 1e-7)]) {
        const want = Math.atan2(zz * x, x);
        const diff = Math.abs(stepAngle(zz * x, x) / want - 1);
        worst = Math.max(worst, diff);
        if (zz * x <= 0.015625 * x) worstShort = Math.max(worstShort, diff);
      }
    }
  }
  assert.ok(worst <= 2 * Number.EPSILON, `worst relative difference ${worst}`);
  assert.ok(
    worstShort <= Number.EPSILON,
    `worst relative difference below z = 1/64: ${worstShort}`,
  );
  assert.ok(worst > 0, 'the series path was not taken');
  // Tiny angles (Δ of a run with ηλ ~ 1e-12) keep their full relative precision.
  assert.ok(Math.abs(stepAngle(1e-300, 1) / 1e-300 - 1) <= Number.EPSILON);
  // Outside the series range: exactly Math.atan2.
  for (const [y, x] of [
    [1, 1],
    [0.2, 1],
    [1, 0],
    [1, -3],
    [0, -1],
    [NaN, 1],
    [1, NaN],
    [Infinity, 1],
  ]) {
    assert.ok(Object.is(stepAngle(y, x), Math.atan2(y, x)), `${y}, ${x}`);
  }
});
