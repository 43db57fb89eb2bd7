import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSyntheticImageDataset, setBackend, tsBackend, getBackend } from '@smd/engine';
import { nativeBackend, nativeStatus } from '@smd/native';
import { meanLast, trainLoop } from './train-loop.js';

// The README's training loop, unchanged, on both backends: it must learn, and the two backends
// must follow the same trajectory (same init, same batches) up to float32 rounding.
const data = makeSyntheticImageDataset({ length: 256, seed: 1 });
const STEPS = 12;

test('README training loop trains on the TS backend and matches the native backend', (t) => {
  const previous = getBackend();
  try {
    setBackend(tsBackend);
    const ts = trainLoop(data, STEPS, 16);
    assert.ok(ts[0] > 1.8 && ts[0] < 3.0, `first loss ${ts[0]} should be near ln 10`);
    assert.ok(meanLast(ts, 3) < 0.8 * ts[0], `loss should fall: ${ts[0]} → ${meanLast(ts, 3)}`);
    const native = nativeBackend();
    if (!native) {
      t.diagnostic(`native backend not loaded: ${nativeStatus().reason}`);
      return;
    }
    setBackend(native);
    const nat = trainLoop(data, STEPS, 16);
    for (let i = 0; i < 4; i++) {
      assert.ok(
        Math.abs(nat[i] - ts[i]) < 1e-3 * Math.max(1, ts[i]),
        `step ${i}: native ${nat[i]} vs ts ${ts[i]}`,
      );
    }
  } finally {
    setBackend(previous);
  }
});
