import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { readTrainingCheckpoint } from './training-checkpoint.js';
import { TorchFormatError } from './torch-tensor.js';

// Fixtures of make_torch_fixtures.py: one BN convnet saved in each framework's layout.
const runs = new URL('../src/fixtures/torch/runs/', import.meta.url);
const file = (p: string): Map<string, Uint8Array> =>
  new Map([[p.split('/').pop()!, new Uint8Array(readFileSync(new URL(p, runs)))]]);
const folder = (p: string): Map<string, Uint8Array> =>
  new Map(
    readdirSync(new URL(p, runs)).map((n) => [
      n,
      new Uint8Array(readFileSync(new URL(`${p}/${n}`, runs))),
    ]),
  );
const PARAMS = [
  'conv1.weight',
  'bn1.weight',
  'bn1.bias',
  'conv2.weight',
  'bn2.weight',
  'bn2.bias',
  'fc.weight',
  'fc.bias',
];

test('plain dict with a DDP model: module. removed, SGD momentum buffers matched by name', () => {
  const c = readTrainingCheckpoint(file('sgdm/ckpt-60.pt'), 'ckpt-60.pt');
  assert.equal(c.layout, 'dict');
  assert.equal(c.step, 60);
  assert.equal(c.weights.size, 14); // 8 parameters + 6 BN buffers
  assert.ok(c.weights.has('bn1.running_var') && !c.weights.has('module.bn1.running_var'));
  assert.ok(
    c.notes.includes("removed the 'module.' prefix from every name (DistributedDataParallel)"),
  );
  const o = c.optimizer!;
  assert.equal(o.family, 'sgd');
  assert.deepEqual([...o.params.keys()], PARAMS);
  assert.deepEqual(o.params.get('conv2.weight')!.momentumBuffer!.shape, [8, 4, 3, 3]);
  assert.deepEqual(
    { ...o.groups[0], ids: o.groups[0].ids.length },
    {
      lr: 0.010000000000000002,
      weightDecay: 5e-4,
      momentum: 0.9,
      dampening: 0,
      nesterov: false,
      betas: null,
      eps: null,
      amsgrad: false,
      decoupled: null,
      ids: 8,
    },
  );
});

test('Lightning: state_dict + optimizer_states + global_step; placeholders in metadata do not matter', () => {
  const c = readTrainingCheckpoint(file('adam/epoch=0-step=60.ckpt'), 'epoch=0-step=60.ckpt');
  assert.equal(c.layout, 'lightning');
  assert.equal(c.step, 60);
  assert.equal(c.epoch, 0);
  assert.equal(c.optimizer!.family, 'adam');
  assert.deepEqual(
    [...c.optimizer!.params.keys()],
    PARAMS.map((n) => `model.${n}`),
  );
  assert.equal(c.optimizer!.params.get('model.fc.bias')!.step, 60);
  assert.deepEqual(c.optimizer!.groups[0].betas, [0.9, 0.999]);
});

test('Hugging Face Trainer folders: safetensors or .bin weights, decay/no-decay groups matched, log_history', () => {
  for (const [dir, weights] of [
    ['adamw/checkpoint-60', 'model.safetensors'],
    ['adamw/checkpoint-30', 'pytorch_model.bin'],
  ]) {
    const c = readTrainingCheckpoint(folder(dir), dir);
    assert.equal(c.layout, 'hf-trainer');
    assert.ok(c.notes.includes(`Hugging Face Trainer folder: weights from ${weights}`));
    const o = c.optimizer!;
    // group 0 (decay 0.05): conv1, conv2, fc weights; group 1 (no decay): BN γ/β and fc.bias
    const group = (g: number): string[] =>
      [...o.params.values()].filter((p) => p.group === g).map((p) => p.name);
    assert.deepEqual(group(0), ['conv1.weight', 'conv2.weight', 'fc.weight']);
    assert.deepEqual(group(1), ['bn1.weight', 'bn1.bias', 'bn2.weight', 'bn2.bias', 'fc.bias']);
    assert.deepEqual(
      o.groups.map((g) => g.weightDecay),
      [0.05, 0],
    );
  }
  const c = readTrainingCheckpoint(folder('adamw/checkpoint-60'), 'checkpoint-60');
  assert.equal(c.step, 60);
  assert.deepEqual(
    c.log.map((r) => r.step),
    [10, 20, 30, 40, 50, 60],
  );
  assert.equal(c.log[0].lr, 0.003);
  assert.ok(c.log.every((r) => r.loss !== null && r.loss > 0 && r.loss < 3));
});

test('errors name the checkpoint and what was expected', () => {
  const values = new Uint8Array(readFileSync(new URL('../values.pt', runs)));
  assert.throws(
    () => readTrainingCheckpoint(new Map([['values.pt', values]]), 'values.pt'),
    (e: unknown) =>
      e instanceof TorchFormatError &&
      /values\.pt: found no model state_dict \(looked for a dict of tensors under state_dict, model_state_dict, model/.test(
        e.message,
      ),
  );
  const bad = folder('adamw/checkpoint-60');
  bad.set('trainer_state.json', new TextEncoder().encode('{"global_step": 6'));
  assert.throws(
    () => readTrainingCheckpoint(bad, 'checkpoint-60'),
    /checkpoint-60\/trainer_state\.json: invalid JSON/,
  );
  assert.throws(
    () =>
      readTrainingCheckpoint(
        new Map([
          ['a.pt', values],
          ['b.pt', values],
        ]),
        'x',
      ),
    /expected one checkpoint file or a Hugging Face folder, got a\.pt, b\.pt/,
  );
});
