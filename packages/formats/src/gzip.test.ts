import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { gunzip, isGzip } from './gzip.js';
import { parseIdx, writeIdx } from './idx.js';

test('gunzip (DecompressionStream) inverts node:zlib gzip of an IDX file', async () => {
  const idx = writeIdx({ shape: [3, 2], data: new Int32Array([1, -2, 3, -4, 5, 70000]) });
  const gz = new Uint8Array(gzipSync(idx));
  assert.ok(isGzip(gz));
  assert.ok(!isGzip(idx));
  const back = await gunzip(gz, 'x.gz');
  assert.deepEqual(back, idx);
  assert.deepEqual([...parseIdx(back).data], [1, -2, 3, -4, 5, 70000]);
});

test('gunzip rejects non-gzip and truncated gzip with one-line errors', async () => {
  await assert.rejects(gunzip(new Uint8Array([0, 0, 8, 1]), 'a.gz'), {
    message: 'gunzip a.gz: not gzip data (magic is not 0x1f 0x8b)',
  });
  const gz = new Uint8Array(gzipSync(new Uint8Array(1000).fill(7)));
  await assert.rejects(gunzip(gz.subarray(0, gz.length - 10), 'b.gz'), (e: Error) => {
    assert.match(e.message, /^gunzip b\.gz: corrupt or truncated gzip data \(/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

const LABELS = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz';
test('gunzip + parseIdx read the real Fashion-MNIST test labels', async (t) => {
  if (!existsSync(LABELS)) {
    t.skip(`${LABELS} absent (sudo apt-get install dataset-fashion-mnist)`);
    return;
  }
  const a = parseIdx(await gunzip(new Uint8Array(readFileSync(LABELS)), LABELS), LABELS);
  assert.deepEqual(a.shape, [10000]);
  assert.deepEqual([...a.data.subarray(0, 10)], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
});
