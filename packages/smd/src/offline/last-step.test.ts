import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastStep, type AdamState } from './last-step.js';

// w_t = (3, 4, 0): tangent direction (−4, 3, 0), radial (3, 4, 0).
const wt = [3, 4, 0];
const adam = (kind: 'adam' | 'adamw', m: number[], weightDecay: number): AdamState => ({
  kind,
  lr: 1e-2,
  weightDecay,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  step: 100,
  expAvg: Float64Array.from(m),
  expAvgSq: Float64Array.from([1, 1, 1]),
});
/** The checkpoint's w_{t+1} after the Adam(W) step from w_t with state s (torch's update). */
function stepped(s: AdamState): Float64Array {
  const bc1 = 1 - s.beta1 ** s.step;
  const bc2 = Math.sqrt(1 - s.beta2 ** s.step);
  const decay = s.kind === 'adamw' ? 1 - s.lr * s.weightDecay : 1;
  return Float64Array.from(
    wt,
    (x, i) => decay * x - ((s.lr / bc1) * s.expAvg[i]) / (Math.sqrt(s.expAvgSq[i]) / bc2 + s.eps),
  );
}

test('Adam radial test: m ⊥ w_t reads 0, m ∥ w_t reads ±1, the coupled L2 term is removed', () => {
  const tangent = adam('adamw', [-4, 3, 0], 0.05);
  assert.ok(Math.abs(lastStep(stepped(tangent), tangent).radialCos) < 1e-12);
  const radial = adam('adamw', [3, 4, 0], 0.05);
  assert.ok(Math.abs(lastStep(stepped(radial), radial).radialCos - 1) < 1e-12);
  // Adam with L2: m = g + λ·w_t with g tangent ⇒ once λ·w is taken out the cosine is 0 again …
  const lam = 0.5;
  const coupled = adam('adam', [-4 + lam * 3, 3 + lam * 4, 0], lam);
  const w1 = stepped(coupled);
  assert.ok(Math.abs(lastStep(w1, coupled).radialCos) < 1e-12);
  // … while read as AdamW (decoupled: nothing to take out) the same m looks radial
  assert.ok(lastStep(w1, { ...coupled, kind: 'adamw' }).radialCos > 0.3);
});
