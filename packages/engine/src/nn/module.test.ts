import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { BatchNorm2d } from './batch-norm.js';
import { Flatten, Identity, ReLU, Sequential } from './container.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { AdaptiveAvgPool2d } from './pooling.js';

class Net extends Module {
  conv = this.registerModule('conv', new Conv2d(2, 3, 3, { padding: 1, rng: new Rng(1) }));
  bn = this.registerModule('bn', new BatchNorm2d(3));
  head = this.registerModule(
    'head',
    new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Linear(3, 2, { rng: new Rng(2) })),
  );
  scale = this.registerParameter('scale', Tensor.ones([1]));
  forward(x: Tensor): Tensor {
    return this.head.forward(new ReLU().forward(this.bn.forward(this.conv.forward(x))));
  }
}

test('names and order follow torch: own params, then children depth first', () => {
  const net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([k]) => k),
    ['scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'head.2.weight', 'head.2.bias'],
  );
  assert.deepEqual(
    net.namedBuffers().map(([k]) => k),
    ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'],
  );
  assert.deepEqual(
    [...net.stateDict().keys()],
    [
      'scale',
      'conv.weight',
      'conv.bias',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
      'head.2.weight',
      'head.2.bias',
    ],
  );
  assert.deepEqual(
    net.namedModules().map(([k, m]) => `${k}:${m.constructor.name}`),
    [
      'Net',
      'conv:Conv2d',
      'bn:BatchNorm2d',
      'head:Sequential',
      'head.0:AdaptiveAvgPool2d',
      'head.1:Flatten',
      'head.2:Linear',
    ].map((s) => (s === 'Net' ? ':Net' : s)),
  );
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  assert.equal(net.numParameters(), 1 + 54 + 3 + 3 + 3 + 6 + 2);
});

test('train()/eval() reach every descendant', () => {
  const net = new Net();
  assert.ok(net.namedModules().every(([, m]) => m.training));
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.bn.training && (net.head.at(2) as Linear).training);
});

test('stateDict shares storage; loadStateDict copies values and checks keys and shapes', () => {
  const a = new Net();
  const b = new Net();
  b.conv.weight.fill(0.5);
  const sd = a.stateDict();
  assert.equal(sd.get('conv.weight')!.data, a.conv.weight.data, 'a view, like torch');
  const snapshot = new Map([...sd].map(([k, t]) => [k, t.clone()]));
  b.loadStateDict(snapshot);
  assert.deepEqual(b.conv.weight.toArray(), a.conv.weight.toArray());
  assert.notEqual(b.conv.weight.data, a.conv.weight.data);
  const x = Tensor.randn([2, 2, 4, 4], new Rng(3));
  assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());

  const missing = new Map(snapshot);
  missing.delete('bn.running_var');
  missing.set('extra', Tensor.zeros([1]));
  assert.throws(
    () => b.loadStateDict(missing),
    /missing keys \[bn.running_var\], unexpected keys \[extra\]/,
  );
  const r = b.loadStateDict(missing, false);
  assert.deepEqual(r, { missingKeys: ['bn.running_var'], unexpectedKeys: ['extra'] });
  const bad = new Map(snapshot);
  bad.set('conv.bias', Tensor.zeros([4]));
  assert.throws(() => b.loadStateDict(bad), /'conv.bias' has shape \[4\], expected \[3\]/);
  // a plain object works too
  b.loadStateDict(Object.fromEntries(snapshot));
});

test('registration errors are one line and name the culprit', () => {
  class Bad extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const m = new Bad();
  m.registerParameter('w', Tensor.zeros([2]));
  assert.throws(() => m.registerBuffer('w', Tensor.zeros([2])), /'w' is already a parameter/);
  assert.throws(() => m.registerModule('a.b', new Identity()), /invalid name 'a.b'/);
  assert.throws(() => m.getParameter('nope'), /no parameter 'nope'/);
  assert.throws(() => new Sequential().at(0), /no layer 0/);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups 2/);
  assert.throws(() => new Linear(0, 2), /inFeatures must be an integer >= 1/);
});

test('zeroGrad zeroes or drops parameter gradients', () => {
  const net = new Net();
  const x = Tensor.randn([2, 2, 4, 4], new Rng(4));
  const y = net.forward(x);
  y.backward(Tensor.ones(y.shape));
  assert.ok(net.conv.weight.grad!.toArray().some((v) => v !== 0));
  net.zeroGrad();
  assert.ok(net.conv.weight.grad!.toArray().every((v) => v === 0));
  net.zeroGrad(true);
  assert.equal(net.conv.weight.grad, null);
});
