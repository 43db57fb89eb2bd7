// The reference ResNet against torch (fixtures/torch/resnet.json): state-dict keys and shapes at
// widths (32,64,128) and (16,32,64); a tiny-width (4,8,8) net's forward, loss, every parameter
// gradient, running statistics and eval logits from torch's own initial state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { BatchNorm2d } from './batch-norm.js';
import { CrossEntropyLoss } from './loss.js';
import { GroupNorm } from './norm.js';
import { BasicBlock, resnet } from './resnet.js';
import { convStack } from './conv-stack.js';
import {
  compareTensor,
  fromFixture,
  labelsFromFixture,
  type FixtureTensor,
} from '@smd/test-support/engine';

const fx = JSON.parse(
  readFileSync(new URL('../../fixtures/torch/resnet.json', import.meta.url), 'utf8'),
) as {
  keys: Record<
    string,
    {
      stateDict: [string, number[]][];
      parameters: string[];
      buffers: string[];
      numParameters: number;
    }
  >;
  tiny: {
    widths: [number, number, number];
    init: Record<string, FixtureTensor>;
    x: FixtureTensor;
    y: FixtureTensor;
    logits: FixtureTensor;
    loss: number;
    after: Record<string, FixtureTensor>;
    evalLogits: FixtureTensor;
    float64: { logits: FixtureTensor; loss: number; grads: Record<string, FixtureTensor> };
  };
};

for (const [w, ref] of Object.entries(fx.keys)) {
  test(`resnet widths (${w}): state-dict keys, order and shapes equal torch's`, () => {
    const widths = w.split(',').map(Number) as [number, number, number];
    const net = resnet({ widths, rng: new Rng(1) });
    const sd = [...net.stateDict()].map(([k, t]) => [k, [...t.shape]]);
    assert.deepEqual(sd, ref.stateDict);
    assert.deepEqual(
      net.namedParameters().map(([k]) => k),
      ref.parameters,
    );
    assert.deepEqual(
      net.namedBuffers().map(([k]) => k),
      ref.buffers,
    );
    assert.equal(net.numParameters(), ref.numParameters);
  });
}

function tinyNet(dtype: 'float32' | 'float64'): ReturnType<typeof resnet> {
  const net = resnet({ widths: fx.tiny.widths, rng: new Rng(2), dtype });
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.tiny.init)) sd[k] = fromFixture(v, dtype);
  net.loadStateDict(sd);
  return net.train();
}

/** One train-mode forward/backward; returns the loss and the worst gradient error vs `ref`. */
function tinyStep(
  dtype: 'float32' | 'float64',
  ref: Record<string, FixtureTensor>,
  tol: number,
): { net: ReturnType<typeof resnet>; loss: number; worst: number } {
  const t = fx.tiny;
  const net = tinyNet(dtype);
  const logits = net.forward(fromFixture(t.x, dtype));
  const c = compareTensor(logits, dtype === 'float64' ? t.float64.logits : t.logits);
  assert.ok(c.maxRel < tol, `${dtype} logits ${c.maxRel}`);
  const loss = new CrossEntropyLoss().forward(logits, labelsFromFixture(t.y));
  loss.backward();
  let worst = 0;
  const params = new Map(net.namedParameters());
  assert.deepEqual([...params.keys()], Object.keys(ref));
  for (const [k, g] of Object.entries(ref)) {
    const e = compareTensor(params.get(k)!.grad!, g, 1e-12);
    worst = Math.max(worst, e.maxRel);
    assert.ok(e.maxRel < tol, `${dtype} grad ${k}: ${e.maxRel} (abs ${e.maxAbs})`);
  }
  return { net, loss: loss.item(), worst };
}

test('tiny resnet in float64: logits, loss and every gradient equal torch float64', () => {
  const r = tinyStep('float64', fx.tiny.float64.grads, 1e-9);
  assert.ok(Math.abs(r.loss - fx.tiny.float64.loss) < 1e-12);
  console.log(`tiny resnet float64 worst gradient rel err ${r.worst.toExponential(2)}`);
});

test('tiny resnet in float32: logits, loss, gradients, running stats, eval match torch', () => {
  // torch's own float32 gradients carry up to ~1e-4 relative noise here (15 BN layers), so
  // float32 gradients are checked against torch's float64 ones.
  const t = fx.tiny;
  const r = tinyStep('float32', t.float64.grads, 1e-4);
  assert.ok(Math.abs(r.loss - t.loss) / t.loss < 1e-6);
  const state = r.net.stateDict();
  for (const [k, v] of Object.entries(t.after)) {
    const c = compareTensor(state.get(k)!, v);
    assert.ok(c.maxRel < 1e-4, `${k}: ${c.maxRel}`);
  }
  assert.equal(state.get('layer2.0.downsample.1.num_batches_tracked')!.item(), 1);
  r.net.eval();
  const c = compareTensor(r.net.forward(fromFixture(t.x)), t.evalLogits);
  assert.ok(c.maxRel < 1e-4, `eval logits ${c.maxRel}`);
  console.log(
    `tiny resnet float32 worst gradient rel err vs torch float64 ${r.worst.toExponential(2)}`,
  );
});

test('BasicBlock: identity when shapes match, 1×1 projection otherwise', () => {
  const same = new BasicBlock(8, 8, 1, { rng: new Rng(3) });
  assert.equal(same.downsample, null);
  const proj = new BasicBlock(8, 16, 2, { rng: new Rng(3) });
  assert.deepEqual(
    proj.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`),
    [
      'conv1.weight:16x8x3x3',
      'bn1.weight:16',
      'bn1.bias:16',
      'conv2.weight:16x16x3x3',
      'bn2.weight:16',
      'bn2.bias:16',
      'downsample.0.weight:16x8x1x1',
      'downsample.1.weight:16',
      'downsample.1.bias:16',
    ],
  );
  const y = proj.forward(Tensor.randn([2, 8, 6, 6], new Rng(4)));
  assert.deepEqual([...y.shape], [2, 16, 3, 3]);
  assert.ok(
    y.toArray().every((v) => v >= 0),
    'ReLU after the add',
  );
});

test('resnet variants: group / layer / no norm and weight norm keep torchvision names', () => {
  const gn = resnet({ widths: [8, 16, 32], norm: 'group', rng: new Rng(5) });
  assert.ok(gn.bn1 instanceof GroupNorm);
  assert.equal((gn.bn1 as GroupNorm).numGroups, 8);
  assert.equal(gn.namedBuffers().length, 0);
  const ln = resnet({ widths: [8, 16, 32], norm: 'layer', rng: new Rng(5) });
  assert.equal((ln.layer3.at(1) as BasicBlock).bn2 instanceof GroupNorm, true);
  assert.equal(((ln.layer3.at(1) as BasicBlock).bn2 as GroupNorm).numGroups, 1);
  const none = resnet({ widths: [8, 16, 32], norm: 'none', rng: new Rng(5) });
  const noneKeys = none.namedParameters().map(([k]) => k);
  assert.ok(noneKeys.includes('conv1.bias'), 'convs get a bias when nothing normalizes them');
  assert.ok(!noneKeys.some((k) => k.startsWith('bn')));
  const wn = resnet({ widths: [8, 16, 32], weightNorm: 'convs', rng: new Rng(5) });
  const wnKeys = [...wn.stateDict().keys()];
  assert.ok(wnKeys.includes('layer2.0.downsample.0.weight_v'));
  assert.ok(wnKeys.includes('conv1.weight_g') && !wnKeys.includes('conv1.weight'));
  assert.ok(wnKeys.includes('fc.weight'));
  const wnAll = resnet({ widths: [8, 16, 32], weightNorm: 'all', rng: new Rng(5) });
  assert.deepEqual([...wnAll.stateDict().keys()].slice(-3), [
    'fc.bias',
    'fc.weight_g',
    'fc.weight_v',
  ]);
  for (const net of [gn, ln, none, wn, wnAll]) {
    const y = net.forward(Tensor.randn([2, 1, 8, 8], new Rng(6)));
    assert.deepEqual([...y.shape], [2, 10]);
    assert.ok(y.toArray().every(Number.isFinite));
  }
});

test('convStack: Sequential keys, strides and forward shape', () => {
  const net = convStack({ channels: [4, 8], inChannels: 3, numClasses: 5, rng: new Rng(7) });
  assert.deepEqual(
    [...net.stateDict().keys()],
    [
      'features.0.weight',
      'features.1.weight',
      'features.1.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
      'features.3.weight',
      'features.4.weight',
      'features.4.bias',
      'features.4.running_mean',
      'features.4.running_var',
      'features.4.num_batches_tracked',
      'fc.weight',
      'fc.bias',
    ],
  );
  assert.ok(net.features.at(1) instanceof BatchNorm2d);
  const y = net.forward(Tensor.randn([2, 3, 9, 9], new Rng(8)));
  assert.deepEqual([...y.shape], [2, 5]);
  assert.throws(() => convStack({ channels: [] }), /channels must list/);
  assert.throws(() => convStack({ channels: [4], strides: [1, 2] }), /strides has 2 entries/);
  const plain = convStack({ channels: [4], norm: 'none', weightNorm: 'convs', rng: new Rng(9) });
  assert.deepEqual(
    [...plain.stateDict().keys()],
    ['features.0.bias', 'features.0.weight_g', 'features.0.weight_v', 'fc.weight', 'fc.bias'],
  );
});

test("init: 'torchvision' draws conv weights from N(0, 2/fan_out); the default is U(±1/√fan_in)", () => {
  const tv = resnet({ widths: [16, 32, 64], init: 'torchvision', rng: new Rng(10) });
  const w = tv.layer3.at(1) as BasicBlock;
  const d = w.conv2.weight.data; // [64, 64, 3, 3]: fan_out = 576
  let s2 = 0;
  for (const v of d) s2 += v * v;
  assert.ok(
    Math.abs(s2 / d.length / (2 / 576) - 1) < 0.05,
    `var ratio ${s2 / d.length / (2 / 576)}`,
  );
  const def = resnet({ widths: [16, 32, 64], rng: new Rng(10) });
  const dd = (def.layer3.at(1) as BasicBlock).conv2.weight.data;
  let m = 0;
  for (const v of dd) m = Math.max(m, Math.abs(v));
  assert.ok(m <= 1 / 24 && m > 0.99 / 24);
  const cs = convStack({
    channels: [8],
    init: 'torchvision',
    weightNorm: 'convs',
    rng: new Rng(11),
  });
  assert.deepEqual(
    [...cs.getModule('features').getModule('0').getParameter('weight_g')!.shape],
    [8, 1, 1, 1],
  );
});
