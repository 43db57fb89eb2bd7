import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The built entry point (packages/cli/dist/main.js); this file runs from dist/ after `tsc -b`.
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const built = MAIN.endsWith('/dist/main.js') && existsSync(MAIN);

test(
  'dist/main.js: predict prints the ImageNet table and exits 0',
  { skip: !built && 'not built' },
  () => {
    const r = spawnSync(
      process.execPath,
      [
        MAIN,
        'predict',
        '--lr',
        '0.1',
        '--wd',
        '1e-4',
        '--momentum',
        '0.9',
        '--schedule',
        'multistep:30,60,80:0.1',
        '--steps-per-epoch',
        '5005',
        '--epochs',
        '90',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /0\.0032444/);
    assert.match(r.stdout, /NO: needs/);
  },
);

test(
  'dist/main.js: a bad flag exits 2 with one line and no stack trace',
  { skip: !built && 'not built' },
  () => {
    const r = spawnSync(
      process.execPath,
      [MAIN, 'predict', '--lr', '0.1', '--wd', 'abc', '--epochs', '3'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'smd predict: --wd must be a number > 0 (got "abc")\n');
  },
);
