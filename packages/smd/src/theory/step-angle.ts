/**
 * The angle atan2(y, x) of one recurrence step (y ≥ 0: η times a norm), fast where it is small.
 * Every per-step Δ_t and Δ* of the recurrences goes through here (twice per step of a prediction):
 * V8's Math.atan2 is a call into fdlibm (~12 ns, more than the rest of a mean-field step), while
 * Δ_t is almost always a few mrad. For 0 < y ≤ x/8 (angles ≤ 0.124 rad) the Taylor series of
 * atan(z), z = y/x, in w = z²:
 * - z ≤ 1/64 (angles ≤ 15.6 mrad, nearly every step): to z⁹; the first omitted term is
 *   ≤ z·w⁵/11 ≤ 8·10⁻²⁰·z;
 * - otherwise to z¹⁷: the first omitted term is ≤ z¹⁹/19 ≤ 3·10⁻¹⁸·z.
 * Horner on w adds ≤ 1 ulp, so the result is within 2 ulp of atan2 (step-angle.test.ts).
 * Elsewhere (large angles, x ≤ 0, NaN): Math.atan2 itself.
 */
export function stepAngle(y: number, x: number): number {
  // the common case here, the rest in stepAngleWide: the hot loops inline a small function whole.
  // Split so, Lion + cosine's recurrence and Δ* loops ran 17.4 → 15.5 and 11.6 → 11.1 ms per 10⁶
  // steps in Node (bench/RESULTS.md, session 10). For x > 0, z ≤ 1/64 implies y ≤ x/8, so the
  // cases are stepAngleWide's.
  const z = y / x;
  if (x > 0 && z <= 0.015625) {
    const w = z * z;
    return z * (1 + w * (-1 / 3 + w * (1 / 5 + w * (-1 / 7 + w * (1 / 9)))));
  }
  return stepAngleWide(y, x);
}

/** stepAngle's other cases: 1/64 < z ≤ 1/8 (the series to z¹⁷), Math.atan2 elsewhere. */
function stepAngleWide(y: number, x: number): number {
  if (x > 0 && y <= 0.125 * x) {
    const z = y / x;
    const w = z * z;
    return (
      z *
      (1 +
        w *
          (-1 / 3 +
            w *
              (1 / 5 +
                w *
                  (-1 / 7 +
                    w * (1 / 9 + w * (-1 / 11 + w * (1 / 13 + w * (-1 / 15 + w * (1 / 17)))))))))
    );
  }
  return Math.atan2(y, x);
}
