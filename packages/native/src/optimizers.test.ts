// The native optimizer kernels of #14 (Lion, SGDP, AdamP, the rotational wrapper with its inner
// SGDM/AdamW/Lion steps) inside the optimizers, over several steps: against the TS rules on
// random shapes, and on the golden trajectories of optim-ext.json (the same runner and tolerance
// as the engine's TS test). Single-step kernel cases: conformance-shapes.test.ts (shapeCases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AdamP,
  Lion,
  Rng,
  RVAdamW,
  RVLion,
  RVSGDM,
  SGDP,
  Tensor,
  withBackend,
  type NamedParam,
  type Optimizer,
} from '@smd/engine';
import { orthogonalizeRows } from '@smd/engine/conformance';
import { optimExtErrors, type OptimExtRun, type TrajectoryFixture } from '@smd/test-support/engine';
import { nativeBackend, nativeStatus } from './index.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

/**
 * Parameter shapes of the multi-step test: a 64→64 3×3 conv (parallel paths), odd channel
 * counts (13, 7: not multiples of the 8-float vector width), a 1-channel 5×5 conv, a linear
 * weight, and rank-1 BN weight/bias and linear bias, which are not scale-invariant (never
 * projected or rotated).
 */
const SHAPES: number[][] = [[64, 64, 3, 3], [13, 7, 3, 3], [3, 1, 5, 5], [10, 65], [13], [10]];

type Make = (p: NamedParam[], useKernels: boolean) => Optimizer<{ lr: number }>;
const any = (o: unknown): Optimizer<{ lr: number }> => o as Optimizer<{ lr: number }>;
const OPTIMIZERS: [string, Make][] = [
  ['lion', (p, k) => any(new Lion(p, { lr: 1e-3, weightDecay: 1 }, { useKernels: k }))],
  [
    'sgdp',
    (p, k) => any(new SGDP(p, { lr: 0.1, momentum: 0.9, weightDecay: 5e-3 }, { useKernels: k })),
  ],
  [
    'sgdp nesterov',
    (p, k) =>
      any(
        new SGDP(
          p,
          { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-3 },
          { useKernels: k },
        ),
      ),
  ],
  ['adamp', (p, k) => any(new AdamP(p, { lr: 1e-2, weightDecay: 0.1 }, { useKernels: k }))],
  [
    'rv-sgdm',
    (p, k) => any(new RVSGDM(p, { lr: 0.1, momentum: 0.9, weightDecay: 5e-3 }, { useKernels: k })),
  ],
  ['rv-adamw', (p, k) => any(new RVAdamW(p, { lr: 1e-2, weightDecay: 0.1 }, { useKernels: k }))],
  ['rv-lion', (p, k) => any(new RVLion(p, { lr: 1e-3, weightDecay: 1 }, { useKernels: k }))],
  [
    'rv-adamw per layer, zero mean',
    (p, k) =>
      any(
        new RVAdamW(
          p,
          { lr: 1e-2, weightDecay: 0.1, perNeuron: false, zeroMean: true },
          { useKernels: k },
        ),
      ),
  ],
];

/**
 * Runs `make` for `steps` steps on fresh float32 copies of the same parameters with the same
 * gradients. For SGDP/AdamP, half of the conv weights get gradients orthogonal to each output
 * channel (scale-invariant, so the projection applies) and the rest random ones.
 */
function run(make: Make, useKernels: boolean, steps: number): Map<string, Float32Array> {
  const rng = new Rng(5);
  const params: NamedParam[] = SHAPES.map((s, i) => [`p${i}`, Tensor.randn(s, rng)]);
  const opt = make(params, useKernels);
  for (let t = 0; t < steps; t++) {
    for (const [i, [, w]] of params.entries()) {
      const g = Tensor.randn(w.shape, rng).data as Float32Array;
      if (i % 2 === 0 && w.ndim >= 2) orthogonalizeRows(w.data as Float32Array, g, w.shape[0]);
      w.grad = new Tensor(g, w.shape);
    }
    opt.step();
  }
  const out = new Map<string, Float32Array>();
  for (const [name, w] of params) out.set(name, w.data as Float32Array);
  for (const [name, st] of Object.entries(opt.stateDict().state)) {
    for (const [key, v] of Object.entries(st)) {
      if (v instanceof Tensor) out.set(`${name}.${key}`, Float32Array.from(v.data));
    }
  }
  return out;
}

// 5 steps, tolerance 1e-5 of each tensor's largest value: one step agrees to about an ulp
// (6e-8; the conformance cases hold 1e-6) and the differences compound over the steps (Adam's
// division by √v, the rotation's renormalization); a wrong term is ≥ 1e-3.
for (const [name, make] of OPTIMIZERS) {
  test(`native ${name} matches the TS rule over 5 steps on random shapes`, { skip }, () => {
    const want = run(make, false, 5);
    const got = withBackend(nativeBackend()!, () => run(make, true, 5));
    assert.deepEqual([...got.keys()], [...want.keys()]);
    for (const [k, w] of want) {
      const g = got.get(k)!;
      let scale = 1e-30;
      for (const v of w) scale = Math.max(scale, Math.abs(v));
      let err = 0;
      for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(g[i] - w[i]) / scale);
      assert.ok(err <= 1e-5, `${name} ${k}: ${err}`);
    }
  });
}

test('native optimizers of #14 follow the golden trajectories (optim-ext.json)', { skip }, () => {
  const read = (f: string): unknown =>
    JSON.parse(readFileSync(new URL(`../../engine/fixtures/torch/${f}`, import.meta.url), 'utf8'));
  const base = read('optim.json') as TrajectoryFixture;
  const ext = read('optim-ext.json') as { runs: OptimExtRun[] };
  assert.ok(ext.runs.length >= 6, `${ext.runs.length} runs`);
  withBackend(nativeBackend()!, () => {
    for (const r of ext.runs) {
      for (const [k, e] of Object.entries(optimExtErrors(base, r))) {
        assert.ok(e < 1e-4, `${r.name}: ${k} max rel err ${e}`);
      }
    }
  });
});
