// Line budget (issue #17): the non-test source of each package (packages/<name>/src: *.ts, *.cc,
// *.h; tests and dist excluded) must stay within its budget in line-budget.json, and every such
// file within `perFile` lines unless listed in `fileCaps` with its own cap. Run by `npm run lint`
// (so by `npm test` and CI). A package that grows past its budget is a decision to make in review:
// raise the number in line-budget.json in the same commit, or split/fold code.
// Usage: node scripts/line-budget.mjs [--root DIR]   (exit 1 with one line per violation)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SOURCE = /\.(ts|cc|h)$/;
const TEST = /\.test\.ts$/;

/** Lines of a file (a final newline does not start a line). */
function countLines(file) {
  const text = readFileSync(file, 'utf8');
  if (text.length === 0) return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/** Non-test source files under dir, recursively. */
function sources(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (SOURCE.test(name) && !TEST.test(name)) out.push(p);
  }
  return out;
}

/** Violations (one line each) of the budget in root/line-budget.json; [] when within it. */
export function checkLineBudget(root) {
  const budgetFile = join(root, 'line-budget.json');
  let budget;
  try {
    budget = JSON.parse(readFileSync(budgetFile, 'utf8'));
  } catch (e) {
    return [`${budgetFile}: cannot read the budget (${e.message.split('\n')[0]})`];
  }
  const problems = [];
  const caps = budget.fileCaps ?? {};
  const pkgDir = join(root, 'packages');
  for (const pkg of readdirSync(pkgDir).sort()) {
    const src = join(pkgDir, pkg, 'src');
    if (!existsSync(src)) continue;
    const limit = budget.packages?.[pkg];
    if (typeof limit !== 'number') {
      problems.push(`line-budget.json: packages.${pkg} is missing (expected a line count)`);
      continue;
    }
    let total = 0;
    for (const f of sources(src)) {
      const n = countLines(f);
      total += n;
      const rel = relative(root, f).split('\\').join('/');
      const cap = caps[rel] ?? budget.perFile;
      if (n > cap) problems.push(`${rel}: ${n} lines > ${cap} per file`);
    }
    if (total > limit) {
      problems.push(`packages/${pkg}/src: ${total} non-test source lines > budget ${limit}`);
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--root');
  const root = i > 0 ? process.argv[i + 1] : process.cwd();
  const problems = checkLineBudget(root);
  for (const p of problems) console.error(`line-budget: ${p}`);
  process.exit(problems.length > 0 ? 1 : 0);
}
