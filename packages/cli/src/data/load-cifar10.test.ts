import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR10_IMAGE_BYTES, writeCifar10 } from '@smd/formats';
import { MetricStore, readManifest } from '@smd/runs';
import { tempDir, train } from '@smd/test-support/cli';
import { DatasetError } from './load-idx-dataset.js';
import { cifar10Folder, loadCifar10Dataset } from './load-cifar10.js';

/**
 * Writes a small CIFAR-10 set in the binary format: `perFile` records in each of `files`
 * data_batch_<n>.bin and in test_batch.bin. Class c images are bright in channel c % 3 (so a
 * net can learn them), with a pixel value that also encodes file and record for the checks.
 */
function writeSet(dir: string, files: number[], perFile: number): void {
  mkdirSync(dir, { recursive: true });
  const make = (tag: number): Uint8Array => {
    const labels = Array.from({ length: perFile }, (_, i) => (i * 3 + tag) % 10);
    const images = new Uint8Array(perFile * CIFAR10_IMAGE_BYTES);
    for (let i = 0; i < perFile; i++) {
      const o = i * CIFAR10_IMAGE_BYTES;
      for (let p = 0; p < CIFAR10_IMAGE_BYTES; p++) images[o + p] = (p * 13 + i) % 64;
      const hot = labels[i] % 3;
      for (let p = 0; p < 1024; p++) images[o + hot * 1024 + p] += 150 + (labels[i] > 5 ? 40 : 0);
      images[o] = tag; // first red pixel names the file
    }
    return writeCifar10({ images, labels });
  };
  for (const n of files) writeFileSync(join(dir, `data_batch_${n}.bin`), make(n));
  writeFileSync(join(dir, 'test_batch.bin'), make(0));
}

test('loads every data_batch_<n>.bin in n order and test_batch.bin as [N, 3, 32, 32]', () => {
  const root = tempDir('smd-cifar-');
  try {
    // the tarball's layout: <root>/cifar-10-batches-bin/, batches 1, 2 and 10 (numeric order)
    const dir = join(root, 'cifar-10-batches-bin');
    writeSet(dir, [10, 2, 1], 5);
    assert.equal(cifar10Folder(root), dir);
    const train = loadCifar10Dataset(root, 'train');
    assert.deepEqual([train.length, train.channels, train.height, train.width], [15, 3, 32, 32]);
    assert.deepEqual(
      [0, 5, 10].map((i) => train.images[i * CIFAR10_IMAGE_BYTES]),
      [1, 2, 10],
    );
    assert.deepEqual([...train.labels.subarray(0, 5)], [1, 4, 7, 0, 3]);
    assert.equal(train.classNames![train.labels[0]], 'automobile');
    const test = loadCifar10Dataset(dir, 'test');
    assert.equal(test.length, 5);
    assert.deepEqual([...test.labels], [0, 3, 6, 9, 2]);
    // record 1 has label 3 (bright channel 0), so its blue pixel 7 is the plain pattern value
    assert.equal(test.images[CIFAR10_IMAGE_BYTES + 2 * 1024 + 7], ((2 * 1024 + 7) * 13 + 1) % 64);
    assert.equal(cifar10Folder(join(root, 'nothing-here')), null);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('corrupt or missing CIFAR-10 files: one-line DatasetError naming the file', () => {
  const dir = tempDir('smd-cifar-');
  try {
    writeSet(dir, [1, 2], 3);
    const f2 = join(dir, 'data_batch_2.bin');
    writeFileSync(f2, new Uint8Array(3073 * 2 + 17));
    assert.throws(() => loadCifar10Dataset(dir, 'train'), {
      name: 'DatasetError',
      message: `CIFAR-10 ${f2}: 6163 bytes is not a whole number of 3073-byte records (2 records and 17 bytes left over: truncated or not CIFAR-10)`,
    });
    const bad = new Uint8Array(3073);
    bad[0] = 200;
    writeFileSync(f2, bad);
    assert.throws(() => loadCifar10Dataset(dir, 'train'), {
      message: `CIFAR-10 ${f2}: record 0 (byte offset 0) has label 200, expected 0..9`,
    });
    rmSync(join(dir, 'test_batch.bin'));
    assert.throws(
      () => loadCifar10Dataset(dir, 'test'),
      (e: unknown) =>
        e instanceof DatasetError && e.exitCode === 1 && /has no test_batch\.bin/.test(e.message),
    );
    const empty = tempDir('smd-cifar-');
    assert.throws(() => loadCifar10Dataset(empty, 'train'), /holds no CIFAR-10 binary files/);
    rmSync(empty, { recursive: true });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('smd train --data DIR trains the ResNet on 3×32×32 CIFAR-10 files (native or TS)', async () => {
  const cwd = tempDir('smd-cifar-train-');
  try {
    writeSet(join(cwd, 'cifar'), [1, 2], 64);
    const args = ['--data', 'cifar', '--batch-size', '32', '--steps', '8', '--window', '4'];
    const r = await train([...args, '--widths', '4,8,8', '--checkpoint-every', '8'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const [id] = readdirSync(join(cwd, 'runs'));
    const dir = join(cwd, 'runs', id);
    const m = readManifest(dir);
    assert.match(String(m.config.dataset), /^cifar-10 \(.*cifar\)$/);
    assert.equal(m.config.stepsPerEpoch, 4);
    const store = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
    try {
      // the stem conv sees 3 input channels: 4 × 3 × 3 × 3 weights
      const conv1 = store.params().find((p) => p.name === 'conv1.weight')!;
      assert.deepEqual(conv1.shape, [4, 3, 3, 3]);
      assert.equal(conv1.scaleInvariant, true);
      assert.equal(store.readScalars('loss').steps.length, 8);
      assert.equal(store.readScalars('test_acc').steps.length, 2);
      const d = store.readProbe('conv1.weight', 'delta_rad').values;
      assert.ok(
        d.every((v) => v > 0 && v < 1),
        `Δ ${[...d]}`,
      );
    } finally {
      store.close();
    }
  } finally {
    rmSync(cwd, { recursive: true });
  }
});
