// Conformance: native group norm (fused residual add and ReLU) vs the TS reference kernels on
// random shapes: NHWC and nChw16c, group sizes that do not divide the 16-channel block, one
// group (layer norm) and one channel per group, batch from 1. Tolerances are the conformance
// suite's (forward 1e-5, backward 1e-4 scaled max error; float32 normalize and a·g + b·x + d
// form vs TS float64, statistics in float64 on both sides).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withBackend, type Layout } from '@smd/engine';
import { checkConformance, groupNormCasesOf, type GroupNormShape } from '@smd/engine/conformance';
import {
  groupNormFixtureErrors,
  randomGroupNormShapes,
  type GroupNormFixture,
} from '@smd/test-support/engine';
import { nativeBackend, nativeKernels, nativeStatus } from './index.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

test('native groupNormForward/Backward match the TS kernels on random shapes', { skip }, () => {
  const shapes = randomGroupNormShapes(36);
  assert.ok(
    shapes.some((s) => s.order === 'nChw16c' && 16 % (s.c / s.groups) !== 0),
    'some blocked shape has groups that straddle the 16-channel blocks',
  );
  const res = checkConformance(nativeKernels, 5, shapes.flatMap(groupNormCasesOf));
  assert.equal(res.length, 72);
  const bad = res.filter((r) => !r.ok);
  assert.deepEqual(
    bad.map((r) => `${r.kernel} ${r.label}: ${r.error ?? r.maxErr}`),
    [],
  );
});

test('native group norm: a large blocked batch (threads split images) matches TS', { skip }, () => {
  const shapes: GroupNormShape[] = [
    { n: 64, c: 32, hw: 196, groups: 32, order: 'nChw16c', act: true },
    { n: 32, c: 64, hw: 49, groups: 1, order: 'nChw16c', act: true },
    { n: 16, c: 24, hw: 100, groups: 8, order: 'nhwc', act: true },
  ];
  const res = checkConformance(nativeKernels, 9, shapes.flatMap(groupNormCasesOf));
  for (const r of res) assert.ok(r.ok, `${r.kernel} ${r.label}: ${r.error ?? r.maxErr}`);
});

test('native group norm matches the PyTorch golden fixtures in every layout', { skip }, () => {
  const file = new URL('../../engine/fixtures/torch/group-norm.json', import.meta.url);
  const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: GroupNormFixture[] };
  withBackend(nativeBackend()!, () => {
    for (const c of cases) {
      const layouts: Layout[] = ['contiguous', 'channelsLast'];
      if (c.x.shape[1] % 16 === 0) layouts.push('channelsBlocked16');
      for (const layout of layouts) {
        const err = groupNormFixtureErrors(c, 'float32', layout);
        for (const [what, e] of Object.entries(err))
          assert.ok(e <= 1e-4, `${c.name} ${layout} ${what}: ${e}`);
      }
    }
  });
});
