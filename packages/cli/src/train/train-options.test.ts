import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIMIZER_NAMES, parseTrainArgs, trainConfigFromManifest } from './train-options.js';
import { UsageError } from '../usage-error.js';
import { tempDir } from '@smd/test-support/cli';

function errorOf(argv: string[], cwd = '/'): string {
  try {
    parseTrainArgs(argv, cwd);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return e.message;
  }
  assert.fail(`no error for ${argv.join(' ')}`);
}

test('defaults are the issue default job: 16/32/64 ResNet, SGDM 0.1/0.9/5e-4, batch 128', () => {
  const r = parseTrainArgs([], '/');
  assert.equal(r.kind, 'new');
  if (r.kind !== 'new') return;
  const c = r.config;
  assert.deepEqual(c.widths, [16, 32, 64]);
  assert.equal(c.model, 'resnet');
  assert.equal(c.optimizer, 'sgdm');
  assert.equal(c.lr, 0.1);
  assert.equal(c.momentum, 0.9);
  assert.equal(c.weightDecay, 5e-4);
  assert.equal(c.batchSize, 128);
  assert.equal(c.decayBnBias, true);
  assert.equal(c.data, 'fashion-mnist');
  assert.equal(c.backend, 'auto');
  assert.equal(c.probeEvery, 1);
});

test('flag values are validated with one-line errors naming the field', () => {
  assert.match(errorOf(['--lr', 'abc']), /--lr must be a number > 0 \(got "abc"\)/);
  assert.match(errorOf(['--lr', '-1']), /--lr must be a number > 0/);
  assert.match(errorOf(['--momentum', '1']), /--momentum must be a number in \[0, 1\)/);
  assert.match(errorOf(['--norm', 'instance']), /--norm must be one of batch\|group\|layer/);
  assert.match(errorOf(['--widths', '16,32']), /--widths must be 3 positive integers/);
  assert.match(errorOf(['--batch-size', '1.5']), /--batch-size must be an integer >= 1/);
  assert.match(errorOf(['--backend', 'gpu']), /--backend must be one of auto\|native\|ts/);
  assert.match(errorOf(['--optimizer', 'adam', '--momentum', '0.9']), /applies to sgd\/sgdm/);
  assert.match(errorOf(['--bogus']), /unknown option --bogus/);
  assert.match(errorOf(['--resume', 'x', '--lr', '0.1']), /only --out may accompany it/);
  assert.match(errorOf(['--rescale', '--wd', '0']), /--rescale needs weight decay/);
});

test('a config file holds the same fields; flags override it; unknown fields are named', () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'run.yaml'),
    'model: convstack\nwidths: [8, 16]\nbatchSize: 32\nlr: 0.05\nno_such: 1\n',
  );
  assert.match(errorOf(['run.yaml'], dir), /unknown field "no_such" in config file "run.yaml"/);
  writeFileSync(
    join(dir, 'ok.yaml'),
    'model: convstack\nwidths: [8, 16]\nbatchSize: 32\nlr: 0.05\ndecay-bn-bias: false\n',
  );
  const r = parseTrainArgs(['ok.yaml', '--lr', '0.2'], dir);
  assert.equal(r.kind, 'new');
  if (r.kind !== 'new') return;
  assert.deepEqual(r.config.widths, [8, 16]);
  assert.equal(r.config.batchSize, 32);
  assert.equal(r.config.lr, 0.2);
  assert.equal(r.config.decayBnBias, false);
  writeFileSync(join(dir, 'bad.yaml'), 'batch-size: many\n');
  assert.match(
    errorOf(['bad.yaml'], dir),
    /"batch-size" in bad.yaml must be an integer >= 1 \(got "many"\)/,
  );
  assert.match(
    errorOf(['missing.yaml'], dir),
    /cannot read config file "missing.yaml": no such file/,
  );
  const nb = parseTrainArgs(['--no-decay-bn-bias'], dir);
  assert.equal(nb.kind === 'new' && nb.config.decayBnBias, false);
});

test('optimizers beyond SGD/Adam: defaults, their hyper-parameters, and misplaced flags', () => {
  const cfg = (argv: string[]) => {
    const r = parseTrainArgs(argv, '/');
    assert.equal(r.kind, 'new');
    return r.kind === 'new' ? r.config : assert.fail();
  };
  const lion = cfg(['--optimizer', 'lion']);
  assert.deepEqual([lion.lr, lion.betas, lion.momentum], [1e-4, [0.9, 0.99], 0]);
  const rv = cfg(['--optimizer', 'rv-adamw', '--betas', '0.8,0.99', '--rotation', 'layer']);
  assert.deepEqual([rv.lr, rv.betas, rv.rotation], [1e-3, [0.8, 0.99], 'layer']);
  const sgdp = cfg(['--optimizer', 'sgdp', '--delta', '0.2', '--wd-ratio', '0.5', '--nesterov']);
  assert.deepEqual(
    [sgdp.lr, sgdp.momentum, sgdp.delta, sgdp.wdRatio, sgdp.nesterov],
    [0.1, 0.9, 0.2, 0.5, true],
  );
  assert.equal(cfg(['--optimizer', 'rv-sgdm']).momentum, 0.9);
  assert.match(
    errorOf(['--optimizer', 'lion', '--momentum', '0.9']),
    /--momentum applies to sgd\/sgdm\/sgdp\/rv-sgdm, not lion/,
  );
  assert.match(
    errorOf(['--optimizer', 'sgdm', '--betas', '0.9,0.99']),
    /--betas applies to .*, not sgdm/,
  );
  assert.match(
    errorOf(['--optimizer', 'adamw', '--rotation', 'layer']),
    /--rotation applies to rv-sgdm\/rv-adamw\/rv-lion/,
  );
  assert.match(
    errorOf(['--optimizer', 'lion', '--betas', '0.9']),
    /--betas must be two numbers in \[0, 1\)/,
  );
  assert.match(errorOf(['--optimizer', 'lion', '--betas', '0.9,1']), /--betas must be two numbers/);
  assert.match(errorOf(['--optimizer', 'rv-lion', '--wd', '0']), /rv-lion needs --wd > 0/);
  assert.match(errorOf(['--optimizer', 'nadam']), /--optimizer must be one of/);
  // the saved config holds only the optimizer's own fields, so --resume reads it back unchanged
  for (const name of OPTIMIZER_NAMES) {
    const c = cfg(['--optimizer', name, '--wd', '0.01']);
    const saved = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
    assert.equal(
      'betas' in saved,
      ['adam', 'adamw', 'lion', 'adamp', 'rv-adamw', 'rv-lion'].includes(name),
    );
    assert.deepEqual(trainConfigFromManifest(saved, 'm.json'), c, name);
  }
});
