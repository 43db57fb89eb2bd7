import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defineBackend,
  getBackend,
  kernelsFor,
  setBackend,
  tsBackend,
  withBackend,
} from './backend.js';
import { tsKernels } from './backends/ts/index.js';
import type { BinaryParams } from './kernels.js';
import { add } from './ops/index.js';
import { Tensor } from './tensor.js';

test('defineBackend: own kernels plus listed fallbacks; float64 always runs on TS', () => {
  let calls = 0;
  const { binary: _b, ...rest } = tsKernels;
  const counting = defineBackend(
    'counting',
    {
      binary(p: BinaryParams) {
        calls++;
        tsKernels.binary(p);
      },
    },
    Object.keys(rest) as (keyof typeof rest)[],
  );
  assert.equal(counting.name, 'counting');
  assert.equal(counting.fallbacks.length, Object.keys(tsKernels).length - 1);
  const y = withBackend(counting, () => add(Tensor.from([1, 2], [2]), Tensor.from([3, 4], [2])));
  assert.deepEqual(Array.from(y.data), [4, 6]);
  assert.equal(calls, 1);
  withBackend(counting, () => {
    add(Tensor.from([1], [1], { dtype: 'float64' }), Tensor.from([1], [1], { dtype: 'float64' }));
    assert.equal(kernelsFor(new Float64Array(1)), tsKernels);
  });
  assert.equal(calls, 1);
  assert.equal(getBackend(), tsBackend);
});

test('defineBackend: a kernel neither implemented nor listed is a runtime error too', () => {
  assert.throws(
    () => defineBackend('broken', {} as never, ['binary']),
    /kernel 'unary' is neither implemented nor a fallback/,
  );
  const prev = setBackend(tsBackend);
  assert.equal(prev, tsBackend);
});
