// The committed both sides of the native contract are what packages/native/contract/
// kernel-spec.mjs generates (a spec edit without regenerating fails here), and the spec is sound:
// unique function and argument names, known types, every engine kernel served exactly once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { ADDON_FUNCTIONS } from '../packages/native/contract/kernel-spec.mjs';
import {
  ARG_TYPES,
  CC_OUT,
  TS_OUT,
  contractHash,
  generateCc,
  generateTs,
} from './gen-native-contract.mjs';

test('addon-calls.ts and contract.h are generated from the kernel spec', () => {
  assert.equal(
    readFileSync(TS_OUT, 'utf8'),
    generateTs(),
    'run node scripts/gen-native-contract.mjs',
  );
  assert.equal(
    readFileSync(CC_OUT, 'utf8'),
    generateCc(),
    'run node scripts/gen-native-contract.mjs',
  );
  assert.match(readFileSync(TS_OUT, 'utf8'), new RegExp(`CONTRACT_HASH = '${contractHash()}'`));
  assert.match(readFileSync(CC_OUT, 'utf8'), new RegExp(`kHash = "${contractHash()}"`));
});

test('the kernel spec: unique names, known types, each engine kernel once', () => {
  const types = ARG_TYPES;
  const fns = ADDON_FUNCTIONS.map((f) => f.fn);
  assert.equal(new Set(fns).size, fns.length, 'duplicate function');
  const kernels = ADDON_FUNCTIONS.flatMap((f) => Object.keys(f.kernels));
  assert.equal(new Set(kernels).size, kernels.length, 'an engine kernel served twice');
  assert.ok(kernels.length >= 29, `only ${kernels.length} kernels`);
  for (const f of ADDON_FUNCTIONS) {
    const names = f.args.map((a) => a[0]);
    assert.equal(new Set(names).size, names.length, `${f.fn}: duplicate argument`);
    for (const [n, t] of f.args) assert.ok(types.has(t), `${f.fn}.${n}: type ${t}`);
    for (const o of Object.values(f.kernels))
      for (const k of Object.keys(o)) assert.ok(names.includes(k), `${f.fn}: override of ${k}`);
  }
  // a changed argument changes the hash (what the loader compares with the built addon's)
  const h = contractHash();
  const bn = ADDON_FUNCTIONS.find((f) => f.fn === 'batchNormForwardTrain');
  const [a, b] = [bn.args[9], bn.args[10]];
  bn.args[9] = b;
  bn.args[10] = a;
  try {
    assert.notEqual(contractHash(), h, 'swapping m and c must change the hash');
  } finally {
    bn.args[9] = a;
    bn.args[10] = b;
  }
});
