// Bundles the web app (src/app/main.ts + uPlot) into dist/app.js and dist/app.css, and the
// explorer (src/explore/explore-main.ts, with its workers src/explore/live-worker.ts and
// src/explore/theory-worker.ts inlined) into dist/explore.js and dist/explore.css, with esbuild.
// Run by `npm run build -w @smd/web` (the root build calls it after tsc -b). Writes through a
// temp file + rename, so a concurrent reader never sees half a bundle.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkg, 'dist');
mkdirSync(dist, { recursive: true });
const tag = `${process.pid}-${Date.now()}`;

/** Bundles one entry (iife, minified, browser) and returns its text. */
async function bundle(entry, define = {}) {
  const r = await build({
    entryPoints: [join(pkg, entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    conditions: ['source'],
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
    define,
  });
  return r.outputFiles[0].text;
}

const js = await bundle('src/app/main.ts');
// The workers are inlined into the explorer as strings and started from blob: URLs.
const workerJs = await bundle('src/explore/live-worker.ts');
const theoryWorkerJs = await bundle('src/explore/theory-worker.ts');
const exploreJs = await bundle('src/explore/explore-main.ts', {
  __SMD_LIVE_WORKER__: JSON.stringify(workerJs),
  __SMD_THEORY_WORKER__: JSON.stringify(theoryWorkerJs),
});
const require = createRequire(import.meta.url);
const uplotCss = readFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), 'utf8');
const css = `${uplotCss}\n${readFileSync(join(pkg, 'src/app/style.css'), 'utf8')}`;
const exploreCss = `${css}\n${readFileSync(join(pkg, 'src/explore/explore.css'), 'utf8')}`;
const files = [
  ['app.js', js],
  ['app.css', css],
  ['explore.js', exploreJs],
  ['explore.css', exploreCss],
];
for (const [name, text] of files) {
  const tmp = join(dist, `.${name}.${tag}`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dist, name));
}
console.log(
  `@smd/web: ${files.map(([n, t]) => `dist/${n} ${(t.length / 1024).toFixed(0)} KiB`).join(', ')}`,
);
