import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrossEntropyLoss, Tensor, noGrad, type Module } from '@smd/engine';
import { parseTrainArgs } from './train-options.js';
import { setupTraining } from './setup.js';
import { applyRescale, bnAfter } from './rescale.js';

function logits(model: Module, x: Tensor, train: boolean): Float64Array {
  model.train(train);
  const saved = model.namedBuffers().map(([, b]) => [b, b.data.slice()] as const);
  const out = noGrad(() => model.forward(x).contiguous());
  for (const [b, d] of saved) b.data.set(d); // a train-mode forward updates running stats
  model.train(true);
  return Float64Array.from(out.data);
}

test('the rescaling trick leaves the network function unchanged (train and eval mode)', () => {
  const req = parseTrainArgs(
    [
      '--data',
      'synthetic',
      '--synthetic-size',
      '64',
      '--batch-size',
      '16',
      '--widths',
      '4,8,8',
      '--rescale',
      '--backend',
      'ts',
    ],
    '/',
  );
  assert.equal(req.kind, 'new');
  if (req.kind !== 'new') return;
  const parts = setupTraining(req.config, '/');
  const { model, opt, loader } = parts;
  // a few real steps so running stats and momentum buffers are not at their initial values
  for (let i = 0; i < 3; i++) {
    const b = loader.next();
    const loss = new CrossEntropyLoss().forward(
      model.forward(new Tensor(b.images, [...b.shape])),
      b.labels,
    );
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  const b = loader.next();
  const x = new Tensor(b.images.slice(), [...b.shape]);
  const beforeTrain = logits(model, x, true);
  const beforeEval = logits(model, x, false);
  const w = model.namedParameters().find(([n]) => n === 'layer2.0.conv1.weight')![1];
  const w0 = w.data[0];
  const names = applyRescale(model, opt, parts.detection, 10);
  assert.equal(names.length, 15, names.join(', '));
  const f = Math.pow(10, -0.25);
  assert.ok(Math.abs(w.data[0] - Math.fround(w0 * f)) <= 1e-7 * Math.abs(w0));
  const afterTrain = logits(model, x, true);
  const afterEval = logits(model, x, false);
  const maxRel = (a: Float64Array, c: Float64Array) => {
    let m = 0;
    let s = 0;
    for (let i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - c[i]));
      s = Math.max(s, Math.abs(a[i]));
    }
    return m / s;
  };
  assert.ok(
    maxRel(beforeTrain, afterTrain) < 1e-4,
    `train-mode change ${maxRel(beforeTrain, afterTrain)}`,
  );
  assert.ok(
    maxRel(beforeEval, afterEval) < 1e-4,
    `eval-mode change ${maxRel(beforeEval, afterEval)}`,
  );
  // weights really moved
  assert.ok(Math.abs(w.data[0] - w0) > 0.1 * Math.abs(w0));
});

test('bnAfter maps conv weights of the built-in models to the BatchNorm they feed', () => {
  const req = parseTrainArgs(
    ['--data', 'synthetic', '--synthetic-size', '32', '--batch-size', '8', '--widths', '4,8,8'],
    '/',
  );
  if (req.kind !== 'new') return assert.fail('expected a config');
  const parts = setupTraining(req.config, '/');
  const mods = new Map(parts.model.namedModules());
  assert.equal(bnAfter('conv1.weight', mods), 'bn1');
  assert.equal(bnAfter('layer1.0.conv2.weight', mods), 'layer1.0.bn2');
  assert.equal(bnAfter('layer2.0.downsample.0.weight', mods), 'layer2.0.downsample.1');
  assert.equal(bnAfter('fc.weight', mods), null);
});
