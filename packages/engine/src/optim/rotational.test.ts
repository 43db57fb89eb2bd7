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

test('RV-AdamW per neuron: every row turns by η_r at step 0 and again once ν has caught up', () => {
  const { angles, norms, opt } = run((p) => new RVAdamW(p, { lr: 1e-3, weightDecay: 0.1 }), 6, 400);
  const etaR = equilibriumRotation('adamw', { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.999] });
  assert.ok(Math.abs(opt.targetRotation(opt.paramGroups[0]) - etaR) < 1e-18);
  assert.ok(Math.abs(etaR - Math.sqrt((2e-4 * 0.1) / 1.9)) < 1e-15);
  // step 0: ν̂ = ‖d‖² exactly, so the angle is atan(η_r) in every row
  for (const a of angles[0]) assert.ok(Math.abs(a - Math.atan(etaR)) < 1e-9, `step 0 ${a}`);
  for (let r = 0; r < 6; r++) {
    // Adam's ‖m̂‖ falls over ~1/(1−β1) steps while ν remembers ~1/(1−0.99): a dip to ~0.62×
    const early = rms(angles.slice(5, 50).map((a) => a[r]));
    const late = rms(angles.slice(250).map((a) => a[r]));
    assert.ok(early / etaR > 0.55 && early / etaR < 0.75, `row ${r} steps 5-50 ${early / etaR}`);
    assert.ok(Math.abs(late / etaR - 1) < 0.05, `row ${r} steps 250-400 ${late} vs ${etaR}`);
    for (const n of norms) assert.ok(Math.abs(n[r] / norms[0][r] - 1) < 1e-12, 'norm fixed');
  }
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
