import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeIdx } from '@smd/formats';
import { computeNormalization } from '@smd/engine';
import { DEFAULT_DATA_DIR, DatasetError, loadIdxDataset, readIdxFile } from './load-idx-dataset.js';

const HAVE_REAL = existsSync(join(DEFAULT_DATA_DIR, 'train-labels-idx1-ubyte.gz'));
const SKIP = HAVE_REAL
  ? false
  : `Fashion-MNIST absent from ${DEFAULT_DATA_DIR} (sudo apt-get install dataset-fashion-mnist)`;

test(
  'real Fashion-MNIST train split: 60000×1×28×28, known labels and pixels',
  { skip: SKIP },
  () => {
    const ds = loadIdxDataset(DEFAULT_DATA_DIR, 'train');
    assert.equal(ds.length, 60000);
    assert.deepEqual([ds.channels, ds.height, ds.width], [1, 28, 28]);
    assert.equal(ds.images.length, 60000 * 784);
    // As torchvision.datasets.FashionMNIST shows them: train[0] is an Ankle boot.
    assert.deepEqual([...ds.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    assert.equal(ds.classNames![ds.labels[0]], 'Ankle boot');
    // Row 14 of image 0 and its pixel sum (read independently with Python's gzip + numpy).
    assert.deepEqual(
      [...ds.images.subarray(14 * 28, 15 * 28)],
      [
        0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223, 229,
        215, 218, 255, 77, 0,
      ],
    );
    let sum = 0;
    for (let p = 0; p < 784; p++) sum += ds.images[p];
    assert.equal(sum, 76247);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
    // The standard normalization constants come from this split.
    const { mean, std } = computeNormalization(ds);
    assert.ok(Math.abs(mean[0] - 0.2860406) < 1e-6, `mean ${mean[0]}`);
    assert.ok(Math.abs(std[0] - 0.3530242) < 1e-6, `std ${std[0]}`);
  },
);

test('real Fashion-MNIST test split: 10000 examples, labels in 0..9', { skip: SKIP }, () => {
  const ds = loadIdxDataset(undefined, 'test');
  assert.equal(ds.length, 10000);
  assert.deepEqual([...ds.labels.subarray(0, 10)], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  assert.ok(ds.labels.every((l) => l >= 0 && l <= 9));
  assert.equal(ds.name, 'fashion-mnist/test');
});

/** A temporary folder with a 3-example 2×2 dataset in the given file variants. */
function tempDataset(gz: boolean, dotted = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'smd-idx-'));
  const images = writeIdx({
    shape: [3, 2, 2],
    data: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
  });
  const labels = writeIdx({ shape: [3], data: new Uint8Array([4, 0, 9]) });
  const stem = (kind: string, rank: string): string =>
    dotted ? `t10k-${kind}.${rank}-ubyte` : `t10k-${kind}-${rank}-ubyte`;
  writeFileSync(
    join(dir, stem('images', 'idx3') + (gz ? '.gz' : '')),
    gz ? gzipSync(images) : images,
  );
  writeFileSync(
    join(dir, stem('labels', 'idx1') + (gz ? '.gz' : '')),
    gz ? gzipSync(labels) : labels,
  );
  return dir;
}

test('loads plain, gzipped and dotted-name files from a user folder (--data DIR)', () => {
  for (const [gz, dotted] of [
    [false, false],
    [true, false],
    [false, true],
  ]) {
    const dir = tempDataset(gz, dotted);
    try {
      const ds = loadIdxDataset(dir, 'test');
      assert.deepEqual([ds.length, ds.channels, ds.height, ds.width], [3, 1, 2, 2]);
      assert.deepEqual([...ds.labels], [4, 0, 9]);
      assert.deepEqual([...ds.images.subarray(4, 8)], [80, 100, 120, 140]);
      assert.equal(ds.classNames, null);
      assert.equal(ds.get(2).image[3], Math.fround(220 / 255));
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test('missing folder or file: one-line message with the install hint', () => {
  const missing = join(tmpdir(), 'smd-no-such-dataset-dir');
  assert.throws(
    () => loadIdxDataset(missing, 'train'),
    (e: Error) => {
      assert.ok(e instanceof DatasetError);
      assert.equal(e.exitCode, 1);
      assert.equal(
        e.message,
        `dataset folder ${missing} not found; install it with 'sudo apt-get install dataset-fashion-mnist' or pass --data DIR (a folder with train-images-idx3-ubyte[.gz] and the other three IDX files, or CIFAR-10's data_batch_<n>.bin and test_batch.bin)`,
      );
      return true;
    },
  );
  const dir = tempDataset(true);
  try {
    assert.throws(() => loadIdxDataset(dir, 'train'), {
      message: new RegExp(
        `^${dir}/? has no train-images-idx3-ubyte\\[\\.gz\\] \\(train images\\); install it with 'sudo apt-get install dataset-fashion-mnist'`,
      ),
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('corrupt files: truncated, bad magic, wrong dims, bad gzip, bad labels → exact errors', () => {
  const dir = tempDataset(false);
  const img = join(dir, 't10k-images-idx3-ubyte');
  const lab = join(dir, 't10k-labels-idx1-ubyte');
  const good = writeIdx({ shape: [3, 2, 2], data: new Uint8Array(12) });
  try {
    writeFileSync(img, good.subarray(0, good.length - 1));
    assert.throws(() => loadIdxDataset(dir, 'test'), {
      name: 'DatasetError',
      message: `IDX ${img}: truncated: dimensions 3x2x2 of uint8 need 12 data bytes, file has 11`,
    });
    const bad = good.slice();
    bad[1] = 3;
    writeFileSync(img, bad);
    assert.throws(() => loadIdxDataset(dir, 'test'), {
      message: `IDX ${img}: wrong magic: first two bytes are 0x00 0x03, expected 0x00 0x00`,
    });
    writeFileSync(img, writeIdx({ shape: [3, 4], data: new Uint8Array(12) }));
    assert.throws(() => loadIdxDataset(dir, 'test'), {
      message: `${img}: expected uint8 images of shape N×H×W, got uint8 3x4`,
    });
    writeFileSync(img, writeIdx({ shape: [2, 2, 3], data: new Uint8Array(12) }));
    assert.throws(() => loadIdxDataset(dir, 'test'), {
      message: `${lab}: 3 labels but ${img} has 2 images`,
    });
    writeFileSync(img, good);
    writeFileSync(lab, writeIdx({ shape: [3], data: new Uint8Array([1, 10, 2]) }));
    assert.throws(() => loadIdxDataset(dir, 'test'), {
      message: `${lab}: label 10 at index 1 is not in [0, 10)`,
    });
    const gzPath = join(dir, 'x.gz');
    const gz = gzipSync(good);
    writeFileSync(gzPath, gz.subarray(0, gz.length - 12));
    assert.throws(() => readIdxFile(gzPath), {
      message: new RegExp(`^${gzPath}: corrupt or truncated gzip data \\(`),
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
