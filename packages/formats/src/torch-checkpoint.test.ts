import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PyObject, type PyValue } from './pickle.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import {
  isTorchTensor,
  torchTensorData,
  TorchFormatError,
  type TorchTensor,
} from './torch-tensor.js';
import { ZipFormatError } from './zip.js';

// Made by fixtures/torch/make_torch_fixtures.py with Debian's python3-torch 1.13.
const dir = new URL('../src/fixtures/torch/', import.meta.url);
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
const VALUES = load('values.pt');
interface Expected {
  dtype: string;
  shape: number[];
  stride: number[];
  offset: number;
  values: (number | number[])[];
}
const EXPECTED = JSON.parse(readFileSync(new URL('values.json', dir), 'utf8')) as Record<
  string,
  Expected
>;

function get(v: PyValue, ...path: (string | number)[]): PyValue {
  for (const k of path) {
    assert.ok(v instanceof Map || Array.isArray(v), `container at ${k}`);
    v = v instanceof Map ? (v.get(k) as PyValue) : (v as readonly PyValue[])[k as number];
  }
  return v;
}

test('every dtype, strided views, offsets and 0-d/empty tensors equal what PyTorch wrote', () => {
  const c = readTorchCheckpoint(VALUES, 'values.pt');
  assert.equal(c.archive, 'values');
  const tensors = get(c.root, 'tensors') as Map<PyValue, PyValue>;
  assert.deepEqual([...tensors.keys()], Object.keys(EXPECTED));
  for (const [name, e] of Object.entries(EXPECTED)) {
    const t = tensors.get(name) as TorchTensor;
    assert.ok(isTorchTensor(t), name);
    assert.equal(t.dtype, e.dtype, name);
    assert.deepEqual(t.shape, e.shape, name);
    assert.deepEqual(t.stride, e.stride, name);
    assert.equal(t.storageOffset, e.offset, name);
    if (e.dtype === 'complex64') {
      assert.throws(
        () => torchTensorData(t),
        /values\.pt: storage \d+: complex64 cannot be decoded/,
      );
      continue;
    }
    const got = Array.from(torchTensorData(t) as ArrayLike<number | bigint>, (x) =>
      e.dtype === 'bool' ? x !== 0 : Number(x),
    );
    const want = e.values.map((x) => (e.dtype === 'bool' ? x !== 0 : x));
    assert.deepEqual(got, want, name);
  }
});

test('views share their base storage; parameters are marked; contiguous floats are zero-copy', () => {
  const c = readTorchCheckpoint(VALUES, 'values.pt');
  const t = (n: string): TorchTensor => get(c.root, 'tensors', n) as TorchTensor;
  for (const v of ['transposed', 'column', 'block', 'step2']) {
    assert.equal(t(v).storage, t('base').storage, v);
  }
  assert.equal(t('param').parameter, true);
  assert.equal(t('param').requiresGrad, true);
  assert.equal(t('base').parameter, false);
  // the contiguous float32 base is a view into the file's bytes (torch aligns data at 64 bytes)
  const base = torchTensorData(t('base'));
  assert.equal(base.buffer, VALUES.buffer);
  // the same f32 tensor object appears twice in the pickle (memo): one object here too
  assert.equal(get(c.root, 'nested', 'deep', 'a', 'b', 0), t('f32'));
});

test('plain Python values, big ints, bytes, numpy scalars and an inert Namespace placeholder', () => {
  const c = readTorchCheckpoint(VALUES, 'values.pt');
  assert.deepEqual(get(c.root, 'nested', 'list'), [1, 2.5, 'three', null, true]);
  assert.deepEqual(get(c.root, 'nested', 'tuple'), [1, [2, 3]]);
  assert.ok(Object.isFrozen(get(c.root, 'nested', 'tuple')));
  assert.equal(get(c.root, 'int_keys', 7), 'seven');
  assert.equal(get(c.root, 'big'), 2n ** 70n);
  assert.equal(get(c.root, 'neg'), -(2 ** 40));
  assert.deepEqual([...(get(c.root, 'bytes') as Uint8Array)], [0, 255, 97, 98, 99]);
  assert.equal(get(c.root, 'np_scalar'), 0.375);
  assert.equal(get(c.root, 'np_int'), -12);
  const ns = get(c.root, 'namespace');
  assert.ok(ns instanceof PyObject);
  assert.equal(ns.cls.qualname, 'argparse.Namespace');
  assert.equal((ns.state as Map<PyValue, PyValue>).get('lr'), 0.1);
});

test('legacy (pre-1.6) files get a one-line error saying how to re-save', () => {
  assert.throws(
    () => readTorchCheckpoint(load('legacy.pt'), 'legacy.pt'),
    (e: unknown) =>
      e instanceof TorchFormatError &&
      /^torch checkpoint legacy\.pt: legacy \(pre-1\.6, non-zip\).*torch\.save\(torch\.load\(path, weights_only=True\), 'new\.pt'\)$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => readTorchCheckpoint(new TextEncoder().encode('hello'), 'x.pt'),
    /torch checkpoint x\.pt: not a PyTorch checkpoint \(expected a zip file written by torch\.save\)$/,
  );
});

test('every truncation of a checkpoint is a one-line typed error naming the file', () => {
  // Cut the file at many lengths; each must fail cleanly (no RangeError, no hang, one line).
  const cuts = new Set<number>();
  for (let n = 0; n < VALUES.length; n += 97) cuts.add(n);
  for (let n = VALUES.length - 200; n < VALUES.length; n++) cuts.add(n);
  for (const n of cuts) {
    assert.throws(
      () => readTorchCheckpoint(VALUES.subarray(0, n), 'cut.pt'),
      (e: unknown) =>
        (e instanceof TorchFormatError || e instanceof ZipFormatError) &&
        /cut\.pt/.test((e as Error).message) &&
        !(e as Error).message.includes('\n'),
      `cut at ${n}`,
    );
  }
});

test('corrupted bytes anywhere give a typed one-line error or a valid read, never a crash', () => {
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 200; trial++) {
    const bytes = VALUES.slice();
    for (let k = 0; k < 1 + (trial % 4); k++)
      bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    try {
      const c = readTorchCheckpoint(bytes, 'bad.pt');
      // whatever was read decodes within its storage
      for (const t of (get(c.root, 'tensors') as Map<PyValue, PyValue>).values()) {
        if (isTorchTensor(t) && t.dtype !== 'complex64') torchTensorData(t);
      }
    } catch (e) {
      assert.ok(
        e instanceof Error && /Format ?Error$/.test(e.name),
        `trial ${trial}: ${String(e)}`,
      );
      assert.ok(e.message.includes('bad.pt') && !e.message.includes('\n'), e.message);
    }
  }
});
