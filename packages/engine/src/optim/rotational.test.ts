import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { AdamW } from './adam.js';
import { RVAdamW, RVLion, RVSGDM, type RotationalOptimizer } from './rotational.js';
import { equilibriumRotation } from './rotational-rules.js';

/** Angle between rows r of a and b (stable form 2·atan2(‖u−u'‖, ‖u+u'‖)). */
function rowAngles(a: Float64Array, b: Float64Array, rows: number): number[] {
  const cols = a.length / rows;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let aa = 0;
    let bb = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    let dm = 0;
    let dp = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      const u = a[i] / Math.sqrt(aa);
      const v = b[i] / Math.sqrt(bb);
      dm += (u - v) ** 2;
      dp += (u + v) ** 2;
    }
    out.push(2 * Math.atan2(Math.sqrt(dm), Math.sqrt(dp)));
  }
  return out;
}

function rowNormsOf(a: Float64Array, rows: number): number[] {
  const cols = a.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) s += a[i] * a[i];
    return Math.sqrt(s);
  });
}

/**
 * Trains one [rows, cols] float64 weight with noisy gradients whose scale differs 30× across
 * rows (so plain optimizers would rotate the rows at different rates); returns per-step
 * per-row angles and norms.
 */
function run(
  make: (p: [string, Tensor][]) => RotationalOptimizer,
  rows: number,
  steps: number,
): { angles: number[][]; norms: number[][]; opt: RotationalOptimizer } {
  const rng = new Rng(11);
  const cols = 40;
  const w = Tensor.randn([rows, cols], rng, { dtype: 'float64' });
  const opt = make([['w', w]]);
  const angles: number[][] = [];
  const norms: number[][] = [rowNormsOf(w.data as Float64Array, rows)];
  for (let t = 0; t < steps; t++) {
    const g = new Float64Array(rows * cols);
    for (let i = 0; i < g.length; i++)
      g[i] = rng.normal() * (1 + (29 * Math.floor(i / cols)) / rows);
    w.grad = new Tensor(g, [rows, cols]);
    const before = (w.data as Float64Array).slice();
    opt.step();
    angles.push(rowAngles(before, w.data as Float64Array, rows));
    norms.push(rowNormsOf(w.data as Float64Array, rows));
  }
  return { angles, norms, opt };
}

const rms = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

test('updateNormDecay 0: every row of RV-SGDM, RV-AdamW and RV-Lion turns by exactly η_r from step 0', () => {
  const cases: [string, (p: [string, Tensor][]) => RotationalOptimizer, number][] = [
    [
      'sgdm',
      (p) => new RVSGDM(p, { lr: 0.05, weightDecay: 5e-4, updateNormDecay: 0 }),
      equilibriumRotation('sgdm', { lr: 0.05, weightDecay: 5e-4, momentum: 0.9 }),
    ],
    [
      'adamw',
      (p) => new RVAdamW(p, { lr: 1e-3, weightDecay: 0.1, updateNormDecay: 0 }),
      equilibriumRotation('adamw', { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.999] }),
    ],
    [
      'lion',
      (p) => new RVLion(p, { lr: 1e-4, weightDecay: 1, updateNormDecay: 0 }),
      equilibriumRotation('lion', { lr: 1e-4, weightDecay: 1, betas: [0.9, 0.99] }),
    ],
  ];
  for (const [name, make, etaR] of cases) {
    const { angles } = run(make, 6, 60);
    // w − η_r·ρ·d/‖d‖ with d ⊥ w, renormalised: tan Δ = η_r exactly, at every step
    for (const [t, a] of angles.entries())
      for (const x of a) assert.ok(Math.abs(x - Math.atan(etaR)) < 1e-9, `${name} step ${t}: ${x}`);
  }
});

test('RV-AdamW per neuron (default β 0.9): η_r at step 0, a short dip while Adam’s m̂ settles, η_r after', () => {
  const rmsOf = (beta: number | undefined, from: number, to: number): number[] => {
    const make = (p: [string, Tensor][]): RotationalOptimizer =>
      new RVAdamW(p, { lr: 1e-3, weightDecay: 0.1, updateNormDecay: beta });
    const { angles } = run(make, 6, 400);
    return [0, 1, 2, 3, 4, 5].map((r) => rms(angles.slice(from, to).map((a) => a[r])) / etaR);
  };
  const etaR = equilibriumRotation('adamw', { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.999] });
  assert.ok(Math.abs(etaR - Math.sqrt((2e-4 * 0.1) / 1.9)) < 1e-15);
  const { angles, norms, opt } = run((p) => new RVAdamW(p, { lr: 1e-3, weightDecay: 0.1 }), 6, 400);
  assert.ok(Math.abs(opt.targetRotation(opt.paramGroups[0]) - etaR) < 1e-18);
  assert.equal(opt.paramGroups[0].updateNormDecay, 0.9);
  // step 0: ν̂ = ‖d‖² exactly, so the angle is atan(η_r) in every row
  for (const a of angles[0]) assert.ok(Math.abs(a - Math.atan(etaR)) < 1e-9, `step 0 ${a}`);
  for (let r = 0; r < 6; r++)
    for (const n of norms) assert.ok(Math.abs(n[r] / norms[0][r] - 1) < 1e-12, 'norm fixed');
  // The angle is η_r·‖d_t‖/√ν̂_t. Adam's ‖m̂_t‖² falls from ‖g‖² (t = 1) to (1−β1)/(1+β1) of it
  // over ~1/(1−β1) steps; ν̂ follows ~1/(1−β) steps late, so Δ dips while it catches up:
  // β = 0.9 (the authors' default): ~0.84 over steps 5–50, η_r from step 50 on;
  for (const x of rmsOf(undefined, 5, 50)) assert.ok(x > 0.78 && x < 0.9, `β 0.9, 5–50: ${x}`);
  for (const x of rmsOf(undefined, 50, 400))
    assert.ok(Math.abs(x - 1) < 0.03, `β 0.9, 50–400: ${x}`);
  // β = 0.99: ν̂ remembers the first steps' large ‖d‖² for ~100 steps — 0.67 over 5–50, still
  // 0.8 over 50–100 (what docs/optimizers.md measured on Fashion-MNIST before the default moved)
  for (const x of rmsOf(0.99, 5, 50)) assert.ok(x > 0.6 && x < 0.75, `β 0.99, 5–50: ${x}`);
  for (const x of rmsOf(0.99, 50, 100)) assert.ok(x > 0.72 && x < 0.88, `β 0.99, 50–100: ${x}`);
});

test('RV-Lion per neuron: η_r from step 0 (sign steps: near-fixed norm)', () => {
  const { angles } = run((p) => new RVLion(p, { lr: 1e-4, weightDecay: 1 }), 4, 50);
  const etaR = equilibriumRotation('lion', { lr: 1e-4, weightDecay: 1, betas: [0.9, 0.99] });
  for (let r = 0; r < 4; r++) {
    const first = rms(angles.slice(0, 10).map((a) => a[r]));
    const all = rms(angles.map((a) => a[r]));
    console.log(
      `RV-Lion row ${r}: RMS Δ/η_r first 10 steps ${first / etaR}, 50 steps ${all / etaR}`,
    );
    assert.ok(Math.abs(first / etaR - 1) < 0.05, `row ${r} first 10 steps ${first} vs ${etaR}`);
    assert.ok(Math.abs(all / etaR - 1) < 0.05, `row ${r} 50 steps ${all} vs ${etaR}`);
  }
});

test('RV-SGDM per layer: the tensor turns by η_r; rows are free to differ', () => {
  const lr = 0.05;
  const make = (p: [string, Tensor][]): RotationalOptimizer =>
    new RVSGDM(p, { lr, momentum: 0.9, weightDecay: 5e-4, perNeuron: false });
  const { angles } = run(make, 6, 200);
  const etaR = Math.sqrt((2 * lr * 5e-4) / 1.9);
  const whole = run(make, 1, 200).angles.map((a) => a[0]);
  assert.ok(Math.abs(rms(whole) / etaR - 1) < 0.05, `${rms(whole)} vs ${etaR}`);
  // per layer, the noisiest row turns most: rotation is not balanced across rows
  const byRow = [0, 5].map((r) => rms(angles.map((a) => a[r])));
  assert.ok(byRow[1] > 3 * byRow[0], `rows ${byRow}`);
});

test('RV-Lion target follows √η when a schedule lowers lr', () => {
  const { opt } = run((p) => new RVLion(p, { lr: 1e-4, weightDecay: 1 }), 2, 1);
  const a = opt.targetRotation(opt.paramGroups[0]);
  opt.paramGroups[0].lr = 2.5e-5;
  const b = opt.targetRotation(opt.paramGroups[0]);
  assert.ok(Math.abs(a / b - 2) < 1e-12);
});

test('rotational state survives stateDict → loadStateDict (same next step)', () => {
  const rng = new Rng(2);
  const mk = (): [Tensor, RVAdamW] => {
    const w = Tensor.randn([3, 5], new Rng(1), { dtype: 'float64' });
    return [w, new RVAdamW([['w', w]], { lr: 1e-3, weightDecay: 0.1 })];
  };
  const [w1, o1] = mk();
  const grads = Array.from({ length: 4 }, () => Tensor.randn([3, 5], rng, { dtype: 'float64' }));
  for (const g of grads.slice(0, 3)) {
    w1.grad = g;
    o1.step();
  }
  const sd = o1.stateDict();
  assert.deepEqual(sd.state.w.norm instanceof Tensor ? sd.state.w.norm.shape : null, [3]);
  const [w2, o2] = mk();
  w2.data.set(w1.data);
  o2.loadStateDict(sd);
  w1.grad = grads[3];
  w2.grad = grads[3];
  o1.step();
  o2.step();
  assert.deepEqual(Array.from(w2.data), Array.from(w1.data));
  const bad = { ...sd, state: { w: { ...sd.state.w, norm: Tensor.zeros([4]) } } };
  assert.throws(() => o2.loadStateDict(bad), /state 'w.norm' has shape \[4\], expected \[3\]/);
});

test('tensors that are not wrapped (1-D, or λ = 0) take the inner optimizer update', () => {
  const b1 = Tensor.from([0.5, -1, 2], [3], { dtype: 'float64' });
  const b2 = b1.clone();
  const rv = new RVAdamW([['b', b1]], { lr: 1e-2, weightDecay: 0.1 });
  const aw = new AdamW([['b', b2]], { lr: 1e-2, weightDecay: 0.1 });
  const g = Tensor.from([0.1, 0.2, -0.3], [3], { dtype: 'float64' });
  b1.grad = g;
  b2.grad = g;
  rv.step();
  aw.step();
  assert.deepEqual(Array.from(b1.data), Array.from(b2.data));
  assert.throws(
    () => new RVSGDM([['w', Tensor.zeros([2, 2])]], { rotational: true }),
    /rotational tensors need weightDecay > 0/,
  );
});
