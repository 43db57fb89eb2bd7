import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { writeExample, drawAugment, type AugmentDraw } from './augment.js';

// A 1×3×3 image with values 1..9 (row-major), identity affine map.
const SRC = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const ONE = new Float64Array([1]);
const ZERO = new Float64Array([0]);

function run(dy: number, dx: number, flip: boolean, bias = ZERO): number[] {
  const dst = new Float32Array(11).fill(-99);
  writeExample(dst, 1, SRC, 0, 1, 3, 3, ONE, bias, dy, dx, flip);
  assert.equal(dst[0], -99, 'no write before the offset');
  assert.equal(dst[10], -99, 'no write after the image');
  return [...dst.subarray(1, 10)];
}

test('writeExample: identity, flip, shifts with zero padding, and both', () => {
  assert.deepEqual(run(0, 0, false), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(run(0, 0, true), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  // dy = 1: out row y reads source row y+1 (crop top-left one row down in the padded image).
  assert.deepEqual(run(1, 0, false), [4, 5, 6, 7, 8, 9, 0, 0, 0]);
  assert.deepEqual(run(0, -1, false), [0, 1, 2, 0, 4, 5, 0, 7, 8]);
  assert.deepEqual(run(-2, 2, false), [0, 0, 0, 0, 0, 0, 3, 0, 0]);
  // Crop then flip (torchvision order): cropped = shift(dx=1) = [2,3,0 / 5,6,0 / 8,9,0], mirrored.
  assert.deepEqual(run(0, 1, true), [0, 3, 2, 0, 6, 5, 0, 9, 8]);
  // Padding takes the normalized value of a zero pixel (bias), not 0.
  assert.deepEqual(
    run(0, -1, false, new Float64Array([-0.5])),
    [-0.5, 0.5, 1.5, -0.5, 3.5, 4.5, -0.5, 6.5, 7.5],
  );
});

test('drawAugment draws shifts in [−p, p] and flips about half the time, deterministically', () => {
  const draw = (seed: number): AugmentDraw[] => {
    const rng = new Rng(seed);
    return Array.from({ length: 4000 }, () => ({
      ...drawAugment(rng, { cropPadding: 2, horizontalFlip: true }, { dy: 0, dx: 0, flip: false }),
    }));
  };
  const a = draw(5);
  assert.deepEqual(a, draw(5));
  assert.notDeepEqual(a, draw(6));
  const dys = new Set(a.map((d) => d.dy));
  assert.deepEqual(
    [...dys].sort((x, y) => x - y),
    [-2, -1, 0, 1, 2],
  );
  assert.ok(a.every((d) => d.dx >= -2 && d.dx <= 2));
  const flips = a.filter((d) => d.flip).length;
  assert.ok(flips > 1800 && flips < 2200, `flips ${flips}`);
  const none = drawAugment(new Rng(1), {}, { dy: 7, dx: 7, flip: true });
  assert.deepEqual(none, { dy: 0, dx: 0, flip: false });
});
