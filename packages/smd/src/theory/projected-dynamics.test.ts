import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScaleInvariant } from '../sim/scale-invariant.js';
import { optimizerDynamics, type DynamicsHyper } from './optimizer-dynamics.js';
import { projectedEquilibriumDelta } from './projected-equilibrium.js';
import type { MeanFieldState } from './types.js';

const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b} (rel tol ${tol})`);

const mean = (x: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return s / (to - from);
};
const rms = (x: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] ** 2;
  return Math.sqrt(s / (to - from));
};

test('fixed point: Δ* = arccos(1 − κ), hand-computed τ, rescale and pure-decay forms', () => {
  const sgdp = optimizerDynamics({ optimizer: 'sgdp', wd: 0.05, momentum: 0.9, wdRatio: 0.1 });
  rel(sgdp.deltaStar(0.1), Math.acos(1 - 5e-3), 1e-9, 'sgdp Δ* at κ = 5e-3');
  rel(sgdp.deltaStarLeading(0.1), 0.1, 1e-12, '√(2κ)');
  const adamp = optimizerDynamics({ optimizer: 'adamp', wd: 1, wdRatio: 0.5 });
  rel(
    adamp.deltaStar(5e-3),
    projectedEquilibriumDelta({ optimizer: 'adamp', lr: 5e-3, wd: 1, wdRatio: 0.5 }),
    1e-9,
    'adamp Δ*',
  );
  // SGDP without momentum: a' = x²a + η²L/a, so ρ = 2x² − 1 = 1 − 4κ + 2κ² (SGD's §4 rate)
  const plain = optimizerDynamics({ optimizer: 'sgdp', wd: 0.01, wdRatio: 0.5 });
  const k = 0.1 * 0.01 * 0.5;
  rel(plain.timeConstant(0.1), -1 / Math.log(1 - 4 * k + 2 * k * k), 1e-5, 'sgdp α = 0 τ');
  rel(adamp.timeConstant(5e-3), -1 / (2 * Math.log(1 - 2.5e-3)), 1e-12, 'adamp τ');
  rel(sgdp.rescaleFactor(10), 10 ** -0.25, 1e-15, 'sgdp k^{-1/4}');
  rel(adamp.rescaleFactor(10), 10 ** -0.5, 1e-15, 'adamp k^{-1/2}');
  rel(sgdp.normDecaySteps(0.01, 10), Math.log(10) / (4 * 5e-4), 1e-12, 'sgdp ln k/(4κ)');
  rel(adamp.normDecaySteps(5e-4, 10), Math.log(10) / (2 * 2.5e-4), 1e-12, 'adamp ln k/(2κ)');
  // ‖w*‖⁴ → ηL/(2λr(1+α)) as ηλ → 0 (SGDP), ‖w*‖² → ηd(1−β1)/(2λr(1+β1)) (AdamP)
  const s = optimizerDynamics({ optimizer: 'sgdp', wd: 1e-3, momentum: 0.5, wdRatio: 1, L: 2 });
  rel(s.normStarSq(1e-3) ** 2, (1e-3 * 2) / (2 * 1e-3 * 1.5), 2e-3, 'sgdp ‖w*‖⁴');
  const a = optimizerDynamics({ optimizer: 'adamp', wd: 1e-3, wdRatio: 1, dim: 100 });
  rel(a.normStarSq(1e-3), (1e-3 * 100 * 0.1) / (2 * 1e-3 * 1.9), 2e-3, 'adamp ‖w*‖²');
  assert.throws(() => optimizerDynamics({ optimizer: 'sgdp', wd: 1, wdRatio: 0 }), /wdRatio/);
  assert.throws(() => sgdp.deltaStar(50), /must be < 1/);
});

test('SGDP and AdamP recurrences track the simulator: from 4× ‖w*‖², then after η ÷ 10', () => {
  const d = 1000;
  const cases: { h: DynamicsHyper; lr0: number; windows: number[][] }[] = [
    {
      h: { optimizer: 'sgdp', wd: 0.05, momentum: 0.9, wdRatio: 0.1, dim: d },
      lr0: 0.1,
      // windows from the start; 3000 + … are after the drop at step 3000
      windows: [
        [0, 50],
        [50, 200],
        [200, 600],
        [3005, 3050],
        [3100, 3300],
        [3500, 4000],
      ],
    },
    {
      h: { optimizer: 'adamp', wd: 1, wdRatio: 0.5, betas: [0.9, 0.99], dim: d },
      lr0: 5e-3,
      // Adam's bias-corrected first steps (m̂ = g) are outside the model: from step 50
      windows: [
        [50, 200],
        [200, 600],
        [3005, 3050],
        [3100, 3300],
        [3500, 4000],
      ],
    },
  ];
  for (const c of cases) {
    const dyn = optimizerDynamics(c.h);
    const fp = dyn.fixedPoint(c.lr0);
    const lr = (t: number): number => (t < 3000 ? c.lr0 : c.lr0 / 10);
    const sgdp = c.h.optimizer === 'sgdp';
    const sim = simulateScaleInvariant({
      d,
      steps: 4000,
      seed: 17,
      optimizer: sgdp ? 'sgdm' : 'adamw',
      lr,
      wd: c.h.wd,
      momentum: c.h.momentum,
      beta1: c.h.betas?.[0],
      beta2: c.h.betas?.[1],
      projected: { wdRatio: c.h.wdRatio! },
      initialNormSq: 4 * fp.a,
    });
    const pred = new Float64Array(4000);
    let s: MeanFieldState = { a: 4 * fp.a, b: 0, c: 0 };
    for (let t = 0; t < 4000; t++) {
      const out = { a: 0, b: 0, c: 0 };
      pred[t] = dyn.step(s, lr(t), out);
      s = out;
    }
    for (const [a, b] of c.windows) {
      rel(
        rms(sim.deltaRad, a, b),
        rms(pred, a, b),
        0.05,
        `${c.h.optimizer} Δ RMS, steps ${a}–${b}`,
      );
    }
    // equilibrium norm, which carries the buffer's discarded radial part (43% and 28% of B here)
    rel(mean(sim.normSq, 2000, 3000), fp.a, 0.03, `${c.h.optimizer} ‖w*‖²`);
  }
});
