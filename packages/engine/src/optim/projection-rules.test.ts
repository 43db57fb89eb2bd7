import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { projectScaleInvariant, sgdpUpdate } from './projection-rules.js';
import { lionUpdate } from './update-rules.js';

const H = { delta: 0.1, eps: 1e-8, wdRatio: 0.1 };

function randn(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Per-row ⟨a_r, b_r⟩ for rows of equal length. */
function rowDots(a: Float64Array, b: Float64Array, rows: number): number[] {
  const cols = a.length / rows;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) s += a[i] * b[i];
    out.push(s);
  }
  return out;
}

/** g with each row's radial part removed (a per-channel scale-invariant gradient). */
function tangent(w: Float64Array, g: Float64Array, rows: number): Float64Array {
  const out = g.slice();
  const cols = w.length / rows;
  const gw = rowDots(g, w, rows);
  const ww = rowDots(w, w, rows);
  for (let r = 0; r < rows; r++) {
    for (let i = r * cols; i < (r + 1) * cols; i++) out[i] -= (gw[r] / ww[r]) * w[i];
  }
  return out;
}

test('projection: a per-channel tangent gradient makes the direction tangent per channel', () => {
  const rng = new Rng(3);
  const shape = [4, 2, 3, 3];
  const w = randn(72, rng);
  const g = tangent(w, randn(72, rng), 4);
  const p = randn(72, rng); // a direction with radial parts (e.g. a momentum buffer)
  assert.ok(Math.max(...rowDots(p, w, 4).map(Math.abs)) > 0.1);
  const ratio = projectScaleInvariant(w, g, p, shape, H);
  assert.equal(ratio, 0.1);
  // ŵ = w/(‖w‖ + ε) leaves ~2ε/‖w‖ of the radial part
  for (const d of rowDots(p, w, 4)) assert.ok(Math.abs(d) < 1e-6, `row dot ${d}`);
});

test('projection: a gradient with a radial part leaves the direction alone (ratio 1)', () => {
  const rng = new Rng(4);
  const w = randn(24, rng);
  const g = randn(24, rng);
  for (let i = 0; i < 24; i++) g[i] += w[i]; // strongly radial
  const p = randn(24, rng);
  const before = p.slice();
  assert.equal(projectScaleInvariant(w, g, p, [3, 8], H), 1);
  assert.deepEqual(p, before);
  assert.equal(projectScaleInvariant(w, g, p, [24], H), 1, 'rank 1 is never projected');
});

test('projection: only the whole tensor is scale-invariant → the layer view projects', () => {
  const rng = new Rng(5);
  const w = randn(40, rng);
  // radial per row, with opposite signs so the whole-tensor cosine is 0
  const g = tangent(w, randn(40, rng), 1);
  const ww = rowDots(w, w, 2);
  for (let i = 0; i < 20; i++) g[i] += (0.5 * w[i]) / Math.sqrt(ww[0]);
  const shift = (-0.5 * Math.sqrt(ww[0])) / ww[1];
  for (let i = 20; i < 40; i++) g[i] += shift * w[i];
  const p = randn(40, rng);
  assert.equal(projectScaleInvariant(w, g, p, [2, 20], H), 0.1);
  assert.ok(Math.abs(rowDots(p, w, 1)[0]) < 1e-6, 'tangent to the whole tensor');
  assert.ok(Math.abs(rowDots(p, w, 2)[0]) > 1e-2, 'but not per row');
});

test('SGDP step: v = μv + g, decay 1 − ηλ·ratio/(1−μ), w −= η·Π(v); buffer not projected', () => {
  const rng = new Rng(6);
  const w = randn(18, rng);
  const w0 = w.slice();
  const g = tangent(w, randn(18, rng), 2);
  const v = randn(18, rng);
  const v0 = v.slice();
  const p = new Float64Array(18);
  const h = { ...H, lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: false };
  sgdpUpdate(w, g, v, p, [2, 9], h);
  const vExp = v0.map((x, i) => 0.9 * x + g[i]);
  for (let i = 0; i < 18; i++) assert.ok(Math.abs(v[i] - vExp[i]) < 1e-15);
  const proj = vExp.slice();
  projectScaleInvariant(w0, g, proj, [2, 9], H);
  const shrink = 1 - (0.1 * 0.01 * 0.1) / (1 - 0.9);
  for (let i = 0; i < 18; i++) {
    assert.ok(Math.abs(w[i] - (w0[i] * shrink - 0.1 * proj[i])) < 1e-14, `w[${i}]`);
  }
});

test('Lion step: w·(1 − ηλ) − η·sign(β1 m + (1−β1) g), then m = β2 m + (1−β2) g', () => {
  const w = Float64Array.from([1, -2, 0.5, 3]);
  const m = Float64Array.from([0.2, -0.1, 0, 1]);
  const g = Float64Array.from([-1, 0.5, 0.3, -20]);
  lionUpdate(w, g, m, { lr: 0.01, betas: [0.9, 0.99], weightDecay: 0.5, maximize: false });
  // c = 0.9m + 0.1g = [0.08, -0.04, 0.03, -1.1] → sign [1, -1, 1, -1]
  const shrink = 1 - 0.005;
  const exp = [1 * shrink - 0.01, -2 * shrink + 0.01, 0.5 * shrink - 0.01, 3 * shrink + 0.01];
  exp.forEach((e, i) => assert.ok(Math.abs(w[i] - e) < 1e-15, `w[${i}] ${w[i]} vs ${e}`));
  const mExp = [0.198 - 0.01, -0.099 + 0.005, 0.003, 0.99 - 0.2];
  mExp.forEach((e, i) => assert.ok(Math.abs(m[i] - e) < 1e-15, `m[${i}]`));
});
