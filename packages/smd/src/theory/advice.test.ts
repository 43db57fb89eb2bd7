import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchScaling,
  deltaStarAtProduct,
  dropAdvice,
  productForDelta,
  productForTimeConstant,
  warmupSteps,
} from './advice.js';

const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b} (rel tol ${tol})`);

test('η or λ for a target Δ*: hand-computed inverses of each closed form', () => {
  // SGDM (§4 exact): ηλ = (1+α)(1 − cos Δ); the paper's Δ* = 0.0032444 at η = 0.1, λ = 1e-4
  const x = productForDelta({ optimizer: 'sgdm', momentum: 0.9 }, 0.0032444);
  rel(x, 1.9 * (1 - Math.cos(0.0032444)), 1e-9, 'sgdm ηλ');
  rel(x / 1e-4, 0.1, 1e-4, 'η at λ = 1e-4');
  // SGD: ηλ = 1 − cos Δ
  rel(productForDelta({ optimizer: 'sgd' }, 0.01), 1 - Math.cos(0.01), 1e-9, 'sgd ηλ');
  // AdamW (Kosson, leading order): ηλ = Δ²(1+β1)/(2(1−β1)) = 9.5e-4 for Δ = 0.01 → λ = 0.95 at η = 1e-3
  rel(productForDelta({ optimizer: 'adamw' }, 0.01) / 1e-3, 0.95, 0.015, 'adamw λ');
  // Lion: ηλ = Δ²·S/2, S(0.9, 0.99) from the sign-correlation sum
  const lion = productForDelta({ optimizer: 'lion' }, 0.002);
  rel(deltaStarAtProduct({ optimizer: 'lion' }, lion), 0.002, 1e-9, 'lion round trip');
  // Nesterov: only ηλ matters (η = 0.1, λ = 5e-4 and η = 0.05, λ = 1e-3 agree)
  const n = { optimizer: 'nesterov', momentum: 0.9 } as const;
  rel(deltaStarAtProduct(n, 5e-5), 0.0084048, 1e-4, 'nesterov Δ* at ηλ = 5e-5');
});

test('ηλ for a target time constant, and the warmup it implies (hand-computed)', () => {
  // SGD: ρ = 1 − 4x + 2x², τ = −1/ln ρ → x = 1 − √(1 − (1 − e^{−1/τ})/2)
  const hand = 1 - Math.sqrt(1 - (1 - Math.exp(-1 / 1000)) / 2);
  rel(productForTimeConstant({ optimizer: 'sgd' }, 1000), hand, 1e-6, 'sgd τ = 1000');
  rel(hand, 1 / 4000, 1e-3, '≈ 1/(4τ)');
  // decoupled: τ = −1/(2 ln(1 − x)) → x = 1 − e^{−1/(2τ)}
  rel(
    productForTimeConstant({ optimizer: 'adamw' }, 500),
    1 - Math.exp(-1 / 1000),
    1e-6,
    'adamw τ = 500',
  );
  rel(
    productForTimeConstant({ optimizer: 'lion' }, 500),
    1 - Math.exp(-1 / 1000),
    1e-6,
    'lion τ = 500',
  );
  assert.equal(warmupSteps(250), 749); // ⌈250·ln 20⌉ = ⌈748.93⌉
  assert.equal(warmupSteps(100, 0.01), 461); // ⌈100·ln 100⌉
  assert.throws(() => productForTimeConstant({ optimizer: 'sgd' }, 0.1), /no ηλ/);
});

test('per drop: re-equilibration vs the next drop, the pure-decay bound and the rescale factor', () => {
  // SGDM η 0.1 → 0.01 at step 3000, λ = 5e-4: pure decay ln(10)(1−α)/(4λη_new) = 11,513 steps
  // (smd-theory.md §4's example); 3000 steps to the end are far too few
  const lrAt = (t: number): number => (t < 3000 ? 0.1 : 0.01);
  const [d] = dropAdvice(
    { optimizer: 'sgdm', wd: 5e-4, momentum: 0.9 },
    [{ step: 3000, ratio: 10 }],
    lrAt,
    6000,
  );
  rel(d.normDecaySteps, (Math.log(10) * 0.1) / (4 * 5e-4 * 0.01), 1e-12, 'pure decay');
  rel(d.normDecaySteps, 11512.9, 1e-5, '§4 number');
  assert.equal(d.stepsAvailable, 3000);
  assert.equal(d.nextComesFirst, true);
  assert.ok(d.reequilibrateSteps! > d.normDecaySteps, `${d.reequilibrateSteps}`);
  rel(d.rescaleFactor, 10 ** -0.25, 1e-15, 'k^{-1/4}');
  assert.ok(d.reequilibrateStepsRescaled! < 100, `rescaled ${d.reequilibrateStepsRescaled}`);
  rel(d.deltaStarAfter / d.deltaStarBefore, Math.sqrt(0.1), 1e-3, 'Δ* falls √k');
  // AdamW: ln k/(2λη_new) and k^{-1/2}
  const [a] = dropAdvice(
    { optimizer: 'adamw', wd: 0.1 },
    [{ step: 100, ratio: 10 }],
    (t) => (t < 100 ? 1e-2 : 1e-3),
    200_000,
  );
  rel(a.normDecaySteps, Math.log(10) / (2 * 0.1 * 1e-3), 1e-12, 'adamw pure decay');
  rel(a.rescaleFactor, 10 ** -0.5, 1e-15, 'k^{-1/2}');
  assert.equal(a.nextComesFirst, false);
});

test('batch size × k with η → kη: Δ* grows √k, τ shrinks k in steps, not in epochs', () => {
  for (const optimizer of ['sgd', 'adamw', 'lion'] as const) {
    const b = batchScaling({ optimizer, wd: 1e-4 }, 1e-2, 4);
    rel(b.deltaRatio, 2, 2e-3, `${optimizer} Δ ratio`);
    rel(b.timeConstantRatioSteps, 0.25, 2e-3, `${optimizer} τ ratio`);
    rel(b.timeConstantRatioEpochs, 1, 2e-3, `${optimizer} τ in epochs`);
  }
});
