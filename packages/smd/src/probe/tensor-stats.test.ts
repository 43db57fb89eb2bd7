import { test } from 'node:test';
import assert from 'node:assert/strict';
import { angleFromSums, probeChannels, probeTensor } from './tensor-stats.js';

const f32 = Math.fround;

/** Exact value of a double as a BigInt scaled by 2^1100 (every double is m·2^e with e ≥ −1074). */
function exactScaled(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp = -1074;
  if (e > 0) {
    m |= 1n << 52n;
    exp = e - 1075;
  }
  const v = m << BigInt(exp + 1100);
  return hi >>> 31 ? -v : v;
}

/** A BigInt scaled by 2^scaleBits as a double (60 leading bits kept). */
function bigToNumber(x: bigint, scaleBits: number): number {
  const neg = x < 0n;
  const a = neg ? -x : x;
  const shift = Math.max(0, a.toString(2).length - 60);
  const v = Number(a >> BigInt(shift)) * 2 ** (shift - scaleBits);
  return neg ? -v : v;
}

/** Δ between two float32 vectors from exact rational sums: atan2(√(ww·dd − wd²), ww + wd). */
function exactAngle(w: Float32Array, w1: Float32Array): number {
  let ww = 0n;
  let wd = 0n;
  let dd = 0n;
  for (let i = 0; i < w.length; i++) {
    const a = exactScaled(w[i]);
    const d = exactScaled(w1[i]) - a;
    ww += a * a;
    wd += a * d;
    dd += d * d;
  }
  const cross = ww * dd - wd * wd; // scale 2^4400
  return Math.atan2(Math.sqrt(bigToNumber(cross, 4400)), bigToNumber(ww + wd, 2200));
}

/** Deterministic pseudo-random numbers in [−1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** w = [3, 4], g = γ·[−4, 3] ⟂ w, one SGD step with η = 2^-7, λ = 2^-3: w_{t+1} is exact in float32. */
function sgdCase(gamma: number) {
  const lr = 2 ** -7;
  const wd = 2 ** -3;
  const w = new Float32Array([3, 4]);
  const g = new Float32Array([-4 * gamma, 3 * gamma]);
  const w1 = new Float32Array(2);
  for (let i = 0; i < 2; i++) w1[i] = (1 - lr * wd) * w[i] - lr * g[i];
  for (let i = 0; i < 2; i++)
    assert.equal(w1[i], (1 - lr * wd) * w[i] - lr * g[i], 'w_{t+1} exact in float32');
  return { lr, wd, w, g, w1 };
}

test('one SGD step with g ⟂ w matches §6: ‖w_{t+1}‖² and tan Δ', () => {
  const { lr, wd, w, g, w1 } = sgdCase(2 ** -4);
  const s = probeTensor({ wPrev: w, wNext: w1, grad: g, momentumPrev: null }, { lr, momentum: 0 });
  const gSq = 25 * 2 ** -8;
  assert.equal(s.norm, 5);
  assert.equal(s.gradSqNorm, gSq);
  assert.equal(s.unitGradSqNorm, gSq * 25);
  assert.equal(s.hTilde, gSq * 25);
  assert.equal(s.vDotG, 0);
  assert.equal(s.radialCos, 0);
  assert.equal(s.lrEffective, lr / 25);
  const expectedNextSq = (1 - lr * wd) ** 2 * 25 + lr ** 2 * gSq;
  assert.ok(Math.abs(s.normNext ** 2 - expectedNextSq) <= 1e-14 * expectedNextSq);
  const tanDelta = (lr * Math.sqrt(gSq)) / ((1 - lr * wd) * 5);
  assert.ok(
    Math.abs(Math.tan(s.deltaRad) - tanDelta) <= 1e-14 * tanDelta,
    `${Math.tan(s.deltaRad)} vs ${tanDelta}`,
  );
});

test('a ~1e-5 rad step: float32 arccos fails, the probe is right to 1e-9 relative', () => {
  const { lr, wd, w, g, w1 } = sgdCase(2 ** -10);
  const s = probeTensor({ wPrev: w, wNext: w1, grad: g, momentumPrev: null }, { lr, momentum: 0 });
  const expected = Math.atan((lr * 5 * 2 ** -10) / ((1 - lr * wd) * 5));
  assert.ok(expected > 7e-6 && expected < 8e-6);
  // naive float32: arccos(⟨w, w'⟩ / (‖w‖‖w'‖)) with float32 rounding at each op
  let dot = 0;
  let n0 = 0;
  let n1 = 0;
  for (let i = 0; i < 2; i++) {
    dot = f32(dot + f32(w[i] * w1[i]));
    n0 = f32(n0 + f32(w[i] * w[i]));
    n1 = f32(n1 + f32(w1[i] * w1[i]));
  }
  const naive = Math.acos(Math.min(1, f32(dot / f32(f32(Math.sqrt(n0)) * f32(Math.sqrt(n1))))));
  assert.ok(Math.abs(naive - expected) > 0.1 * expected, `naive float32 arccos gave ${naive}`);
  assert.ok(Math.abs(s.deltaRad - expected) <= 1e-9 * expected, `${s.deltaRad} vs ${expected}`);
});

test('angle on a 4096-element tensor equals the exact rational angle to 1e-9 relative', () => {
  const rnd = lcg(7);
  const n = 4096;
  for (const eps of [1e-3, 1e-5, 3e-7]) {
    const w = new Float32Array(n);
    const w1 = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = rnd() * 0.05;
    for (let i = 0; i < n; i++) w1[i] = w[i] * (1 - 1e-5) + eps * 0.05 * rnd();
    const exact = exactAngle(w, w1);
    const got = angleFromSums(
      w.reduce((s, x) => s + x * x, 0),
      w.reduce((s, x, i) => s + x * (w1[i] - x), 0),
      w.reduce((s, x, i) => s + (w1[i] - x) ** 2, 0),
    );
    assert.ok(exact > 0.1 * eps && exact < 10 * eps, `exact ${exact} for eps ${eps}`);
    assert.ok(Math.abs(got - exact) <= 1e-9 * exact, `eps ${eps}: ${got} vs exact ${exact}`);
  }
});

test('angleFromSums: right angle, antiparallel step, zero weight', () => {
  // w = [1, 0], w' = [0, 1]: d = [−1, 1]
  assert.ok(Math.abs(angleFromSums(1, -1, 2) - Math.PI / 2) < 1e-15);
  // w = [1, 0], w' = [−2, 1e-3]: angle = atan2(1e-3, −2)
  assert.ok(Math.abs(angleFromSums(1, -3, 9 + 1e-6) - Math.atan2(1e-3, -2)) < 1e-12);
  assert.ok(Number.isNaN(angleFromSums(0, 0, 1)));
});

test('SGDM: h̃ = (‖g‖² + 2α⟨v, g⟩)‖w‖², radial cosine', () => {
  const w = new Float32Array([1, 2, 2]); // ‖w‖ = 3
  const w1 = new Float32Array([1, 2, 1.5]);
  const g = new Float32Array([0.5, 0, -0.25]);
  const v = new Float32Array([2, -1, 4]);
  const s = probeTensor(
    { wPrev: w, wNext: w1, grad: g, momentumPrev: v },
    { lr: 0.1, momentum: 0.9 },
  );
  const gg = 0.25 + 0.0625;
  const vg = 1 - 1;
  assert.equal(s.vDotG, vg);
  assert.equal(s.gradSqNorm, gg);
  assert.equal(s.hTilde, (gg + 2 * 0.9 * vg) * 9);
  assert.ok(Math.abs(s.radialCos - (0.5 - 0.5) / (3 * Math.sqrt(gg))) < 1e-16);
  const v2 = new Float32Array([1, 0, 0]);
  const s2 = probeTensor(
    { wPrev: w, wNext: w1, grad: g, momentumPrev: v2 },
    { lr: 0.1, momentum: 0.9 },
  );
  assert.equal(s2.vDotG, 0.5);
  assert.ok(Math.abs(s2.hTilde - (gg + 0.9) * 9) < 1e-13);
  // w' = [1, 2, 1.5]: cos Δ = (1 + 4 + 3)/(3·√7.25)
  assert.ok(Math.abs(s2.deltaRad - Math.acos(8 / (3 * Math.sqrt(7.25)))) < 1e-12);
  const g3 = new Float32Array([2, 4, 4]); // parallel to w
  const s3 = probeTensor(
    { wPrev: w, wNext: w1, grad: g3, momentumPrev: null },
    { lr: 0.1, momentum: 0 },
  );
  assert.ok(Math.abs(s3.radialCos - 1) < 1e-15);
});

test('per-channel mode equals the whole-tensor probe on each row', () => {
  const rnd = lcg(3);
  const rows = 5;
  const k = 18;
  const mk = (scale: number) => Float32Array.from({ length: rows * k }, () => rnd() * scale);
  const w = mk(0.1);
  const g = mk(0.01);
  const v = mk(0.02);
  const w1 = w.map((x, i) => x - 0.1 * (v[i] * 0.9 + g[i] + 1e-4 * x));
  const rates = { lr: 0.1, momentum: 0.9 };
  const ch = probeChannels({ wPrev: w, wNext: w1, grad: g, momentumPrev: v }, rates, rows);
  for (let r = 0; r < rows; r++) {
    const sl = (a: Float32Array) => a.subarray(r * k, (r + 1) * k);
    const one = probeTensor(
      { wPrev: sl(w), wNext: sl(w1), grad: sl(g), momentumPrev: sl(v) },
      rates,
    );
    for (const key of Object.keys(one) as (keyof typeof one)[]) {
      assert.equal(ch[key][r], one[key], `${key} row ${r}`);
    }
  }
  assert.ok(ch.deltaRad.every((d) => d > 0 && d < 1));
  assert.throws(
    () => probeChannels({ wPrev: w, wNext: w1, grad: g, momentumPrev: v }, rates, 7),
    /rows must be/,
  );
});
