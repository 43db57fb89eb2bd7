import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeStatus } from '@smd/native';
import { runCli } from '../run-cli.js';
import { doctorChecks } from './doctor-command.js';

test('smd doctor reports node, the native backend (or why not), cpus and the dataset', async () => {
  const r = await runCli(['doctor']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`ok\\s+node\\s+${process.version.replace(/\./g, '\\.')}`));
  const ns = nativeStatus();
  if (ns.loaded)
    assert.match(r.stdout, new RegExp(`native backend\\s+loaded: ${ns.threads} OpenMP threads`));
  else assert.match(r.stdout, /native backend\s+not loaded \(/);
  assert.match(r.stdout, /cpus\s+\d+ available/);
  const missing = doctorChecks('/nonexistent-dir');
  const train = missing.find((c) => c.name === 'fashion-mnist train')!;
  assert.equal(train.ok, false);
  assert.match(train.detail, /not found; install it/);
  const bad = await runCli(['doctor', '--bogus']);
  assert.equal(bad.code, 2);
});

test('smd doctor --kernels checks every native kernel against the TS reference', async () => {
  const r = await runCli(['doctor', '--kernels']);
  assert.equal(r.code, 0, r.stderr);
  if (nativeStatus().loaded) {
    const m =
      /ok\s+native kernels\s+all (\d+) kernels native; (\d+) cases match the TS reference/.exec(
        r.stdout,
      );
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) >= 33, m[1]); // every Kernels entry: group norm, the #14 optimizers
    assert.ok(Number(m[2]) > 80, m[2]);
  } else assert.doesNotMatch(r.stdout, /native kernels/);
});

test('smd --help lists train, runs, export and doctor; smd train rejects bad flags with exit 2', async () => {
  const h = await runCli(['--help']);
  for (const c of ['train', 'runs', 'export', 'doctor'])
    assert.match(h.stdout, new RegExp(`\\n  ${c} `));
  const t = await runCli(['train', '--lr', 'x']);
  assert.equal(t.code, 2);
  assert.equal(t.stderr, 'smd train: --lr must be a number > 0 (got "x")\n');
  const help = await runCli(['train', '--help']);
  assert.match(help.stdout, /--resume RUN/);
});
