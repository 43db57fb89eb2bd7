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

/**
 * The slider-path cases, 100 epochs × 10,000 steps: [name, schedule, overrides of the SGDM base
 * (η 0.1, λ 1e-4, α 0.9)]. run.mjs times all six, sequence.mjs the views named in it.
 */
export const SLIDER_CASES = [
  ['default (SGDM, multistep 30,60,80)', 'multistep:30,60,80:0.1', {}],
  ['SGDM, warmup 5 + cosine', 'warmup:5:0:cosine', {}],
  [
    'AdamW, multistep',
    'multistep:30,60,80:0.1',
    { lr: 1e-3, wd: 0.1, momentum: 0, optimizer: 'adamw', betas: [0.9, 0.999] },
  ],
  [
    'Lion, multistep',
    'multistep:30,60,80:0.1',
    { lr: 1e-4, wd: 0.1, momentum: 0, optimizer: 'lion', betas: [0.9, 0.99] },
  ],
  [
    'AdamW, warmup 5 + cosine',
    'warmup:5:0:cosine',
    { lr: 1e-3, wd: 0.1, momentum: 0, optimizer: 'adamw', betas: [0.9, 0.999] },
  ],
  [
    'Lion, warmup 5 + cosine',
    'warmup:5:0:cosine',
    { lr: 1e-4, wd: 0.1, momentum: 0, optimizer: 'lion', betas: [0.9, 0.99] },
  ],
];

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The text of one esbuild bundle with the explorer page's settings (iife, browser, es2020, the
 * `source` condition), plus `options` (the entry; the page itself also minifies).
 */
export async function pageBundle(options) {
  const out = await build({
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    conditions: ['source'],
    logLevel: 'warning',
    ...options,
  });
  return out.outputFiles[0].text;
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
      bundles[name] = await pageBundle({
        stdin: { contents: entry, resolveDir: dir, loader: 'js' },
        globalName: `smd_${name}`,
      });
    }
    return bundles;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
