import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sgdUpdate } from '@smd/engine';
import { SmdProbe, type ProbedParam } from './smd-probe.js';
import { probeTensor } from './tensor-stats.js';
import type { ParamHyper } from './predict.js';
import { deltaStarExact, weightNormStar } from '../theory/equilibrium.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** A raw parameter with an SGD(M) update driven by sgdUpdate from the engine. */
function makeParam(name: string, shape: number[], hyper: ParamHyper, seed: number) {
  const rnd = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const w = Float32Array.from({ length: n }, () => rnd() * 0.2);
  const g = new Float32Array(n);
  const v = new Float32Array(n);
  let first = true;
  const p: ProbedParam = {
    name,
    shape,
    data: () => w,
    grad: () => g,
    momentumBuffer: () => (hyper.momentum > 0 && !first ? v : null),
    hyper: () => hyper,
  };
  return {
    p,
    w,
    g,
    v,
    newGrad() {
      for (let i = 0; i < n; i++) g[i] = rnd() * 0.05;
    },
    step() {
      sgdUpdate(w, g, hyper.momentum > 0 ? v : null, first, {
        lr: hyper.lr,
        momentum: hyper.momentum,
        dampening: 0,
        weightDecay: hyper.weightDecay,
        nesterov: false,
        maximize: false,
      });
      first = false;
    },
  };
}

test('SmdProbe on SGDM: values equal the raw fused probe; L window; predictions', () => {
  const hyper = { lr: 0.1, weightDecay: 5e-4, momentum: 0.9 };
  const a = makeParam('conv.weight', [4, 3, 3, 3], hyper, 1);
  const probe = new SmdProbe([a.p], { windowSteps: 3 });
  const hTildes: number[] = [];
  for (let t = 0; t < 6; t++) {
    a.newGrad();
    const wPrev = a.w.slice();
    const vPrev = a.p.momentumBuffer()?.slice() ?? null;
    probe.beforeStep(t);
    a.step();
    const [m] = probe.measure(t);
    const ref = probeTensor({ wPrev, wNext: a.w, grad: a.g, momentumPrev: vPrev }, hyper);
    assert.deepEqual(m.stats, ref);
    if (t === 0) assert.equal(m.stats.vDotG, 0);
    else assert.notEqual(m.stats.vDotG, 0);
    hTildes.push(ref.hTilde);
    const last = hTildes.slice(-3);
    const L = last.reduce((x, y) => x + y, 0) / last.length;
    assert.ok(Math.abs(m.lWindow - L) <= 1e-12 * L);
    assert.equal(m.deltaStar, deltaStarExact({ lr: 0.1, wd: 5e-4, momentum: 0.9 }));
    assert.equal(m.wStar, weightNormStar({ lr: 0.1, wd: 5e-4, momentum: 0.9, L: m.lWindow }));
    assert.equal(m.noWeightDecay, false);
    assert.ok(m.stats.deltaRad > 0.01 && m.stats.deltaRad < 1);
  }
});

test('SmdProbe samples: metric set per optimizer, every-n sampling, lr override, no weight decay', () => {
  const sgd = makeParam('a', [3, 5], { lr: 0.05, weightDecay: 1e-4, momentum: 0 }, 2);
  const noWd = makeParam('b', [6], { lr: 0.05, weightDecay: 0, momentum: 0.9 }, 3);
  const probe = new SmdProbe([sgd.p, noWd.p], { every: 2, windowSteps: 200 });
  assert.equal(probe.windowSamples, 100);
  for (let t = 0; t < 4; t++) {
    sgd.newGrad();
    noWd.newGrad();
    probe.beforeStep(t);
    sgd.step();
    noWd.step();
    const samples = probe.afterStep(t, 0.025);
    if (t % 2 === 1) {
      assert.equal(samples.length, 0);
      continue;
    }
    const of = (p: string) => samples.filter((s) => s.param === p).map((s) => s.metric);
    assert.deepEqual(of('a'), [
      'norm',
      'delta_rad',
      'grad_sq_norm',
      'unit_grad_sq_norm',
      'radial_cos',
      'lr_effective',
      'update_rms',
      'L_window',
      'delta_star',
      'w_star',
    ]);
    // SGDM without weight decay: h̃ and ⟨v, g⟩ but no predictions
    assert.deepEqual(of('b'), [
      'norm',
      'delta_rad',
      'grad_sq_norm',
      'unit_grad_sq_norm',
      'h_tilde',
      'v_dot_g',
      'radial_cos',
      'lr_effective',
      'update_rms',
      'L_window',
    ]);
    assert.ok(samples.every((s) => s.step === t && s.channel === undefined));
    const lrEff = samples.find((s) => s.param === 'a' && s.metric === 'lr_effective')!.value;
    const norm = samples.find((s) => s.param === 'a' && s.metric === 'norm')!.value;
    assert.ok(Math.abs(lrEff - 0.025 / norm ** 2) < 1e-15);
  }
  const m = probe.measure(5);
  assert.equal(m.length, 0, 'step 5 is not sampled');
});

test('SmdProbe per-channel: one sample set per output channel; whole-tensor values unchanged', () => {
  const hyper = { lr: 0.1, weightDecay: 1e-3, momentum: 0.9 };
  const a = makeParam('w', [3, 2, 2], hyper, 4);
  const b = makeParam('w', [3, 2, 2], hyper, 4);
  const perCh = new SmdProbe([a.p], { perChannel: true });
  const whole = new SmdProbe([b.p]);
  for (let t = 0; t < 3; t++) {
    a.newGrad();
    b.newGrad();
    perCh.beforeStep(t);
    whole.beforeStep(t);
    a.step();
    b.step();
    const [ma] = perCh.measure(t);
    const [mb] = whole.measure(t);
    for (const k of Object.keys(mb.stats) as (keyof typeof mb.stats)[]) {
      assert.ok(Math.abs(ma.stats[k] - mb.stats[k]) <= 1e-12 * Math.abs(mb.stats[k]) + 1e-300, k);
    }
    // ‖w‖² is the sum of the channels' ‖w_c‖²
    const sumSq = Array.from(ma.channels!.norm).reduce((s, x) => s + x * x, 0);
    assert.ok(Math.abs(sumSq - ma.stats.norm ** 2) < 1e-12);
    assert.equal(
      ma.channelWStar![1],
      weightNormStar({ lr: 0.1, wd: 1e-3, momentum: 0.9, L: ma.channelLWindow![1] }),
    );
  }
  a.newGrad();
  perCh.beforeStep(3);
  a.step();
  const samples = perCh.afterStep(3);
  const ch1 = samples.filter((s) => s.channel === 1).map((s) => s.metric);
  assert.deepEqual(ch1, [
    'norm',
    'delta_rad',
    'grad_sq_norm',
    'unit_grad_sq_norm',
    'h_tilde',
    'v_dot_g',
    'radial_cos',
    'lr_effective',
    'update_rms',
    'L_window',
    'w_star',
  ]);
  assert.equal(samples.filter((s) => s.channel === 2).length, 11);
  // whole tensor: 12 metrics + rotation_spread
  assert.equal(samples.filter((s) => s.channel === undefined).length, 13);
});

test('SmdProbe rejects bad options and skips params without a gradient', () => {
  const a = makeParam('a', [2, 2], { lr: 0.1, weightDecay: 1e-4, momentum: 0 }, 5);
  assert.throws(() => new SmdProbe([a.p], { every: 0 }), /every must be an integer >= 1/);
  assert.throws(() => new SmdProbe([a.p, a.p]), /listed twice/);
  const probe = new SmdProbe([{ ...a.p, grad: () => null }]);
  probe.beforeStep(0);
  a.step();
  assert.deepEqual(probe.afterStep(0), []);
});

test('SmdProbe.stateDict: a probe restored mid-run continues with bit-identical L windows', () => {
  const hyper = { lr: 0.1, weightDecay: 5e-4, momentum: 0.9 };
  const run = (restoreAt: number | null): number[] => {
    const a = makeParam('conv.weight', [4, 3, 3, 3], hyper, 3);
    let probe = new SmdProbe([a.p], { windowSteps: 5, perChannel: true });
    const out: number[] = [];
    for (let t = 0; t < 12; t++) {
      if (t === restoreAt) {
        // JSON round trip, as a checkpoint stores it, into a fresh probe
        const saved = JSON.parse(JSON.stringify(probe.stateDict())) as ReturnType<
          SmdProbe['stateDict']
        >;
        probe = new SmdProbe([a.p], { windowSteps: 5, perChannel: true });
        probe.loadStateDict(saved, 'ck.safetensors');
      }
      a.newGrad();
      probe.beforeStep(t);
      a.step();
      const m = probe.measure(t)[0];
      out.push(m.lWindow, ...m.channelLWindow!);
    }
    return out;
  };
  const ref = run(null);
  assert.deepEqual(run(7), ref); // Object.is on every float64
  const fresh = new SmdProbe([makeParam('conv.weight', [4, 3, 3, 3], hyper, 3).p], {
    windowSteps: 5,
    perChannel: true,
  });
  const sd = fresh.stateDict();
  assert.deepEqual(Object.keys(sd), ['conv.weight', 'conv.weight#ch']);
  assert.throws(
    () => fresh.loadStateDict({ 'conv.weight': sd['conv.weight'] }, 'ck.safetensors'),
    /^Error: ck\.safetensors: no L window for 'conv\.weight#ch'$/,
  );
  const other = new SmdProbe([makeParam('conv.weight', [4, 3, 3, 3], hyper, 3).p], {
    windowSteps: 6,
  });
  assert.throws(
    () => other.loadStateDict(sd, 'ck'),
    /L window of 'conv\.weight': saved window is 5×1, this one 6×1/,
  );
});

test('update_rms per tensor and per neuron, rotation_spread across neurons', () => {
  const hyper = { lr: 0.1, weightDecay: 5e-4, momentum: 0 };
  const a = makeParam('conv.weight', [4, 2, 3, 3], hyper, 7);
  const probe = new SmdProbe([a.p], { perChannel: true });
  a.newGrad();
  const before = Float64Array.from(a.w);
  probe.beforeStep(0);
  a.step();
  const samples = probe.afterStep(0);
  const get = (metric: string, channel?: number): number =>
    samples.find((s) => s.metric === metric && s.channel === channel)!.value;
  const sq = (from: number, to: number): number => {
    let s = 0;
    for (let i = from; i < to; i++) s += (a.w[i] - before[i]) ** 2;
    return s;
  };
  const rel = (x: number, y: number): boolean => Math.abs(x / y - 1) < 1e-9;
  assert.ok(rel(get('update_rms'), Math.sqrt(sq(0, 72) / 72)), 'tensor update RMS');
  for (let c = 0; c < 4; c++) {
    assert.ok(rel(get('update_rms', c), Math.sqrt(sq(18 * c, 18 * c + 18) / 18)), `channel ${c}`);
  }
  const deltas = [0, 1, 2, 3].map((c) => get('delta_rad', c));
  const mean = deltas.reduce((s, x) => s + x, 0) / 4;
  const std = Math.sqrt(deltas.reduce((s, x) => s + (x - mean) ** 2, 0) / 4);
  assert.ok(std > 0);
  assert.ok(rel(get('rotation_spread'), std / mean), 'spread = std/mean of per-channel Δ');
  assert.equal(
    samples.filter((s) => s.metric === 'rotation_spread').length,
    1,
    'one spread per tensor and step',
  );
});
