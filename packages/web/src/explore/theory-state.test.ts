import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePrediction } from '@smd/smd/predict';
import {
  DEFAULT_THEORY,
  decodeTheoryState,
  encodeTheoryState,
  predictCommand,
  predictionInput,
  scheduleText,
} from './theory-state.js';

test('theory state: defaults are the paper ImageNet setting; URL text round-trips', () => {
  assert.equal(encodeTheoryState(DEFAULT_THEORY), '');
  assert.equal(scheduleText(DEFAULT_THEORY), 'multistep:30,60,80:0.1');
  const s = {
    ...DEFAULT_THEORY,
    optimizer: 'sgd' as const,
    wd: 5e-4,
    warmup: 5,
    decay: 'cosine' as const,
    cosineMin: 0.01,
    rescale: true,
  };
  const q = encodeTheoryState(s);
  assert.equal(q, 'opt=sgd&wd=0.0005&warmup=5&cosineMin=0.01&decay=cosine&rescale=1');
  assert.deepEqual(decodeTheoryState(q), { state: s, ignored: [] });
  assert.equal(scheduleText(s), 'warmup:5:0:cosine:0.01');
  assert.match(predictCommand(s), /--momentum 0 --schedule warmup:5:0:cosine:0.01 .* --rescale$/);
  // A mangled link still opens; the bad fields are named.
  const bad = decodeTheoryState('lr=abc&milestones=60,30&nope=1&stepsPerEpoch=100');
  assert.deepEqual(bad.ignored, ['lr', 'milestones', 'nope']);
  assert.equal(bad.state.lr, 0.1);
  assert.equal(bad.state.stepsPerEpoch, 100);
});

test('theory state: predictionInput validates each field in one line', () => {
  const bad = (patch: Partial<typeof DEFAULT_THEORY>): unknown =>
    predictionInput({ ...DEFAULT_THEORY, ...patch });
  assert.equal(bad({ lr: 0 }), 'η must be a number > 0');
  assert.equal(bad({ wd: -1 }), 'λ must be a number ≥ 0');
  assert.equal(bad({ momentum: 1 }), 'α must be in [0, 1)');
  assert.equal(bad({ stepsPerEpoch: 2.5 }), 'steps per epoch must be an integer ≥ 1');
  assert.match(String(bad({ epochs: 1000 })), /at most 2,000,000 steps \(got 5,005,000\)/);
  assert.match(String(bad({ milestones: [60, 30] })), /milestones must increase/);
  // SGD ignores α; the input feeds computePrediction (the code behind smd predict).
  const input = predictionInput({ ...DEFAULT_THEORY, optimizer: 'sgd', momentum: 5 });
  assert.ok(typeof input !== 'string');
  assert.equal(input.momentum, 0);
  const p = computePrediction(predictionInput(DEFAULT_THEORY) as Exclude<typeof input, string>, {
    maxSearchSteps: 0,
  });
  assert.ok(Math.abs(p.phases[0].deltaStarRad - 0.0032444) < 5e-8);
  assert.equal(p.phases[2].outcome.stepsNeeded, null); // search skipped while sliders move
  assert.ok(Math.abs(p.phases[2].outcome.deltaEndPct - 37.3) < 0.05);
});

test('theory state: AdamW and Lion carry their betas into the prediction, the command and the URL', () => {
  const s = { ...DEFAULT_THEORY, optimizer: 'lion' as const, lr: 1e-4, wd: 1, beta2: 0.99 };
  const q = encodeTheoryState(s);
  // Lion's own betas (0.9, 0.99) go without saying, as in `smd predict --optimizer lion`
  assert.equal(q, 'opt=lion&lr=0.0001&wd=1');
  assert.deepEqual(decodeTheoryState(q), { state: s, ignored: [] });
  // other betas are kept in the link; AdamW's defaults are (0.9, 0.999)
  for (const t of [
    { ...s, beta2: 0.999 },
    { ...s, beta1: 0.95 },
    { ...s, optimizer: 'adamw' as const, beta2: 0.99 },
  ])
    assert.deepEqual(decodeTheoryState(encodeTheoryState(t)), { state: t, ignored: [] });
  assert.equal(encodeTheoryState({ ...s, beta2: 0.999 }), 'opt=lion&lr=0.0001&wd=1&beta2=0.999');
  assert.equal(decodeTheoryState('opt=adamw').state.beta2, 0.999);
  assert.equal(decodeTheoryState('opt=lion&beta2=x').state.beta2, 0.99);
  assert.match(
    predictCommand(s),
    /^smd predict --optimizer lion --lr 0\.0001 --wd 1 --betas 0\.9,0\.99 /,
  );
  const input = predictionInput(s);
  assert.ok(typeof input !== 'string');
  assert.equal(input.optimizer, 'lion');
  assert.deepEqual(input.betas, [0.9, 0.99]);
  // AdamW's leading-order Δ* = √(2ηλ(1−β1)/(1+β1)) (docs/optimizers.md), by hand: η 1e-3, λ 0.1.
  const a = predictionInput({ ...DEFAULT_THEORY, optimizer: 'adamw', lr: 1e-3, wd: 0.1 });
  assert.ok(typeof a !== 'string');
  const p = computePrediction(a, { maxSearchSteps: 0 });
  const want = Math.sqrt((2 * 1e-3 * 0.1 * 0.1) / 1.9);
  assert.ok(
    Math.abs(p.phases[0].deltaStarPaperRad / want - 1) < 1e-12,
    String(p.phases[0].deltaStarPaperRad),
  );
  assert.ok(Math.abs(p.phases[0].deltaStarRad / want - 1) < 0.01, String(p.phases[0].deltaStarRad));
  // Betas are checked only where they are used; λ > 0 is required there.
  assert.equal(predictionInput({ ...s, beta1: 1 }), 'β1 and β2 must be in [0, 1)');
  assert.equal(predictionInput({ ...s, wd: 0 }), 'λ must be > 0 for lion');
  assert.ok(typeof predictionInput({ ...DEFAULT_THEORY, beta1: 1 }) !== 'string');
});
