// The native contract at run time (issue #17): the loaded addon was built from the same kernel
// spec as addon-calls.ts (its hash), exports every function of the spec, checks the argument count
// and names a wrong argument by its spec name; and a float64 buffer runs the TS kernel (the one
// fallback wrapper) with the same result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '@smd/engine';
import { CONTRACT_HASH, type NativeAddon } from './addon-calls.js';
import { loadAddon } from './addon.js';
import { nativeKernels } from './index.js';

const addon = loadAddon().addon;
const skip = addon ? false : 'native addon not loaded';

test('the addon was built from this kernel spec and exports all of it', { skip }, () => {
  const a = addon!;
  assert.equal(a.contractHash, CONTRACT_HASH);
  for (const fn of ['batchNormForwardTrain', 'batchNormBackward', 'groupNormForward', 'convImpl'])
    assert.equal(typeof (a as unknown as Record<string, unknown>)[fn], 'function', fn);
  // the plain and fused batch-norm kernels share one C++ function
  const names = Object.keys(a).filter(
    (k) => typeof (a as unknown as Record<string, unknown>)[k] === 'function',
  );
  assert.ok(!names.includes('batchNormForwardTrainAct'), names.join(', '));
});

test(
  'a call with the wrong arity or a wrong buffer fails with the spec name of the argument',
  { skip },
  () => {
    const raw = addon! as unknown as Record<string, (...args: unknown[]) => void>;
    assert.throws(
      () => raw.unary(5, new Float32Array(4), new Float32Array(4)),
      /smd-native: unary takes 4 arguments, got 3/,
    );
    const n = 4;
    assert.throws(
      () =>
        (addon as NativeAddon).sgdStep(
          new Float32Array(n),
          null,
          new Float64Array(n) as unknown as Float32Array,
          n,
          0.1,
          0,
          0,
          0,
          0,
          1,
        ),
      /argument 'grad' must be a Float32Array/,
    );
  },
);

test('float64 buffers run the TS kernel through the same entry point', () => {
  const p = () => ({
    param: Float64Array.from([1, 2, 3]),
    momentumBuf: Float64Array.from([0.5, 0.5, 0.5]),
    grad: Float64Array.from([0.1, -0.2, 0.3]),
    n: 3,
    lr: 0.1,
    momentum: 0.9,
    dampening: 0,
    weightDecay: 1e-4,
    nesterov: true,
    firstStep: false,
  });
  const a = p();
  const b = p();
  nativeKernels.sgdStep(a);
  tsKernels.sgdStep(b);
  assert.deepEqual([...a.param], [...b.param]);
  assert.ok(a.param[0] !== 1, 'the step moved the parameter');
});
