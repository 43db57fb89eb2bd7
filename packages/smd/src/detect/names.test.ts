import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleInvarianceFromNames, type NamedShape } from './names.js';

const bn = (m: string, c: number): NamedShape[] => [
  { name: `${m}.weight`, shape: [c] },
  { name: `${m}.bias`, shape: [c] },
  { name: `${m}.running_mean`, shape: [c] },
  { name: `${m}.running_var`, shape: [c] },
  { name: `${m}.num_batches_tracked`, shape: [] },
];

test('torchvision ResNet names: convs feeding BatchNorm (incl. downsample) are invariant, fc is not', () => {
  const sd: NamedShape[] = [
    { name: 'conv1.weight', shape: [64, 3, 7, 7] },
    ...bn('bn1', 64),
    { name: 'layer1.0.conv1.weight', shape: [64, 64, 3, 3] },
    ...bn('layer1.0.bn1', 64),
    { name: 'layer2.0.downsample.0.weight', shape: [128, 64, 1, 1] },
    ...bn('layer2.0.downsample.1', 128),
    { name: 'fc.weight', shape: [1000, 2048] },
    { name: 'fc.bias', shape: [1000] },
  ];
  const v = new Map(scaleInvarianceFromNames(sd).map((x) => [x.name, x]));
  assert.equal(v.size, 11, 'buffers get no verdict');
  assert.equal(
    v.get('conv1.weight')!.reason,
    "conv weight [64,3,7,7] feeds BatchNorm 'bn1' (next module, 64 channels)",
  );
  assert.equal(v.get('layer2.0.downsample.0.weight')!.scaleInvariant, true);
  assert.equal(
    v.get('layer1.0.bn1.weight')!.reason,
    "affine parameter of BatchNorm 'layer1.0.bn1'",
  );
  assert.equal(
    v.get('fc.weight')!.reason,
    'linear weight [1000,2048]: not followed by a normalization layer',
  );
  assert.equal(v.get('fc.bias')!.reason, 'bias');
  assert.deepEqual(
    [...v.values()].filter((x) => x.scaleInvariant).map((x) => x.name),
    ['conv1.weight', 'layer1.0.conv1.weight', 'layer2.0.downsample.0.weight'],
  );
});

test('Hugging Face BERT: a dense layer before LayerNorm is not claimed; GroupNorm and weight norm are', () => {
  const v = scaleInvarianceFromNames([
    { name: 'encoder.layer.0.attention.output.dense.weight', shape: [768, 768] },
    { name: 'encoder.layer.0.attention.output.dense.bias', shape: [768] },
    { name: 'encoder.layer.0.attention.output.LayerNorm.weight', shape: [768] },
    { name: 'encoder.layer.0.attention.output.LayerNorm.bias', shape: [768] },
    { name: 'block.conv.weight', shape: [32, 16, 3, 3] },
    { name: 'block.gn.weight', shape: [32] },
    { name: 'block.gn.bias', shape: [32] },
    { name: 'mismatch.conv.weight', shape: [8, 16, 3, 3] },
    { name: 'mismatch.bn.running_mean', shape: [16] },
    { name: 'mismatch.bn.weight', shape: [16] },
    { name: 'head.weight_g', shape: [10, 1] },
    { name: 'head.weight_v', shape: [10, 64] },
  ]);
  const by = new Map(v.map((x) => [x.name, x]));
  assert.equal(by.get('encoder.layer.0.attention.output.dense.weight')!.scaleInvariant, false);
  assert.match(
    by.get('encoder.layer.0.attention.output.dense.weight')!.reason,
    /followed by LayerNorm .*residual sum/,
  );
  assert.equal(
    by.get('block.conv.weight')!.reason,
    "conv weight [32,16,3,3] feeds GroupNorm 'block.gn' (next module, 32 channels)",
  );
  assert.match(
    by.get('mismatch.conv.weight')!.reason,
    /the next BatchNorm 'mismatch.bn' has 16 channels, not 8/,
  );
  assert.equal(by.get('head.weight_v')!.scaleInvariant, true);
  assert.equal(by.get('head.weight_g')!.scaleInvariant, false);
});
