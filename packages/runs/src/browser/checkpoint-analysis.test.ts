import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrainingCheckpoint } from '@smd/formats';
import {
  analyzeCheckpoint,
  checkpointStep,
  type CheckpointAnalysis,
  type PreviousCheckpoint,
  RADIAL_CONTRADICT,
} from './checkpoint-analysis.js';

// Fixtures: packages/formats/src/fixtures/torch/make_torch_fixtures.py (Debian python3-torch
// 1.13): a BN convnet trained on Fashion-MNIST, checkpoints at steps 30, 59, 60, and what
// PyTorch measured in float64 (expected.json).
const ROOT = fileURLToPath(new URL('../../../formats/src/fixtures/torch/runs/', import.meta.url));
interface Measured {
  norm: number;
  delta: number;
  angle_prev?: number;
}
interface Saved {
  step: number;
  file: string;
  params: Record<string, Measured>;
}
const EXPECTED = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Record<
  string,
  Saved[]
> & { scale_invariant: Record<string, boolean> };

function analyzeRun(kind: string, prefer?: 'adam' | 'adamw'): CheckpointAnalysis[] {
  let prev: PreviousCheckpoint | null = null;
  return EXPECTED[kind].map((e) => {
    const p = join(ROOT, kind, e.file);
    const files = new Map<string, Uint8Array>();
    const names = statSync(p).isDirectory() ? readdirSync(p) : [e.file];
    for (const n of names) {
      files.set(n, new Uint8Array(readFileSync(statSync(p).isDirectory() ? join(p, n) : p)));
    }
    const ckpt = readTrainingCheckpoint(files, e.file);
    const step = checkpointStep(ckpt);
    assert.equal(step, e.step, `${kind} ${e.file}: step`);
    const { analysis, weights } = analyzeCheckpoint(ckpt, step!, prev, prefer);
    prev = { step: step!, weights };
    return analysis;
  });
}

/** Strip Lightning's attribute prefix to compare with the plain module names. */
const plain = (name: string): string => name.replace(/^model\./, '');

/** float32 weights: w_t is known to its rounding, 2^-24 relative, so Δ to ~2^-24 absolute. */
const F32 = 2 ** -24;

for (const [kind, prefer] of [
  ['sgdm', undefined],
  ['adam', 'adam'],
  ['adamw', undefined],
] as const) {
  test(`${kind}: the exact last-step Δ_t equals PyTorch's to 1e-5; norms and angles to 1e-6`, () => {
    const runs = analyzeRun(kind, prefer);
    for (const [i, a] of runs.entries()) {
      const want = EXPECTED[kind][i];
      assert.equal(a.tensors.length, 8);
      for (const t of a.tensors) {
        const m = want.params[plain(t.name)];
        assert.ok(m, `${t.name} expected`);
        const where = `${kind} step ${a.step} ${t.name}`;
        assert.ok(
          Math.abs(t.norm - m.norm) <= 1e-6 * m.norm,
          `${where}: norm ${t.norm} vs ${m.norm}`,
        );
        // scale-invariant (conv) tensors: 1e-5 relative, as the issue asks; every tensor within
        // the float32 resolution of its weights (BN γ has tiny Δ on 4 elements)
        const tol = t.scaleInvariant ? 1e-5 * m.delta : 1e-5 * m.delta + F32;
        assert.ok(Math.abs(t.deltaRad - m.delta) <= tol, `${where}: Δ ${t.deltaRad} vs ${m.delta}`);
        assert.match(t.deltaHow, /^exact: w_t/);
        if (m.angle_prev === undefined) assert.ok(Number.isNaN(t.angleToPrev));
        else {
          const d = Math.abs(t.angleToPrev - m.angle_prev);
          assert.ok(
            d <= 1e-6 * m.angle_prev,
            `${where}: angle ${t.angleToPrev} vs ${m.angle_prev}`,
          );
        }
      }
    }
  });
}

for (const kind of ['sgd', 'nesterov']) {
  test(`${kind}: no saved update, so Δ_t is exact only from the checkpoint one step earlier`, () => {
    const [c30, c59, c60] = analyzeRun(kind);
    for (const t of c30.tensors) {
      assert.ok(Number.isNaN(t.deltaRad), t.name);
      assert.match(t.deltaHow, kind === 'sgd' ? /SGD without momentum/ : /Nesterov/);
    }
    assert.ok(c59.tensors.every((t) => Number.isNaN(t.deltaRad)));
    for (const t of c60.tensors) {
      const m = EXPECTED[kind][2].params[t.name];
      assert.equal(t.deltaHow, 'exact: the previous checkpoint is one step earlier');
      assert.ok(Math.abs(t.deltaRad - m.delta) <= 1e-6 * m.delta + F32, `${t.name}`);
    }
  });
}

test('scale invariance from names and shapes, confirmed by the SGDM radial test', () => {
  const [, , last] = analyzeRun('sgdm');
  for (const t of last.tensors) {
    assert.equal(t.scaleInvariant, EXPECTED.scale_invariant[t.name], t.name);
  }
  const conv1 = last.tensors.find((t) => t.name === 'conv1.weight')!;
  assert.match(
    conv1.reason,
    /^conv weight \[4,1,3,3\] feeds BatchNorm 'bn1' .*radial test confirms/,
  );
  assert.ok(Math.abs(conv1.radialCos) < 0.05);
  // the non-invariant tensors read clearly larger radial cosines on this run
  const others = last.tensors.filter((t) => !t.scaleInvariant).map((t) => Math.abs(t.radialCos));
  assert.ok(Math.min(...others) > 2 * Math.abs(conv1.radialCos), others.join(', '));
  // predictions only for the invariant tensors, with the lr after the StepLR drop
  assert.equal(last.optimizer?.name, 'sgdm');
  assert.ok(Math.abs(last.optimizer!.lr - 0.01) < 1e-12);
  assert.ok(Math.abs(conv1.deltaStar - Math.acos(1 - (0.01 * 5e-4) / 1.9)) < 1e-12);
  assert.ok(last.tensors.filter((t) => !t.scaleInvariant).every((t) => Number.isNaN(t.deltaStar)));
});

test('the Adam/AdamW radial test (of m_t, L2 term removed) keeps BN-fed convs and flags the rest', () => {
  for (const [kind, prefer] of [
    ['adam', 'adam'],
    ['adamw', 'adamw'],
  ] as const) {
    for (const ck of analyzeRun(kind, prefer)) {
      for (const t of ck.tensors) {
        const name = t.name.replace(/^model\./, '');
        const rc = Math.abs(t.radialCos);
        assert.ok(Number.isFinite(rc), `${kind} ${ck.label} ${name}`);
        if (EXPECTED.scale_invariant[name]) {
          // measured 0.03–0.12: only the drift of w over the EMA's memory
          assert.ok(rc < RADIAL_CONTRADICT, `${kind} ${ck.label} ${name}: ${rc}`);
          assert.equal(t.scaleInvariant, true, `${kind} ${ck.label} ${name}`);
          assert.match(t.reason, /radial test (confirms|inconclusive)/);
        } else if (/^(fc\.|bn\d\.bias)/.test(name)) {
          // the classifier and BN shifts: 0.27–0.93 on these checkpoints
          assert.ok(rc > RADIAL_CONTRADICT, `${kind} ${ck.label} ${name}: ${rc}`);
        }
      }
    }
  }
});
