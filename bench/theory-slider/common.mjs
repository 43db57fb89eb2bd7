// What the theory-slider benches share: the repository root, `--name value` options, the median,
// and the two bundles they compare — computePrediction and parseSchedule from the sources of
// packages/engine and packages/smd at a git ref ("before") and in the working tree ("after"),
// bundled by esbuild the way the explorer page is (iife, browser, the `source` condition), as
// globals smd_before and smd_after.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The value after `--name` on the command line, or undefined. */
export function option(name) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** { before, after } bundle texts for `ref` against the working tree at `root`. */
export async function beforeAfterBundles(root, ref) {
  const work = mkdtempSync(join(tmpdir(), 'smd-theory-slider-'));
  try {
    // "before": the two packages' sources at the ref, resolvable as @smd/engine and @smd/smd
    const old = join(work, 'before');
    mkdirSync(join(old, 'node_modules', '@smd'), { recursive: true });
    const tar = execFileSync(
      'git',
      ['archive', ref, 'tsconfig.base.json', 'packages/engine', 'packages/smd'],
      { cwd: root, maxBuffer: 1 << 30 },
    );
    execFileSync('tar', ['-x', '-C', old], { input: tar });
    for (const p of ['engine', 'smd'])
      symlinkSync(join(old, 'packages', p), join(old, 'node_modules', '@smd', p));
    const entry = `import { computePrediction } from '@smd/smd/predict';
import { parseSchedule } from '@smd/engine/schedule';
export { computePrediction, parseSchedule };`;
    const bundles = {};
    for (const [name, dir] of [
      ['before', old],
      ['after', root],
    ]) {
      const out = await build({
        stdin: { contents: entry, resolveDir: dir, loader: 'js' },
        bundle: true,
        write: false,
        format: 'iife',
        globalName: `smd_${name}`,
        platform: 'browser',
        target: 'es2020',
        conditions: ['source'],
        logLevel: 'warning',
      });
      bundles[name] = out.outputFiles[0].text;
    }
    return bundles;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
