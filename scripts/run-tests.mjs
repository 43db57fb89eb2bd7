// Runs every compiled test file (packages/*/dist/**/*.test.js and test/**/*.test.js) and the
// repository scripts' tests (scripts/*.test.mjs) with node's
// test runner; extra arguments are passed through (e.g. a file filter). SMD_SLOW=1 adds slow suites.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [];
for (const pkg of readdirSync('packages')) collect(join('packages', pkg, 'dist'), files);
collect(join('test', 'dist'), files);
for (const name of readdirSync('scripts'))
  if (name.endsWith('.test.mjs')) files.push(join('scripts', name));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no compiled test files found (did `npm run build` run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
