import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, configKey } from './plan.js';
import { PlanProgress } from './plan-progress.js';

const base = {
  data: 'fashion-mnist',
  runsDir: '/tmp/x/runs',
  backend: 'auto',
  cwd: '/tmp',
} as const;

test('the plan: fig3 reuses fig4 seed 0, settings and lengths as documented, quick 6× shorter', () => {
  const plan = buildPlan({
    ...base,
    targets: ['fig2', 'fig3', 'fig4', 'scaling'],
    quick: false,
    seeds: 2,
  });
  assert.deepEqual(
    plan.map((p) => p.name),
    [
      'fig2-sgd',
      'fig2-sgdm',
      'fig3-sgdm-s0',
      'fig3-sgdm-rescale-s0',
      'fig4-adam-s0',
      'fig4-sgdm-s1',
      'fig4-sgdm-rescale-s1',
      'fig4-adam-s1',
      'scaling-k1',
      'scaling-k2',
      'scaling-k4',
    ],
  );
  const fig3 = plan[2];
  assert.deepEqual(fig3.uses, [
    { figure: 'fig3', variant: 'sgdm', seed: 0 },
    { figure: 'fig4', variant: 'sgdm', seed: 0 },
  ]);
  assert.equal(fig3.config.schedule, 'multistep:2,3:0.1');
  assert.equal(fig3.config.evalEvery, 117);
  assert.deepEqual(
    [
      plan[0].config.optimizer,
      plan[0].config.momentum,
      plan[0].config.lr,
      plan[0].config.weightDecay,
    ],
    ['sgd', 0, 0.2, 0.005],
  );
  assert.equal(plan[3].config.rescale, true);
  assert.deepEqual(
    [plan[4].config.optimizer, plan[4].config.lr, plan[4].config.weightDecay],
    ['adam', 0.001, 0.001],
  );
  assert.deepEqual(
    plan.slice(8).map((p) => [p.config.batchSize, p.config.lr, p.config.epochs]),
    [
      [128, 0.05, 3.5],
      [256, 0.1, 3.5],
      [512, 0.2, 3.5],
    ],
  );
  const quick = buildPlan({ ...base, targets: ['fig2', 'fig3'], quick: true, seeds: 1 });
  assert.deepEqual(
    quick.map((p) => [p.name, p.config.epochs, p.config.schedule]),
    [
      ['fig2-sgd-quick', 0.75, 'constant'],
      ['fig2-sgdm-quick', 0.75, 'constant'],
      ['fig3-sgdm-s0-quick', 0.666667, 'multistep:0.333333,0.5:0.1'],
      ['fig3-sgdm-rescale-s0-quick', 0.666667, 'multistep:0.333333,0.5:0.1'],
    ],
  );
  // quick and full runs never share a key; fields that change no number stay out of it
  assert.notEqual(quick[0].key, plan[0].key);
  const c = plan[0].config as unknown as Record<string, unknown>;
  assert.equal(
    configKey({ ...c, out: 'elsewhere', name: 'x', threads: 2, checkpointEvery: 7 }),
    plan[0].key,
  );
  assert.notEqual(configKey({ ...c, seed: 1 }), plan[0].key);
  // an older spelling of a field is the same field
  const { weightDecay, ...rest } = c;
  assert.equal(configKey({ ...rest, wd: weightDecay }), plan[0].key);
});

test('plan progress: runs done/total, current run, share of images and ETA from the measured rate', () => {
  let now = 0;
  let text = '';
  const p = new PlanProgress(
    [
      { name: 'a', epochs: 1, batchSize: 100 },
      { name: 'b', epochs: 2, batchSize: 100 },
      { name: 'c', epochs: 1, batchSize: 200 },
    ],
    { write: (t) => (text += t), isTTY: false },
    0,
    () => now,
  );
  p.reused(0, '/runs/a');
  assert.match(text, /run 1\/3 a: reusing \/runs\/a/);
  p.start(1, 'training');
  now = 1000;
  // 10 steps per epoch of 1000 examples (batch 100): 'b' has 20 steps
  p.progress({
    step: 1,
    total: 20,
    epoch: 1,
    epochs: 2,
    loss: 1,
    acc: 0,
    imagesPerSec: 0,
    etaSec: 0,
  });
  now = 11_000;
  text = '';
  p.progress({
    step: 11,
    total: 20,
    epoch: 2,
    epochs: 2,
    loss: 1,
    acc: 0,
    imagesPerSec: 0,
    etaSec: 0,
  });
  // 1000 images in 10 s = 100 images/s; done: a (1000) + 1100 of b; plan: 1000 + 2000 + 1000
  assert.ok(Math.abs(p.fraction() - 2100 / 4000) < 1e-12);
  assert.ok(Math.abs(p.etaSec() - 19) < 1e-9, String(p.etaSec()));
  assert.equal(text, 'reproduce: 1/3 runs done | run 2/3 b, step 11/20 | plan 53% | ETA 0m19s\n');
  p.end('finished');
  assert.match(text, /run 2\/3 b: finished/);
  assert.ok(Math.abs(p.fraction() - 3000 / 4000) < 1e-12);
});
