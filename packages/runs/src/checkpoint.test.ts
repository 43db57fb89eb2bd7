import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointPath,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { createRun } from './run.js';
import { runOptions, tempRoot } from '@smd/test-support/runs';

function tensorsAt(
  step: number,
): Record<string, { data: Float32Array | Float64Array; shape: number[] }> {
  return {
    'layer1.conv.weight': {
      data: Float32Array.from({ length: 24 }, (_, i) => i * 0.5 + step),
      shape: [2, 3, 2, 2],
    },
    'bn.running_var': { data: Float64Array.from([1 / 3, Math.PI, step]), shape: [3] },
  };
}

test('save/load round-trips tensors bit-exactly and state as JSON; keeps the last K', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  for (const step of [10, 20, 30, 40]) {
    run.metrics.logScalar(step, 'loss', step);
    run.metrics.endStep(step);
    saveCheckpoint(
      run,
      step,
      { tensors: tensorsAt(step), state: { rng: [1, 2, 3], optimizer: { lr: 0.1 }, step } },
      { keep: 2 },
    );
  }
  assert.deepEqual(readdirSync(run.checkpointDir).sort(), [
    'step-30.safetensors',
    'step-40.safetensors',
  ]);
  const ck = latestCheckpoint(run)!;
  assert.equal(ck.step, 40);
  assert.deepEqual(ck.state, { rng: [1, 2, 3], optimizer: { lr: 0.1 }, step: 40 });
  const w = ck.tensors.get('layer1.conv.weight')!;
  assert.ok(w.data instanceof Float32Array);
  assert.deepEqual(w.shape, [2, 3, 2, 2]);
  assert.deepEqual(
    Array.from(w.data as Float32Array),
    Array.from(tensorsAt(40)['layer1.conv.weight'].data),
  );
  const v = ck.tensors.get('bn.running_var')!;
  assert.ok(v.data instanceof Float64Array);
  assert.equal((v.data as Float64Array)[0], 1 / 3);
  // Every checkpoint logged an event at its step, committed before the file appeared.
  assert.deepEqual(
    run.metrics.events().map((e) => `${e.step}:${e.kind}:${e.message}`),
    [
      '10:checkpoint:step-10.safetensors',
      '20:checkpoint:step-20.safetensors',
      '30:checkpoint:step-30.safetensors',
      '40:checkpoint:step-40.safetensors',
    ],
  );
  run.close();
  t.done();
});

test('latestCheckpoint skips truncated, bit-flipped and mislabelled files; temp files are ignored', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  for (const step of [1, 2, 3])
    saveCheckpoint(run, step, { tensors: tensorsAt(step), state: { step } });
  const p3 = checkpointPath(run, 3);
  const p2 = checkpointPath(run, 2);
  const good3 = readFileSync(p3);
  // A fully written temp file that was never renamed is not a checkpoint.
  writeFileSync(join(run.checkpointDir, 'step-9.safetensors.tmp-12345'), good3);
  assert.equal(latestCheckpoint(run)!.step, 3);
  // Truncated (a partial write): header claims more data than the file has.
  truncateSync(p3, good3.length - 5);
  assert.equal(latestCheckpoint(run)!.step, 2);
  // A flipped bit in the tensor data: the header parses, the checksum does not match.
  const b2 = readFileSync(p2);
  b2[b2.length - 1] ^= 0x01;
  writeFileSync(p2, b2);
  assert.equal(latestCheckpoint(run)!.step, 1);
  assert.throws(
    () => loadCheckpoint(p2),
    /checkpoint .*step-2\.safetensors: checksum mismatch \(corrupt file\)/,
  );
  assert.throws(() => loadCheckpoint(p3), /safetensors .*step-3\.safetensors/);
  // A valid file under the wrong name is rejected too.
  writeFileSync(
    join(run.checkpointDir, 'step-7.safetensors'),
    readFileSync(checkpointPath(run, 1)),
  );
  assert.equal(latestCheckpoint(run)!.step, 1);
  const list = listCheckpoints(run);
  assert.deepEqual(
    list.map((c) => c.step),
    [7, 3, 2, 1],
  );
  assert.match(list[0].error!, /file name says step 7, metadata says 1/);
  assert.equal(list[3].error, null);
  // Garbage: no usable checkpoint at all.
  writeFileSync(checkpointPath(run, 1), 'not a checkpoint');
  assert.equal(latestCheckpoint(run), null);
  run.close();
  t.done();
});

test('saveCheckpoint rejects bad input with one-line errors', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  assert.throws(
    () => saveCheckpoint(run, -1, { tensors: {}, state: {} }),
    /step must be a non-negative integer, got -1/,
  );
  assert.throws(
    () => saveCheckpoint(run, 1, { tensors: {}, state: { lr: Infinity } }),
    /state\.lr is not JSON data/,
  );
  assert.throws(
    () => saveCheckpoint(run, 1, { tensors: {}, state: {} }, { keep: 0 }),
    /keep must be a positive integer/,
  );
  assert.throws(
    () =>
      saveCheckpoint(run, 1, {
        tensors: { w: { data: new Float32Array(3), shape: [2, 2] } },
        state: {},
      }),
    /tensor "w": shape \[2, 2\] holds 4 elements, data has 3/,
  );
  assert.deepEqual(readdirSync(run.checkpointDir), []);
  run.close();
  t.done();
});
