/** Random group-norm shapes for the conformance sweeps of both backends (test support). */
import { Rng } from '@smd/engine';
import type { GroupNormShape } from '@smd/engine/conformance';

/**
 * `count` random shapes (drawn from `seed`): every third NHWC with any C, the others blocked with
 * C a multiple of 16 and, every other time, a group size that does not divide the 16-channel
 * block when C has one; batch from 1, a ReLU epilogue 60% of the time, some offset data.
 */
export function randomGroupNormShapes(count: number, seed = 18): GroupNormShape[] {
  const r = new Rng(seed);
  const between = (lo: number, hi: number): number => lo + r.int(hi - lo + 1);
  const out: GroupNormShape[] = [];
  for (let i = 0; i < count; i++) {
    const blocked = i % 3 !== 0;
    const c = blocked ? 16 * between(1, 6) : between(1, 40);
    const divisors = Array.from({ length: c }, (_, k) => k + 1).filter((g) => c % g === 0);
    const odd = divisors.filter((g) => 16 % (c / g) !== 0);
    const pick = blocked && i % 2 === 0 && odd.length > 0 ? odd : divisors;
    out.push({
      n: between(1, 6),
      c,
      hw: between(1, 60),
      groups: pick[r.int(pick.length)],
      order: blocked ? 'nChw16c' : 'nhwc',
      act: r.random() < 0.6,
      offset: r.random() < 0.15 ? 50 : undefined,
    });
  }
  return out;
}
