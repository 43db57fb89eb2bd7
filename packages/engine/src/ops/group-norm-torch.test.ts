// PyTorch golden fixtures of the fused group norm (fixtures/torch/group-norm.json) on the TS
// backend: float64 and float32, inputs contiguous, channels-last and blocked (C % 16 = 0).
// The native backend runs the same cases in packages/native/src/group-norm.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Layout } from '../tensor.js';
import { groupNormFixtureErrors, type GroupNormFixture } from '@smd/test-support/engine';

const file = new URL('../../fixtures/torch/group-norm.json', import.meta.url);
const fixtures = JSON.parse(readFileSync(file, 'utf8')) as {
  torch: string;
  cases: GroupNormFixture[];
};
// torch computed in float32: its own rounding (~1e-6 relative, more in gradients summed over a
// group) bounds the agreement in either of our dtypes.
const TOL = 1e-4;

test('group-norm fixtures: made by torch 1.x, cover LN, groups straddling blocks, C % 16 != 0', () => {
  assert.match(fixtures.torch, /^1\./);
  const groups = fixtures.cases.map((c) => [c.x.shape[1], c.groups]);
  assert.ok(groups.some(([, g]) => g === 1));
  assert.ok(groups.some(([c, g]) => c % 16 === 0 && 16 % (c / g) !== 0));
  assert.ok(groups.some(([c]) => c % 16 !== 0));
});

for (const dtype of ['float64', 'float32'] as const) {
  for (const c of fixtures.cases) {
    const layouts: Layout[] = ['contiguous', 'channelsLast'];
    if (c.x.shape[1] % 16 === 0) layouts.push('channelsBlocked16');
    for (const layout of layouts) {
      test(`torch group norm ${c.name} (${dtype}, ${layout})`, () => {
        const err = groupNormFixtureErrors(c, dtype, layout);
        for (const [what, e] of Object.entries(err)) assert.ok(e <= TOL, `${what}: ${e}`);
        assert.ok('grad x' in err && 'grad weight' in err && 'grad bias' in err);
      });
    }
  }
}
