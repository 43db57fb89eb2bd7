import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kosson, lionDeltaStarGaussian } from './kosson.js';
import { deltaStarPaper } from './equilibrium.js';
import { simulateScaleInvariant } from '../sim/scale-invariant.js';

const D = 2000;
const mean = (x: Float64Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return s / (to - from);
};
const rel = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${what} ${a} vs ${b} (rel tol ${tol})`);

/** Mean Δ over the last half of a run that starts at the norm where ‖u‖-sized steps give Δ. */
function simDelta(o: Parameters<typeof simulateScaleInvariant>[0]): number {
  const r = simulateScaleInvariant(o);
  return mean(r.deltaRad, o.steps >> 1, o.steps);
}

test('Kosson SGDM formula is Theorem 3', () => {
  rel(
    kosson.sgdmDeltaStar({ lr: 0.1, wd: 1e-4, momentum: 0.9 }),
    deltaStarPaper({ lr: 0.1, wd: 1e-4, momentum: 0.9 }),
    1e-15,
  );
});

test('Kosson AdamW Δ* = √(2ηλ(1−β₁)/(1+β₁)) matches the simulator within 2%', () => {
  // ηλ = 1e-3 (norm time constant ~500 steps); start at the predicted norm ‖w*‖² ≈ ηd/(2λ).
  for (const beta1 of [0.9, 0.5, 0]) {
    const lr = 1e-2;
    const wd = 0.1;
    const sim = simDelta({
      d: D,
      steps: 4000,
      seed: 21,
      optimizer: 'adamw',
      lr,
      wd,
      beta1,
      beta2: 0.99,
      initialNormSq: (lr * D) / (2 * wd),
    });
    rel(sim, kosson.adamwDeltaStar({ lr, wd, beta1 }), 0.02, `AdamW β1=${beta1}`);
  }
  rel(kosson.adamwDeltaStar({ lr: 1e-2, wd: 0.1, beta1: 0.9 }), 0.01026, 1e-4);
});

test('Lion: Kosson formula rejected by simulation, the Gaussian-sign derivation matches within 2%', () => {
  const kossonLion = (lr: number, wd: number, b1: number, b2: number): number =>
    Math.sqrt(Math.PI / 2) *
    Math.sqrt(2 * lr * wd) *
    Math.sqrt((1 - b1) ** 2 + (b1 * b1 * (1 - b2)) / (1 + b2));
  const lr = 1e-4;
  const wd = 1;
  for (const [b1, b2] of [
    [0, 0.9],
    [0.5, 0.9],
    [0.9, 0.99],
  ]) {
    const pred = lionDeltaStarGaussian({ lr, wd, beta1: b1, beta2: b2 });
    const sim = simDelta({
      d: D,
      steps: 6000,
      seed: 31,
      optimizer: 'lion',
      lr,
      wd,
      beta1: b1,
      beta2: b2,
      initialNormSq: (lr * lr * D) / (pred * pred),
    });
    rel(sim, pred, 0.02, `Lion β=(${b1}, ${b2})`);
    if (b1 === 0) {
      // Kosson's value is √(π/2) ≈ 1.25× the simulated one here.
      rel(kossonLion(lr, wd, b1, b2) / sim, Math.sqrt(Math.PI / 2), 0.02, 'Kosson Lion mismatch');
    }
  }
  rel(lionDeltaStarGaussian({ lr: 1e-4, wd: 1, beta1: 0, beta2: 0.5 }), Math.sqrt(2e-4), 1e-15);
  assert.throws(
    () => lionDeltaStarGaussian({ lr: 1, wd: 1, beta1: 1, beta2: 0.9 }),
    /beta1, beta2 must be in \[0, 1\)/,
  );
});
