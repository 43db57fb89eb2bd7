import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScaleInvariant } from '../sim/scale-invariant.js';
import { meanFieldTrajectory } from '../theory/mean-field.js';
import { deltaStarExact } from '../theory/equilibrium.js';
import { analyzeRun, type RunSeries } from './analyze-run.js';
import { parseRunConfig } from './run-config.js';
import { LayerWindows, predictLayer, type LayerSeries } from './layer-prediction.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const config = parseRunConfig({
  optimizer: 'sgdm',
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'multistep',
});

function layer(
  param: string,
  delta: ArrayLike<number>,
  normSq: ArrayLike<number>,
  L: ArrayLike<number>,
): LayerSeries {
  const steps = range(delta.length);
  return {
    param,
    scaleInvariant: true,
    reason: 'synthetic',
    delta: { steps, values: delta },
    norm: { steps, values: Array.from(steps, (t) => Math.sqrt(normSq[t])) },
    radialCos: { steps, values: steps.map(() => 0) },
    unitGradSq: { steps, values: L },
    hTilde: null,
  };
}

test('synthetic run with known L: the per-layer prediction matches every window after τ, drop included', () => {
  const steps = 4000;
  const lr = Float64Array.from(range(steps), (t) => (t < 2000 ? 0.1 : 0.01));
  const sim = simulateScaleInvariant({
    d: 2000,
    steps,
    seed: 7,
    optimizer: 'sgdm',
    lr,
    wd: 5e-4,
    momentum: 0.9,
    L: 2,
    initialNormSq: 4,
  });
  const series: RunSeries = {
    lastStep: steps - 1,
    lr: { steps: range(steps), values: lr },
    layers: [layer('w', sim.deltaRad, sim.normSq, sim.unitGradSq)],
  };
  const a = analyzeRun(series, config, { mode: 'offline' });
  // The recurrence with the true constant L = 2 (what the analysis must recover from ‖g̃‖²).
  const truth = meanFieldTrajectory({ steps, lr, wd: 5e-4, momentum: 0.9, L: 2, initialNormSq: 4 });
  const pred = a.predictions.layers.get('w')!;
  for (const t of [500, 1999, 2000, 3999]) {
    assert.ok(Math.abs(pred.delta[t] / truth.deltaRad[t] - 1) < 0.01, `step ${t}`);
  }
  assert.ok(a.verdicts.tau > 400 && a.verdicts.tau < 1000, String(a.verdicts.tau));
  const after = a.windows.filter((w) => w.from >= a.verdicts.tau);
  assert.equal(after.length, 17);
  for (const w of after) assert.ok(Math.abs(w.predictedError) < 0.02, JSON.stringify(w));
  // Δ* is far off in the transient after the drop; the prediction is not.
  const row = a.layers[0];
  assert.equal(row.verdict, 'transient');
  assert.ok(row.starError < -0.3, String(row.starError));
  assert.ok(Math.abs(row.predictedError) < 0.02, String(row.predictedError));
  assert.ok(a.verdicts.explainedSpread > 0.99, String(a.verdicts.explainedSpread));
  assert.equal(row.deltaStar, deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 }));
  assert.deepEqual(a.alerts, []);
});

test('segmenting at the drop: L_t that jumps at the lr change is predicted in the window straddling it', () => {
  // "Measurements" from the recurrence itself with L = 1 before the drop and 3 after it: the
  // segmented block estimate reproduces them exactly; an unsegmented one would not.
  const steps = 3000;
  const drop = 1500;
  const lr = Float64Array.from(range(steps), (t) => (t < drop ? 0.1 : 0.01));
  const L = Float64Array.from(range(steps), (t) => (t < drop ? 1 : 3));
  const tr = meanFieldTrajectory({ steps, lr, wd: 5e-4, momentum: 0.9, L, initialNormSq: 2 });
  const series: RunSeries = {
    lastStep: steps - 1,
    lr: { steps: range(steps), values: lr },
    layers: [layer('w', tr.deltaRad, tr.normSq, L)],
  };
  const a = analyzeRun(series, config, { mode: 'offline' });
  const straddle = a.windows.find((w) => w.from <= drop && w.to >= drop)!;
  assert.equal(straddle.from, 1400);
  assert.ok(Math.abs(straddle.predictedError) < 1e-12, String(straddle.predictedError));
  for (const w of a.windows) assert.ok(Math.abs(w.predictedError) < 1e-12, JSON.stringify(w));
  // Without segmentation the block holding the drop mixes both levels of L.
  const ctx = {
    lr,
    segments: [0],
    weightDecay: 5e-4,
    momentum: 0.9,
    windowSteps: 200,
    estimate: 'block' as const,
    rescaleAtDrops: false,
  };
  const flat = predictLayer(series.layers[0], ctx)!;
  const ds = a.predictions.deltaStar;
  const err = new LayerWindows('w', series.layers[0].delta, flat.delta, ds).compare(1400, 1599);
  assert.ok(Math.abs(err.predictedError) > 0.03, String(err.predictedError));
});

test('live mode: the band is widened by the measured lag error, so a healthy layer does not alarm', () => {
  // L falls smoothly (the loss converging): the trailing window lags behind it.
  const steps = 3000;
  const lr = new Float64Array(steps).fill(0.1);
  const L = Float64Array.from(range(steps), (t) => 0.5 + 2 * Math.exp(-t / 300));
  const tr = meanFieldTrajectory({ steps, lr, wd: 5e-4, momentum: 0.9, L, initialNormSq: 2 });
  const series: RunSeries = {
    lastStep: 1000,
    lr: { steps: range(steps), values: lr },
    layers: [layer('w', tr.deltaRad, tr.normSq, L)],
  };
  const off = analyzeRun(series, config, { mode: 'offline' });
  const live = analyzeRun(series, config, { mode: 'live' });
  assert.equal(off.estimate, 'block');
  assert.equal(live.estimate, 'trailing');
  assert.ok(Math.abs(off.layers[0].predictedError) < 0.01, String(off.layers[0].predictedError));
  assert.ok(live.layers[0].band > off.layers[0].band, `${live.layers[0].band}`);
  assert.ok(Math.abs(live.layers[0].predictedError) < live.layers[0].band);
  assert.deepEqual(live.alerts, []);
});

test('not predictable, not scale-invariant: no prediction, a radial-cosine alert when undeclared', () => {
  const steps = 600;
  const lr = new Float64Array(steps).fill(0.1);
  const L = new Float64Array(steps).fill(1);
  const tr = meanFieldTrajectory({ steps, lr, wd: 5e-4, momentum: 0.9, L, initialNormSq: 2 });
  const bad = layer('fc.weight', tr.deltaRad, tr.normSq, L);
  bad.scaleInvariant = null;
  bad.radialCos = { steps: range(steps), values: range(steps).map(() => -0.3) };
  const series: RunSeries = {
    lastStep: steps - 1,
    lr: { steps: range(steps), values: lr },
    layers: [bad, layer('w', tr.deltaRad, tr.normSq, L)],
  };
  const a = analyzeRun(series, config, { mode: 'offline' });
  assert.deepEqual(
    a.layers.map((r) => [r.param, r.scaleInvariant]),
    [
      ['w', true],
      ['fc.weight', false],
    ],
  );
  assert.equal(a.layers[1].verdict, 'not_scale_invariant');
  assert.ok(Math.abs(a.layers[1].radialCos - 0.3) < 1e-12);
  assert.deepEqual(
    a.alerts.map((x) => [x.kind, x.param]),
    [['not_scale_invariant', 'fc.weight']],
  );
  const adam = analyzeRun(series, { ...config, optimizer: 'adamw' }, { mode: 'offline' });
  assert.equal(adam.verdicts.predictable, false);
  assert.equal(adam.predictions.layers.size, 0);
  assert.equal(adam.layers[0].verdict, 'optimizer_not_covered');
});
