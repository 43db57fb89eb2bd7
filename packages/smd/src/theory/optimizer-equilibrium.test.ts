import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScaleInvariant, type SimulateOptions } from '../sim/scale-invariant.js';
import { deltaStarExact } from './equilibrium.js';
import {
  adamL2Equilibrium,
  adamL2Spread,
  equilibriumDelta,
  equilibriumDeltaLeading,
  equilibriumNormSq,
  nesterovNoiseFactor,
  spreadOf,
} from './optimizer-equilibrium.js';

const D = 2000;
const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b} (rel tol ${tol})`);

/** RMS of Δ and mean ‖w‖² over the second half of a simulation. */
function simulate(o: SimulateOptions): { deltaRms: number; normSq: number } {
  const r = simulateScaleInvariant(o);
  const from = o.steps >> 1;
  let s = 0;
  let n = 0;
  for (let t = from; t < o.steps; t++) {
    s += r.deltaRad[t] ** 2;
    n += r.normSq[t];
  }
  return { deltaRms: Math.sqrt(s / (o.steps - from)), normSq: n / (o.steps - from) };
}

test('sgd/sgdm: the §4 exact values; nesterov leading order = SGDM × √(noise factor)', () => {
  const h = { lr: 0.1, wd: 5e-4, momentum: 0.9 };
  assert.equal(equilibriumDelta({ optimizer: 'sgdm', ...h }), deltaStarExact(h));
  rel(nesterovNoiseFactor(0.9), 1.3421, 1e-4, 'factor at α = 0.9');
  rel(nesterovNoiseFactor(0.5), 1.75, 1e-12, 'factor at α = 0.5');
  rel(
    equilibriumDeltaLeading({ optimizer: 'nesterov', ...h }),
    Math.sqrt((2 * 0.1 * 5e-4 * 1.3421) / 1.9),
    1e-4,
    'nesterov leading',
  );
  rel(
    equilibriumDelta({ optimizer: 'nesterov', ...h }),
    equilibriumDeltaLeading({ optimizer: 'nesterov', ...h }),
    2e-3,
    'exact ≈ leading at ηλ = 5e-5',
  );
});

test('nesterov: Δ* and ‖w*‖² of the recurrence match the simulator within 2%', () => {
  for (const momentum of [0.9, 0.5]) {
    const h = { lr: 0.1, wd: 5e-3, momentum };
    const pred = equilibriumDelta({ optimizer: 'nesterov', ...h });
    const normSq = equilibriumNormSq({ optimizer: 'nesterov', ...h }, { L: 1 });
    const sim = simulate({
      d: D,
      steps: 4000,
      seed: 5,
      optimizer: 'nesterov',
      ...h,
      initialNormSq: normSq,
    });
    rel(sim.deltaRms, pred, 0.02, `nesterov α=${momentum} Δ`);
    rel(sim.normSq, normSq, 0.02, `nesterov α=${momentum} ‖w‖²`);
    // and it is NOT heavy ball's Δ*: 1.16× (α = 0.9), 1.32× (α = 0.5)
    assert.ok(sim.deltaRms / deltaStarExact(h) > (momentum === 0.9 ? 1.12 : 1.28));
  }
});

test('adamw: ‖w*‖² = ηd/(2λ) and lion: ‖w*‖² = ηdS/(2λ) match the simulator within 3%', () => {
  const adam = { lr: 1e-2, wd: 0.1 };
  const aw = equilibriumNormSq({ optimizer: 'adamw', ...adam }, { dim: D });
  assert.equal(aw, (1e-2 * D) / 0.2);
  for (const beta1 of [0.9, 0]) {
    const sim = simulate({
      d: D,
      steps: 4000,
      seed: 9,
      optimizer: 'adamw',
      ...adam,
      beta1,
      beta2: 0.99,
      initialNormSq: aw / 2,
    });
    rel(sim.normSq, aw, 0.03, `adamw β1=${beta1} ‖w‖² (started at half)`);
  }
  const lion = { lr: 1e-4, wd: 1 };
  const ln = equilibriumNormSq({ optimizer: 'lion', ...lion }, { dim: D });
  const sim = simulate({
    d: D,
    steps: 6000,
    seed: 9,
    optimizer: 'lion',
    ...lion,
    initialNormSq: ln,
  });
  rel(sim.normSq, ln, 0.03, 'lion ‖w‖²');
  rel(sim.deltaRms, equilibriumDelta({ optimizer: 'lion', ...lion }), 0.02, 'lion Δ');
});

test('adam + L2: Δ ∝ (d²/L)^{1/6} per neuron — two neurons with L 1 and 64 rotate 2× apart', () => {
  const h = { lr: 1e-3, wd: 0.1 };
  const sims = [1, 64].map((L) => {
    const eq = adamL2Equilibrium(h, D, L);
    const sim = simulate({
      d: D,
      steps: 6000,
      seed: 13,
      optimizer: 'adamw',
      decay: 'coupled',
      ...h,
      beta2: 0.99,
      L,
      initialNormSq: eq.normSq,
    });
    rel(sim.deltaRms, eq.deltaRad, 0.03, `adam+L2 L=${L} Δ`);
    rel(sim.normSq, eq.normSq, 0.03, `adam+L2 L=${L} ‖w‖²`);
    return sim.deltaRms;
  });
  rel(sims[0] / sims[1], 2, 0.04, 'Δ ratio 64^{1/6}');
  const spread = adamL2Spread(h, D, [1, 64]).spread;
  rel(spread.cv, 1 / 3, 1e-12, 'cv of (2x, x)'); // mean 1.5x, std 0.5x
  assert.deepEqual(spreadOf([2, 2, 2]), { mean: 2, std: 0, cv: 0 });
});

test('equilibrium functions reject what they cannot predict', () => {
  assert.throws(
    () => equilibriumDelta({ optimizer: 'sgd', lr: 0.1, wd: 1e-4, momentum: 0.9 }),
    /sgd takes no momentum/,
  );
  assert.throws(
    () => equilibriumDelta({ optimizer: 'nesterov', lr: 0.1, wd: 1e-4 }),
    /needs momentum > 0/,
  );
  assert.throws(
    () => equilibriumNormSq({ optimizer: 'sgdm', lr: 0.1, wd: 1e-4, momentum: 0.9 }, {}),
    /needs L > 0/,
  );
  assert.throws(
    () => equilibriumNormSq({ optimizer: 'adamw', lr: 0.1, wd: 1e-4 }, {}),
    /needs dim/,
  );
  assert.throws(() => equilibriumDelta({ optimizer: 'adamw', lr: 0, wd: 1e-4 }), /lr must be > 0/);
});
