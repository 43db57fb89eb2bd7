import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  enableGrad,
  Tensor,
  Rng,
  resnet,
  convStack,
  Module,
  Conv2d,
  Linear,
  BatchNorm2d,
  LayerNorm,
  add,
  exp,
  relu,
  flatten,
  adaptiveAvgPool2d,
} from '@smd/engine';
import {
  detectFromGraph,
  detectScaleInvariance,
  moduleKinds,
  type ScaleInvarianceResult,
} from './structural.js';

const rng = new Rng(1);
const batch = (c = 1, hw = 8, n = 2) => Tensor.randn([n, c, hw, hw], rng);
const byName = (rs: ScaleInvarianceResult[]) => new Map(rs.map((r) => [r.param, r]));

test('reference ResNet with BatchNorm: every conv per-channel invariant, BN/fc not', () => {
  const model = resnet({ widths: [4, 8, 8], blocksPerStage: 1, rng: new Rng(2) });
  const rs = detectScaleInvariance(model, batch());
  const m = byName(rs);
  const convs = rs.filter((r) => /conv\d\.weight$|downsample\.0\.weight$/.test(r.param));
  assert.equal(convs.length, 3 + 2 * 2 + 2 - 1 + 1); // stem + 3 blocks × 2 convs + 2 projections
  for (const r of convs) {
    assert.ok(r.scaleInvariant && r.perChannel, `${r.param}: ${r.reason}`);
  }
  assert.equal(m.get('conv1.weight')!.reason, 'conv output feeds only BatchNorm2d bn1');
  assert.equal(
    m.get('layer2.0.conv2.weight')!.reason,
    'conv output feeds only BatchNorm2d layer2.0.bn2',
  );
  assert.equal(
    m.get('layer2.0.downsample.0.weight')!.reason,
    'conv output feeds only BatchNorm2d layer2.0.downsample.1',
  );
  assert.equal(m.get('bn1.weight')!.reason, 'BN affine parameter (BatchNorm2d bn1)');
  assert.equal(m.get('layer1.0.bn2.bias')!.scaleInvariant, false);
  assert.equal(m.get('fc.weight')!.reason, 'classifier: output not normalized (Linear fc)');
  assert.equal(m.get('fc.bias')!.reason, 'bias (Linear fc)');
  assert.equal(rs.filter((r) => r.scaleInvariant).length, convs.length);
  assert.ok(rs.every((r) => r.runtime === 'unmeasured' && r.structural === r.scaleInvariant));
});

test('detection leaves BatchNorm running statistics and eval mode untouched', () => {
  const model = convStack({ channels: [4, 6], rng: new Rng(3) });
  model.eval();
  const before = model.namedBuffers().map(([n, b]) => [n, Array.from(b.data)] as const);
  const rs = detectScaleInvariance(model, batch());
  assert.equal(model.training, false);
  for (const [n, data] of before) {
    assert.deepEqual(Array.from(model.namedBuffers().find(([k]) => k === n)![1].data), data, n);
  }
  assert.ok(byName(rs).get('features.0.weight')!.scaleInvariant);
  // a forward in eval mode by hand: BN uses running statistics, nothing is invariant
  const out = model.forward(batch());
  const ev = detectFromGraph(model.namedParameters(), out, moduleKinds(model));
  const r = byName(ev).get('features.0.weight')!;
  assert.equal(r.scaleInvariant, false);
  assert.match(r.reason, /eval mode/);
});

test('plain conv-BN stack and conv stack without norm', () => {
  const bn = byName(
    detectScaleInvariance(convStack({ channels: [4, 6, 8], rng: new Rng(4) }), batch()),
  );
  assert.equal(
    bn.get('features.3.weight')!.reason,
    'conv output feeds only BatchNorm2d features.4',
  );
  assert.ok(bn.get('features.6.weight')!.perChannel);
  const none = detectScaleInvariance(
    convStack({ channels: [4, 6], norm: 'none', rng: new Rng(5) }),
    batch(),
  );
  assert.ok(none.every((r) => !r.scaleInvariant));
  const nm = byName(none);
  assert.match(nm.get('features.0.weight')!.reason, /^conv output: relu after a bias/);
  assert.equal(nm.get('features.0.bias')!.reason, 'bias (Conv2d features.0)');
});

test('GroupNorm: whole-tensor invariant only; one group per channel is per-channel; LayerNorm variant', () => {
  const gn = byName(
    detectScaleInvariance(
      convStack({ channels: [4, 8], norm: 'group', groups: 2, rng: new Rng(6) }),
      batch(),
    ),
  );
  const r = gn.get('features.3.weight')!;
  assert.ok(r.scaleInvariant, r.reason);
  assert.equal(r.perChannel, false);
  assert.equal(r.reason, 'conv output feeds only GroupNorm features.4');
  // the fused group norm is one node; its record's affine inputs name the module
  assert.deepEqual(r.norms, [
    { module: 'features.4', kind: 'GroupNorm', degree: 1, shifted: false },
  ]);
  assert.equal(
    gn.get('features.4.weight')!.reason,
    'GroupNorm affine parameter (GroupNorm features.4)',
  );
  const inst = byName(
    detectScaleInvariance(
      convStack({ channels: [4], norm: 'group', groups: 4, rng: new Rng(7) }),
      batch(),
    ),
  );
  assert.ok(inst.get('features.0.weight')!.perChannel);
  const ln = byName(
    detectScaleInvariance(
      resnet({ widths: [4, 4, 8], blocksPerStage: 1, norm: 'layer', rng: new Rng(8) }),
      batch(),
    ),
  );
  const c = ln.get('layer3.0.conv1.weight')!;
  assert.ok(c.scaleInvariant && !c.perChannel, c.reason);
  assert.match(c.reason, /GroupNorm layer3\.0\.bn1/);
});

class MlpLn extends Module {
  readonly fc1: Linear;
  readonly ln: LayerNorm;
  readonly fc2: Linear;
  constructor() {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(6, 5, { rng: new Rng(9) }));
    this.ln = this.registerModule('ln', new LayerNorm(5));
    this.fc2 = this.registerModule('fc2', new Linear(5, 3, { rng: new Rng(10) }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.ln.forward(this.fc1.forward(x))));
  }
}

test('LayerNorm after a biased linear: the bias breaks invariance of the weight', () => {
  const rs = byName(detectScaleInvariance(new MlpLn(), Tensor.randn([3, 6], rng)));
  const w = rs.get('fc1.weight')!;
  assert.equal(w.scaleInvariant, false);
  assert.match(w.reason, /linear output: .*after a bias/);
  assert.match(rs.get('ln.weight')!.reason, /^LayerNorm affine parameter/);
});

test('weight norm: v is per-channel invariant, g is invariant only when BN follows', () => {
  const wnFc = byName(
    detectScaleInvariance(
      convStack({ channels: [4], norm: 'none', weightNorm: 'all', rng: new Rng(11) }),
      batch(),
    ),
  );
  const v = wnFc.get('features.0.weight_v')!;
  assert.ok(v.scaleInvariant && v.perChannel, v.reason);
  assert.equal(
    v.reason,
    'weight-normalized: only the direction enters (the weight norm of Conv2d features.0)',
  );
  assert.equal(wnFc.get('features.0.weight_g')!.scaleInvariant, false);
  assert.ok(wnFc.get('fc.weight_v')!.scaleInvariant);
  const wnBn = byName(
    detectScaleInvariance(
      resnet({ widths: [4, 4, 4], blocksPerStage: 1, weightNorm: 'convs', rng: new Rng(12) }),
      batch(),
    ),
  );
  const g = wnBn.get('layer1.0.conv1.weight_g')!;
  assert.ok(g.scaleInvariant && g.perChannel, g.reason);
  assert.equal(g.reason, 'conv output feeds only BatchNorm2d layer1.0.bn1');
});

class Odd extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly head: Conv2d;
  constructor() {
    super();
    this.conv = this.registerModule('conv', new Conv2d(1, 2, 3, { bias: true, rng: new Rng(13) }));
    this.bn = this.registerModule('bn', new BatchNorm2d(2, { affine: false }));
    this.head = this.registerModule('head', new Conv2d(1, 2, 3, { bias: false, rng: new Rng(14) }));
  }
  forward(x: Tensor): Tensor {
    const a = this.bn.forward(this.conv.forward(x)); // conv bias removed by BN's mean
    const b = exp(this.head.forward(x)); // not homogeneous
    return add(flatten(adaptiveAvgPool2d(relu(a), 1), 1), flatten(adaptiveAvgPool2d(b, 1), 1));
  }
}

test('conv with bias before BN is invariant; exp breaks; affine-free BN named', () => {
  const m = new Odd();
  const rs = byName(detectScaleInvariance(m, batch()));
  // the affine-free BN is named by its running statistics (its op record holds them)
  assert.equal(rs.get('conv.weight')!.reason, 'conv output feeds only BatchNorm2d bn');
  assert.deepEqual(rs.get('conv.weight')!.norms, [
    { module: 'bn', kind: 'BatchNorm2d', degree: 1, shifted: true },
  ]);
  // without buffers (a bare graph), nothing names it
  const out = enableGrad(() => m.forward(batch()));
  const bare = byName(detectFromGraph(m.namedParameters(), out, moduleKinds(m)));
  assert.equal(
    bare.get('conv.weight')!.reason,
    'conv output feeds only BatchNorm (no affine parameters)',
  );
  assert.ok(rs.get('conv.weight')!.perChannel);
  assert.equal(
    rs.get('head.weight')!.reason,
    'conv output: reaches exp, which is not positively homogeneous',
  );
  assert.equal(rs.get('conv.bias')!.reason, 'bias (Conv2d conv)');
});
