import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScaleInvariant } from '../sim/scale-invariant.js';
import { equilibriumDelta } from './optimizer-equilibrium.js';
import { projectedEquilibriumDelta, projectedShrink } from './projected-equilibrium.js';

const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b} (rel tol ${tol})`);

/** RMS of Δ over the second half of a simulation. */
function simDelta(o: Parameters<typeof simulateScaleInvariant>[0]): number {
  const r = simulateScaleInvariant(o);
  let s = 0;
  for (let t = o.steps >> 1; t < o.steps; t++) s += r.deltaRad[t] ** 2;
  return Math.sqrt(s / (o.steps - (o.steps >> 1)));
}

test('projected Δ* = arccos(1 − κ): hand-computed values', () => {
  const sgdp = { optimizer: 'sgdp' as const, lr: 0.1, wd: 0.05, momentum: 0.9, wdRatio: 0.1 };
  rel(projectedShrink(sgdp), 5e-3, 1e-12, 'κ sgdp = 0.1·0.05·0.1/0.1');
  rel(projectedEquilibriumDelta(sgdp), Math.acos(0.995), 1e-9, 'sgdp Δ*');
  const adamp = { optimizer: 'adamp' as const, lr: 0.01, wd: 1, wdRatio: 0.1, momentum: 0.9 };
  rel(projectedShrink(adamp), 1e-3, 1e-12, 'κ adamp ignores momentum');
  rel(projectedEquilibriumDelta(adamp), 0.044725, 1e-4, 'adamp Δ* = arccos(0.999)');
  assert.throws(() => projectedEquilibriumDelta({ ...sgdp, wdRatio: 0 }), /must be > 0/);
});

test('SGDP and AdamP on the simulator: Δ* = arccos(1 − κ) for any momentum or betas', () => {
  for (const momentum of [0.9, 0.5]) {
    for (const optimizer of ['sgdm', 'nesterov'] as const) {
      const h = { lr: 0.1, wd: 0.05, momentum };
      const pred = projectedEquilibriumDelta({ optimizer: 'sgdp', ...h, wdRatio: 0.1 });
      const sim = simDelta({
        d: 2000,
        steps: 3000,
        seed: 3,
        optimizer,
        ...h,
        projected: { wdRatio: 0.1 },
      });
      rel(sim, pred, 0.02, `sgdp (${optimizer}, α = ${momentum})`);
    }
  }
  for (const beta1 of [0.9, 0]) {
    const h = { lr: 0.01, wd: 1 };
    const pred = projectedEquilibriumDelta({ optimizer: 'adamp', ...h, wdRatio: 0.1 });
    const sim = simDelta({
      d: 2000,
      steps: 6000,
      seed: 4,
      optimizer: 'adamw',
      ...h,
      beta1,
      beta2: 0.99,
      projected: { wdRatio: 0.1 },
    });
    rel(sim, pred, 0.02, `adamp β1 = ${beta1}`);
    // unlike AdamW at the same decay ηλr, whose Δ* carries √((1−β1)/(1+β1))
    if (beta1 === 0.9) {
      const adamw = equilibriumDelta({ optimizer: 'adamw', lr: 0.01, wd: 0.1 });
      assert.ok(sim / adamw > 3, `adamp ${sim} vs adamw ${adamw}`);
    }
  }
});
