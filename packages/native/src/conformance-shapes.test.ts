// The native kernels against the TS reference on the engine's random- and edge-shape
// conformance cases (shapeCases: conv groups/dilation/bias/odd sizes, batch norm on offset data,
// matmul transposes, broadcast strides, pool ties, label smoothing, optimizer variants), and the
// native checks no conformance case expresses: one-line errors, non-cancelling statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels, type Conv2dGeometry } from '@smd/engine';
import { checkConformance } from '@smd/engine/conformance';
import { shapeCases } from '@smd/test-support/engine';
import { nativeKernels, nativeStatus } from './index.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

test('native kernels match TS on the random- and edge-shape cases', { skip }, () => {
  const res = checkConformance(nativeKernels, 3, shapeCases());
  assert.ok(res.length > 150, `${res.length} cases`);
  const bad = res.filter((r) => !r.ok).map((r) => `${r.kernel} ${r.label}: ${r.error ?? r.maxErr}`);
  assert.deepEqual(bad, []);
});

test('batch norm statistics of offset data: the variance to 1e-4 relative', { skip }, () => {
  const [m, c] = [40000, 5];
  const x = Float32Array.from(
    { length: m * c },
    (_, i) => 3 + 0.05 * Math.sin(i * 7.1) + (i % c) * 0.1,
  );
  const run = (k: typeof tsKernels) => {
    const o = {
      y: new Float32Array(m * c),
      mean: new Float32Array(c),
      varBiased: new Float32Array(c),
      invStd: new Float32Array(c),
    };
    k.batchNormForwardTrain({ ...o, x, gamma: null, beta: null, m, c, eps: 1e-5 });
    return o;
  };
  const [r, q] = [run(tsKernels), run(nativeKernels)];
  for (let k = 0; k < c; k++) {
    assert.ok(
      Math.abs(q.varBiased[k] / r.varBiased[k] - 1) < 1e-4,
      `var ${k}: ${q.varBiased[k]} vs ${r.varBiased[k]}`,
    );
    assert.ok(Math.abs(q.mean[k] - r.mean[k]) < 1e-6, `mean ${k}`);
  }
});

test('conv2d rejects an inconsistent output size with a one-line error', { skip }, () => {
  // 5×5, 3×3 kernel, pad 1: the output is 5×5, not 4×5
  const g: Conv2dGeometry = {
    ...{ n: 1, cIn: 2, h: 5, w: 5, cOut: 2, kH: 3, kW: 3, outH: 4, outW: 5 },
    ...{ strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 },
  };
  assert.throws(
    () =>
      nativeKernels.conv2dForward({
        y: new Float32Array(40),
        x: new Float32Array(50),
        weight: new Float32Array(36),
        bias: null,
        geom: g,
      }),
    /OH\/OW do not match/,
  );
});

test('cross entropy names a label out of range', { skip }, () => {
  assert.throws(
    () =>
      nativeKernels.crossEntropyForward({
        losses: new Float32Array(2),
        logProb: new Float32Array(20),
        logits: new Float32Array(20),
        labels: new Int32Array([0, 10]),
        rows: 2,
        cols: 10,
        labelSmoothing: 0,
      }),
    /label 10 at row 1/,
  );
});
