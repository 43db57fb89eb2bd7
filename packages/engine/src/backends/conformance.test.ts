import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConformance } from './conformance.js';
import { shapeCases } from '@smd/test-support/engine';
import { tsKernels } from './ts/index.js';
import type { Kernels, KernelName } from '../kernels.js';

test('conformance: every kernel has cases and the TS backend matches itself exactly', () => {
  const res = checkConformance(tsKernels);
  const covered = new Set(res.map((r) => r.kernel));
  const missing = (Object.keys(tsKernels) as KernelName[]).filter((k) => !covered.has(k));
  assert.deepEqual(missing, []);
  for (const r of res) assert.equal(r.maxErr, 0, `${r.kernel} ${r.label}`);
  assert.ok(res.length > 60, `${res.length} cases`);
});

test('conformance: a wrong or throwing kernel is reported', () => {
  const broken: Kernels = {
    ...tsKernels,
    // forgets the bias
    conv2dForward: (p) => tsKernels.conv2dForward({ ...p, bias: null }),
    // forgets to write the ReLU bit mask
    batchNormActForwardTrain: (p) => tsKernels.batchNormActForwardTrain({ ...p, reluMask: null }),
    adamStep: () => {
      throw new Error('not implemented');
    },
  };
  const res = checkConformance(broken);
  const bad = res.filter((r) => !r.ok);
  assert.deepEqual([...new Set(bad.map((r) => r.kernel))].sort(), [
    'adamStep',
    'batchNormActForwardTrain',
    'conv2dForward',
  ]);
  // only the blocked case has a mask to forget
  assert.deepEqual(
    bad.filter((r) => r.kernel === 'batchNormActForwardTrain').map((r) => r.label),
    ['M=147 C=32 nChw16c hw=49 +res relu'],
  );
  assert.match(bad.find((r) => r.kernel === 'adamStep')!.error!, /not implemented/);
  assert.ok(bad.find((r) => r.kernel === 'conv2dForward')!.maxErr > 0.01);
});

test('conformance: the random- and edge-shape cases cover every kernel but group norm and max-pool backward; TS matches itself', () => {
  const res = checkConformance(tsKernels, 3, shapeCases());
  for (const r of res) assert.equal(r.maxErr, 0, `${r.kernel} ${r.label}`);
  const covered = new Set(res.map((r) => r.kernel));
  // group norm has its own random shapes (randomGroupNormShapes); maxPool2dBackward its
  // layer cases
  const missing = (Object.keys(tsKernels) as KernelName[]).filter((k) => !covered.has(k));
  assert.deepEqual(missing.sort(), ['groupNormBackward', 'groupNormForward', 'maxPool2dBackward']);
  // shapes are a function of the seed
  assert.deepEqual(
    shapeCases(7).map((c) => c.label),
    shapeCases().map((c) => c.label),
  );
  assert.notDeepEqual(
    shapeCases(8).map((c) => c.label),
    shapeCases(7).map((c) => c.label),
  );
});
