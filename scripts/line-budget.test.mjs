// scripts/line-budget.mjs fails on a package over its budget, a file over the per-file cap and a
// package missing from the budget, and passes the repository as it is.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkLineBudget } from './line-budget.mjs';

const lines = (n) => 'x\n'.repeat(n);

test('line budget: over-budget package, long file, missing package', () => {
  const root = mkdtempSync(join(tmpdir(), 'smd-line-budget-'));
  try {
    mkdirSync(join(root, 'packages', 'a', 'src', 'sub'), { recursive: true });
    mkdirSync(join(root, 'packages', 'b', 'src'), { recursive: true });
    writeFileSync(join(root, 'packages', 'a', 'src', 'one.ts'), lines(30));
    writeFileSync(join(root, 'packages', 'a', 'src', 'sub', 'two.cc'), lines(25));
    writeFileSync(join(root, 'packages', 'a', 'src', 'big.test.ts'), lines(500)); // tests do not count
    writeFileSync(join(root, 'packages', 'b', 'src', 'c.ts'), lines(10));
    const budget = (o) => writeFileSync(join(root, 'line-budget.json'), JSON.stringify(o));
    budget({ perFile: 40, packages: { a: 55, b: 10 } });
    assert.deepEqual(checkLineBudget(root), []);
    budget({ perFile: 28, fileCaps: { 'packages/a/src/one.ts': 30 }, packages: { a: 54, b: 10 } });
    assert.deepEqual(checkLineBudget(root), [
      'packages/a/src: 55 non-test source lines > budget 54',
    ]);
    budget({ perFile: 26, packages: { a: 100 } });
    assert.deepEqual(checkLineBudget(root), [
      'packages/a/src/one.ts: 30 lines > 26 per file',
      'line-budget.json: packages.b is missing (expected a line count)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the repository is within its line budget', () => {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  assert.deepEqual(checkLineBudget(repo), []);
});
