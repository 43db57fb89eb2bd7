// Test harnesses stay out of shipped code (issue #17): the lint rule in eslint.config.js rejects
// an import of packages/test-support from any non-test file under packages/*/src (node packages
// and browser-safe ones, where it must not displace the Node built-ins ban), and no built file
// of a shipped package (packages/*/dist, tests excluded) refers to test support.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Rule ids reported when `code` sits at `file` (relative to the repository). */
async function ruleIds(eslint, file, code) {
  const [r] = await eslint.lintText(code, { filePath: join(root, file) });
  return r.messages.map((m) => m.ruleId ?? m.message);
}

test('lint: non-test source may not import test support; tests and bench may', async () => {
  const eslint = new ESLint({ cwd: root });
  const banned = 'no-restricted-imports';
  const use = (spec) => `import { x } from '${spec}';\nexport const y = x;\n`;
  assert.deepEqual(await ruleIds(eslint, 'packages/cli/src/a.ts', use('@smd/test-support/cli')), [
    banned,
  ]);
  assert.deepEqual(
    await ruleIds(eslint, 'packages/runs/src/a.ts', use('../../test-support/src/runs/index.js')),
    [banned],
  );
  // browser-safe package: both bans hold at once
  assert.deepEqual(
    await ruleIds(eslint, 'packages/engine/src/a.ts', use('@smd/test-support/engine')),
    [banned],
  );
  assert.deepEqual(await ruleIds(eslint, 'packages/engine/src/a.ts', use('node:fs')), [banned]);
  assert.deepEqual(
    await ruleIds(eslint, 'packages/cli/src/a.test.ts', use('@smd/test-support/cli')),
    [],
  );
  assert.deepEqual(
    await ruleIds(eslint, 'packages/test-support/src/cli/a.ts', use('@smd/test-support/runs')),
    [],
  );
});

/** Built non-test .js files under dir. */
function builtFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) builtFiles(p, out);
    else if (name.endsWith('.js') && !name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

test('no built file of a shipped package refers to test support', () => {
  let files = 0;
  for (const name of readdirSync(join(root, 'packages'))) {
    if (name === 'test-support') continue;
    for (const f of builtFiles(join(root, 'packages', name, 'dist'))) {
      files++;
      assert.ok(!readFileSync(f, 'utf8').includes('test-support'), `${f} refers to test support`);
    }
  }
  assert.ok(files > 100, `only ${files} built files found (did npm run build run?)`);
});
