// Probe → window → predictions → verdict on the synthetic scale-invariant problem of
// docs/smd-theory.md §4 (isotropic gradient noise on the tangent plane, L = 1), updated with the
// engine's torch-exact SGDM rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, sgdUpdate } from '@smd/engine';
import { SmdProbe, type ParamMeasurement } from '../probe/smd-probe.js';
import { RingWindow } from '../probe/window.js';
import { compareSmd } from './compare.js';

test('synthetic SGDM: equilibrium verdict, then transient after dividing η by 10', () => {
  const d = 4000;
  const rng = new Rng(5);
  const w = new Float32Array(d);
  for (let i = 0; i < d; i++) w[i] = rng.normal() / Math.sqrt(d); // ‖w‖ ≈ 1
  const g = new Float32Array(d);
  const v = new Float32Array(d);
  const hyper = { lr: 0.1, weightDecay: 5e-3, momentum: 0.9 };
  let first = true;
  const probe = new SmdProbe([
    {
      name: 'w',
      shape: [d],
      data: () => w,
      grad: () => g,
      momentumBuffer: () => (first ? null : v),
      hyper: () => hyper,
    },
  ]);
  const noise = new Float64Array(d);
  const deltaWin = new RingWindow(200);
  const normWin = new RingWindow(200);
  let last: ParamMeasurement | undefined;
  const run = (steps: number, from: number) => {
    for (let t = from; t < from + steps; t++) {
      // g = P⊥(n)/(‖w‖√d): tangent to w, ‖g̃‖² = ‖g‖²‖w‖² ≈ 1
      let ww = 0;
      let nw = 0;
      for (let i = 0; i < d; i++) {
        noise[i] = rng.normal();
        ww += w[i] * w[i];
        nw += noise[i] * w[i];
      }
      const s = 1 / Math.sqrt(ww * d);
      for (let i = 0; i < d; i++) g[i] = (noise[i] - (nw / ww) * w[i]) * s;
      probe.beforeStep(t);
      sgdUpdate(w, g, v, first, { ...hyper, dampening: 0, nesterov: false, maximize: false });
      first = false;
      const m = probe.measure(t)[0];
      deltaWin.pushOne(m.stats.deltaRad);
      normWin.pushOne(m.stats.norm);
      last = m;
    }
  };
  const verdict = (stepsSinceLrChange: number, lrDropFactor?: number) =>
    compareSmd({
      param: 'w',
      deltaMeasured: deltaWin.mean(),
      normMeasured: normWin.mean(),
      deltaStar: last!.deltaStar,
      wStar: last!.wStar,
      lr: hyper.lr,
      weightDecay: hyper.weightDecay,
      momentum: hyper.momentum,
      scaleInvariant: Math.abs(last!.stats.radialCos) < 1e-3,
      stepsSinceLrChange,
      lrDropFactor,
    });
  run(1500, 0);
  assert.ok(Math.abs(last!.lWindow - 1) < 0.01, `L window ${last!.lWindow}`);
  const eq = verdict(1500);
  assert.equal(eq.verdict, 'equilibrium', eq.summary);
  assert.ok(Math.abs(eq.deltaRatio - 1) < 0.03, eq.summary);
  assert.ok(Math.abs(eq.normRatio - 1) < 0.03, eq.summary);
  hyper.lr = 0.01;
  run(300, 1500);
  const tr = verdict(300, 10);
  assert.equal(tr.verdict, 'transient', tr.summary);
  assert.ok(
    tr.conditions.includes('delta_below_prediction') && tr.conditions.includes('within_relaxation'),
  );
  assert.ok(tr.deltaRatio < 0.8, tr.summary);
});
