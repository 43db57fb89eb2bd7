import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaStarExact } from '../theory/equilibrium.js';
import { meanFieldTrajectory } from '../theory/mean-field.js';
import { analyzeRun, type RunSeries } from './analyze-run.js';
import { findSpikes, INSTABILITY_WINDOWS, SPIKE_FACTOR } from './alerts.js';
import { parseRunConfig } from './run-config.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const config = parseRunConfig({ optimizer: 'sgdm', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
const dStar = deltaStarExact({ lr: 0.1, wd: 5e-4, momentum: 0.9 });

/**
 * The periodic BN + weight-decay cycle (Lobacheva et al. 2021), period P: within a cycle ‖w‖
 * shrinks, ‖g̃‖² grows, Δ climbs above Δ*; at the cycle's last step one update jumps (the loss
 * spike) and the norm is back up. Small seeded wiggles keep it from being a textbook curve.
 */
function cycleRun(steps: number, P: number): RunSeries {
  const s = (t: number): number => t % P;
  const wiggle = (t: number): number => 1 + 0.01 * Math.sin(t * 1.7);
  const norm = range(steps).map((t) => 2 * Math.exp(-s(t) / 1500) * wiggle(t));
  const g = range(steps).map((t) => Math.exp(s(t) / 800) * wiggle(t + 3));
  const delta = range(steps).map((t) =>
    s(t) === P - 1 ? 30 * dStar : dStar * (1 + s(t) / 1000) * wiggle(t + 5),
  );
  const steps_ = range(steps);
  return {
    lastStep: steps - 1,
    lr: { steps: [0], values: [0.1] },
    layers: [
      {
        param: 'layer1.0.conv1.weight',
        scaleInvariant: true,
        reason: 'synthetic',
        delta: { steps: steps_, values: delta },
        norm: { steps: steps_, values: norm },
        radialCos: { steps: steps_, values: steps_.map(() => 1e-6) },
        unitGradSq: { steps: steps_, values: g },
        hTilde: null,
      },
    ],
  };
}

function cut(r: RunSeries, lastStep: number): RunSeries {
  return { ...r, lastStep };
}

test('instability early warning fires before the spike of a periodic cycle, then the spike alert', () => {
  const P = 2400;
  const run = cycleRun(2 * P, P);
  const kinds = (last: number): string[] =>
    analyzeRun(cut(run, last), config, { mode: 'live' })
      .alerts.map((a) => a.kind)
      .filter((k) => k !== 'off_prediction');
  // Too early in the cycle: fewer than INSTABILITY_WINDOWS windows of the trend.
  assert.deepEqual(kinds(INSTABILITY_WINDOWS * 200 - 2), []);
  // 600 steps before the spike (and in the second cycle too): the warning is up.
  assert.deepEqual(kinds(P - 600), ['instability']);
  assert.deepEqual(kinds(2 * P - 600), ['instability']);
  const warn = analyzeRun(cut(run, P - 600), config, { mode: 'live' }).alerts.find(
    (a) => a.kind === 'instability',
  )!;
  assert.match(warn.message, /‖w‖ fell \d+% while η\/‖w‖² rose \d+% and ‖g̃‖ rose \d+%/);
  // Right after the spike: the spike alert (the trend restarted, so no warning yet).
  assert.deepEqual(kinds(P + 10), ['spike']);
  const spikes = findSpikes('x', run.layers[0].delta, 200, [0]);
  assert.deepEqual(
    spikes.map((x) => x.step),
    [P - 1, 2 * P - 1],
  );
  assert.ok(spikes[0].ratio > SPIKE_FACTOR);
});

test('a healthy layer in equilibrium (and one relaxing after an lr drop) raises no alert', () => {
  const steps = 6000;
  const lr = Float64Array.from(range(steps), (t) => (t < 3000 ? 0.1 : 0.01));
  const L = Float64Array.from(range(steps), (t) => (t < 3000 ? 1 : 1 + (t - 3000) / 3000));
  const tr = meanFieldTrajectory({ steps, lr, wd: 5e-4, momentum: 0.9, L, initialNormSq: 3 });
  const st = range(steps);
  const run: RunSeries = {
    lastStep: steps - 1,
    lr: { steps: st, values: lr },
    layers: [
      {
        param: 'w',
        scaleInvariant: true,
        reason: '',
        delta: { steps: st, values: tr.deltaRad },
        norm: { steps: st, values: Array.from(tr.normSq.subarray(0, steps), Math.sqrt) },
        radialCos: { steps: st, values: st.map(() => 0) },
        unitGradSq: { steps: st, values: L },
        hTilde: null,
      },
    ],
  };
  // After the drop ‖w‖ shrinks while η/‖w‖² and L rise, but Δ is below Δ*: relaxing, not unstable.
  for (const last of [2999, 4000, 5999]) {
    for (const mode of ['live', 'offline'] as const) {
      const a = analyzeRun(cut(run, last), config, { mode });
      assert.deepEqual(a.alerts, [], `${mode} at ${last}: ${JSON.stringify(a.alerts)}`);
      assert.equal(a.spikes.length, 0);
    }
  }
});
