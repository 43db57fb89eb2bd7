// Every workspace package declares its public entry points explicitly (issue #17): no "./*"
// pattern export (which made every file public API), and each entry's source file exists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages', import.meta.url));

test('package exports are an explicit list of existing entry points', () => {
  let checked = 0;
  for (const name of readdirSync(packages).sort()) {
    const file = join(packages, name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(pkg.exports && typeof pkg.exports === 'object', `${name}: no "exports"`);
    for (const [key, target] of Object.entries(pkg.exports)) {
      assert.ok(!key.includes('*'), `${name}: pattern export "${key}"`);
      assert.ok(
        existsSync(join(packages, name, target.source)),
        `${name} "${key}": ${target.source}`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 7, `only ${checked} entry points found`);
});
