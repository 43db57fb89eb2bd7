import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  crossEntropy,
  CrossEntropyLoss,
  flatten,
  Linear,
  Module,
  noGrad,
  Rng,
  SGD,
  Tensor,
  weightNorm,
} from '@smd/engine';
import { detectScaleInvariance } from '@smd/smd';
import { parseTrainArgs } from './train-options.js';
import { setupTraining } from './setup.js';
import { applyRescale } from './rescale.js';

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

test('the detector names, per conv weight, the BatchNorm whose statistics absorb it', () => {
  const req = parseTrainArgs(
    ['--data', 'synthetic', '--synthetic-size', '32', '--batch-size', '8', '--widths', '4,8,8'],
    '/',
  );
  if (req.kind !== 'new') return assert.fail('expected a config');
  const parts = setupTraining(req.config, '/');
  const norms = new Map(parts.detection.map((r) => [r.param, r.norms] as const));
  const bn = (module: string) => [{ module, kind: 'BatchNorm2d', degree: 1, shifted: false }];
  assert.deepEqual(norms.get('conv1.weight'), bn('bn1'));
  assert.deepEqual(norms.get('layer1.0.conv2.weight'), bn('layer1.0.bn2'));
  assert.deepEqual(norms.get('layer2.0.downsample.0.weight'), bn('layer2.0.downsample.1'));
  assert.deepEqual(norms.get('fc.weight'), []);
  assert.deepEqual(norms.get('bn1.weight'), []);
});

test('with --norm group and --norm layer the fused GroupNorm record names the norm module', () => {
  for (const norm of ['group', 'layer']) {
    const args = ['--data', 'synthetic', '--synthetic-size', '32', '--batch-size', '8'];
    const req = parseTrainArgs([...args, '--widths', '4,8,8', '--norm', norm], '/');
    if (req.kind !== 'new') return assert.fail('expected a config');
    const parts = setupTraining(req.config, '/');
    const by = new Map(parts.detection.map((r) => [r.param, r] as const));
    const gn = (module: string) => [{ module, kind: 'GroupNorm', degree: 1, shifted: false }];
    assert.deepEqual(by.get('conv1.weight')!.norms, gn('bn1'), norm);
    assert.deepEqual(by.get('layer2.0.downsample.0.weight')!.norms, gn('layer2.0.downsample.1'));
    // layer norm is one group: a filter's scale is absorbed only together with the others
    if (norm === 'layer') assert.equal(by.get('layer1.0.conv2.weight')!.perChannel, false);
    assert.deepEqual(by.get('fc.weight')!.norms, []);
  }
});

/** conv → conv → BN → head under names no pattern would guess; conv2 carries weight norm. */
class Oddly extends Module {
  readonly first: Conv2d;
  readonly second: Conv2d;
  readonly zz: BatchNorm2d;
  readonly head: Linear;
  constructor() {
    super();
    const rng = new Rng(21);
    this.first = this.registerModule('first', new Conv2d(1, 4, 3, { bias: false, rng }));
    this.second = this.registerModule('second', new Conv2d(4, 4, 3, { bias: false, rng }));
    weightNorm(this.second);
    this.zz = this.registerModule('zz', new BatchNorm2d(4));
    this.head = this.registerModule('head', new Linear(4, 3, { rng }));
  }
  forward(x: Tensor): Tensor {
    const h = this.zz.forwardAct(this.second.forward(this.first.forward(x)));
    return this.head.forward(flatten(adaptiveAvgPool2d(h, 1), 1));
  }
}

test('rescaling finds the BatchNorm from the tape, not from names (degrees add up)', () => {
  const model = new Oddly();
  const det = detectScaleInvariance(model, Tensor.randn([4, 1, 8, 8], new Rng(22)));
  const norms = new Map(det.map((r) => [r.param, r.norms] as const));
  const zz = { module: 'zz', kind: 'BatchNorm2d', degree: 1, shifted: false };
  assert.deepEqual(norms.get('first.weight'), [zz]);
  assert.deepEqual(norms.get('second.weight_g'), [zz]);
  assert.deepEqual(norms.get('second.weight_v'), [
    { module: 'second', kind: 'Conv2d', degree: 1, shifted: false },
  ]);
  const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9 });
  const rng = new Rng(23);
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    crossEntropy(
      model.forward(Tensor.randn([4, 1, 8, 8], rng)),
      new Int32Array([0, 1, 2, 0]),
    ).backward();
    opt.step();
  }
  const x = Tensor.randn([4, 1, 8, 8], rng);
  const mean = model.zz.getBuffer('running_mean')!;
  const m0 = mean.data[0];
  const beforeEval = logits(model, x, false);
  const names = applyRescale(model, opt, det, 16);
  assert.deepEqual(names.sort(), ['first.weight', 'second.weight_g', 'second.weight_v']);
  // first and weight_g each scale zz's input by 16^(-1/4) = 1/2: the mean by 1/4 in all
  assert.ok(Math.abs(mean.data[0] - m0 / 4) <= 1e-6 * Math.abs(m0), `${mean.data[0]} vs ${m0}`);
  const afterEval = logits(model, x, false);
  for (let i = 0; i < beforeEval.length; i++)
    assert.ok(Math.abs(afterEval[i] - beforeEval[i]) < 1e-4, `logit ${i}`);
});
