import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('Rng: same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  const xb = Array.from({ length: 5 }, () => b.nextUint32());
  const xc = Array.from({ length: 5 }, () => c.nextUint32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('Rng: uniform and normal moments', () => {
  const r = new Rng(1);
  const n = 200000;
  let s = 0;
  let s2 = 0;
  let u = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    u += r.random();
  }
  assert.ok(Math.abs(s / n) < 0.01, `normal mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.01, `normal variance ${s2 / n}`);
  assert.ok(Math.abs(u / n - 0.5) < 0.005, `uniform mean ${u / n}`);
});

test('Rng: state round-trip resumes the exact stream', () => {
  const r = new Rng(7);
  r.normal();
  const st = r.getState();
  const want = [r.normal(), r.random(), r.int(1000)];
  const r2 = new Rng(0);
  r2.setState(st);
  assert.deepEqual([r2.normal(), r2.random(), r2.int(1000)], want);
});

test('Rng: permutation is a permutation', () => {
  const p = Array.from(new Rng(3).permutation(100)).sort((x, y) => x - y);
  assert.deepEqual(
    p,
    Array.from({ length: 100 }, (_, i) => i),
  );
});
