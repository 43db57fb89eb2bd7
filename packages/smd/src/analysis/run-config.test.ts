import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig, predictable, RunConfigError, PAPER_WINDOW_STEPS } from './run-config.js';

test('parseRunConfig: canonical fields, defaults', () => {
  const c = parseRunConfig({
    optimizer: 'SGDM',
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: 'multistep:4:0.1',
    windowSteps: 100,
    probeEvery: 2,
    rescale: true,
    model: 'resnet',
  });
  assert.deepEqual(c, {
    optimizer: 'sgdm',
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    nesterov: false,
    dampening: 0,
    schedule: 'multistep:4:0.1',
    windowSteps: 100,
    probeEvery: 2,
    rescale: true,
  });
  const d = parseRunConfig({ optimizer: 'sgd', lr: 0.2 });
  assert.equal(d.windowSteps, PAPER_WINDOW_STEPS);
  assert.equal(d.weightDecay, 0);
  assert.equal(d.momentum, 0);
});

test('parseRunConfig: old run folders migrate on read (wd, window, optimizer and probes objects)', () => {
  // smd train before the typed config
  const a = parseRunConfig({ optimizer: 'sgdm', lr: 0.1, momentum: 0.9, wd: 5e-4, window: 200 });
  assert.equal(a.weightDecay, 5e-4);
  assert.equal(a.windowSteps, 200);
  // the report fixture / PyTorch-shaped layout
  const b = parseRunConfig({
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { kind: 'multistep', milestones: [10], gamma: 0.1 },
    probes: { every: 5, windowSteps: 300 },
  });
  assert.equal(b.optimizer, 'sgd');
  assert.equal(b.lr, 0.1);
  assert.equal(b.momentum, 0.9);
  assert.equal(b.weightDecay, 1e-4);
  assert.equal(b.probeEvery, 5);
  assert.equal(b.windowSteps, 300);
  assert.equal(b.schedule, '{"kind":"multistep","milestones":[10],"gamma":0.1}');
});

test('parseRunConfig: a bad field is one line naming the file and the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ lr: 0.1 }, /^runs\/x\/manifest\.json: config field 'optimizer' must be an optimizer name/],
    [{ optimizer: 'sgd', lr: '0.1' }, /config field 'lr' must be a number >= 0, got "0\.1"/],
    [{ optimizer: 'sgd', lr: 0.1, wd: -1 }, /config field 'wd' must be a number >= 0, got -1/],
    [
      { optimizer: 'sgd', lr: 0.1, momentum: 1 },
      /config field 'momentum' must be a number in \[0, 1\)/,
    ],
    [{ optimizer: 'sgd', lr: 0.1, window: 2.5 }, /config field 'window' must be an integer >= 1/],
    [
      { optimizer: 'sgd', lr: 0.1, nesterov: 'yes' },
      /config field 'nesterov' must be true or false/,
    ],
    [[1, 2], /config must be an object/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(
      () => parseRunConfig(raw, 'runs/x/manifest.json'),
      (e: Error) => e instanceof RunConfigError && re.test(e.message) && !e.message.includes('\n'),
      JSON.stringify(raw),
    );
  }
});

test('predictable: SGD/SGDM with coupled decay only', () => {
  const base = parseRunConfig({ optimizer: 'sgdm', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  assert.equal(predictable(base), true);
  assert.equal(predictable({ ...base, optimizer: 'sgd', momentum: 0 }), true);
  assert.equal(predictable({ ...base, nesterov: true }), false);
  assert.equal(predictable({ ...base, dampening: 0.1 }), false);
  assert.equal(predictable({ ...base, optimizer: 'adamw' }), false);
  assert.equal(predictable({ ...base, optimizer: 'adam' }), false);
});
