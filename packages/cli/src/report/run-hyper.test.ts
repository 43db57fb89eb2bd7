import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hyperFromConfig } from './run-hyper.js';

test('hyperFromConfig reads smd train (flat) and nested optimizer configs', () => {
  assert.deepEqual(
    hyperFromConfig(
      { name: 'convstack', optimizer: 'sgdm', lr: 0.1, momentum: 0.9, wd: 5e-4, nesterov: false },
      0.01,
    ),
    { lr: 0.01, wd: 5e-4, momentum: 0.9, optimizer: 'sgdm', predictable: true },
  );
  assert.deepEqual(
    hyperFromConfig({ optimizer: { name: 'sgd', lr: 0.2, weightDecay: 1e-4 } }, null),
    { lr: 0.2, wd: 1e-4, momentum: 0, optimizer: 'sgd', predictable: true },
  );
  assert.equal(
    hyperFromConfig({ optimizer: 'sgdm', momentum: 0.9, nesterov: true }, null).predictable,
    false,
  );
  assert.equal(
    hyperFromConfig({ optimizer: 'adamw', lr: 1e-3, wd: 0.05 }, null).predictable,
    false,
  );
  assert.equal(hyperFromConfig({ name: 'x' }, null).optimizer, 'sgd');
});
