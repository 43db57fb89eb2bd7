// Bench: images/s of the explorer's network (LIVE_NET: conv 8–16–32 + BatchNorm, batch 32, SGD
// momentum + weight decay) in headless Chromium — ours (the engine's TypeScript backend, what the
// explorer's worker runs) against TensorFlow.js 4.22.0's cpu and wasm backends (wasm with SIMD,
// and threads: the page is served cross-origin isolated). One page (index.html loading both
// bundles), one tab per backend, timed inside the page, interleaved A B C A B C; medians and the
// ratios ours / each TF.js backend.
//
// Run after a build (npm run build):
//   node bench/explore-speed/run.mjs [--reps 9] [--steps 20] [--batch 32] [--warmup 5]
// Chromium is Debian's /usr/bin/chromium launched as the explorer tests launch it.
import { build } from 'esbuild';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { openBrowser } from '../../packages/test-support/dist/cli/browser-harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const reps = arg('reps', 9);
const steps = arg('steps', 20);
const batch = arg('batch', 32);
const warmup = arg('warmup', 5);

const site = mkdtempSync(join(tmpdir(), 'smd-explore-speed-'));
for (const entry of ['ours-entry.ts', 'tfjs-entry.ts']) {
  await build({
    entryPoints: [join(here, entry)],
    outfile: join(site, entry.replace('-entry.ts', '.js')),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    conditions: ['source'],
    logLevel: 'warning',
  });
}
const wasmDist = dirname(
  createRequire(import.meta.url).resolve(
    '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  ),
);
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  copyFileSync(join(wasmDist, f), join(site, f));
writeFileSync(
  join(site, 'index.html'),
  '<!doctype html><meta charset="utf-8"><title>explore speed</title><script src="ours.js"></script><script src="tfjs.js"></script>',
);

// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, so TF.js's wasm backend
// can use its threaded SIMD build.
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
  if (name.includes('..') || name.includes('/')) return res.writeHead(404).end();
  let body;
  try {
    body = readFileSync(join(site, name));
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, {
    'content-type': types[extname(name)] ?? 'application/octet-stream',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  res.end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}/`;
const session = await openBrowser(origin);

const backends = [
  { name: 'ours (TS backend)', setup: `smdBench.setup(${batch}, 1)`, run: 'smdBench.steps' },
  { name: 'tfjs-cpu', setup: `tfBench.setup('cpu', ${batch}, '${origin}')`, run: 'tfBench.steps' },
  {
    name: 'tfjs-wasm',
    setup: `tfBench.setup('wasm', ${batch}, '${origin}')`,
    run: 'tfBench.steps',
  },
];
try {
  for (const b of backends) {
    b.page = b === backends[0] ? session.page : await session.context.newPage();
    b.page.setDefaultTimeout(600_000); // a loaded machine parses the bundles slowly
    await b.page.goto(origin);
    b.info = await b.page.evaluate(`(async () => String(await ${b.setup}))()`);
    await b.page.evaluate(`(async () => { await ${b.run}(${warmup}); })()`);
    b.ips = [];
  }
  // Interleaved: every rep times each backend once, in a rotating order.
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < backends.length; k++) {
      const b = backends[(r + k) % backends.length];
      await b.page.bringToFront();
      const ms = await b.page.evaluate(
        `(async () => { const t0 = performance.now(); await ${b.run}(${steps}); return performance.now() - t0; })()`,
      );
      b.ips.push((steps * batch * 1000) / ms);
    }
  }
} finally {
  await session.close();
  server.close();
  rmSync(site, { recursive: true, force: true });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
if (session.consoleErrors.length)
  console.log(`console errors: ${session.consoleErrors.join(' | ')}`);
console.log(
  `explore-speed ${new Date().toISOString()} · ${cpus()[0]?.model ?? '?'} × ${cpus().length} · batch ${batch}, ${reps} reps × ${steps} steps (after ${warmup} warm-up steps), interleaved`,
);
console.log('| backend | median images/s | min–max | ours / this |');
console.log('|---|---|---|---|');
const ours = median(backends[0].ips);
for (const b of backends) {
  const m = median(b.ips);
  console.log(
    `| ${b.name} ${b.info === 'undefined' ? '' : `(${b.info})`} | ${m.toFixed(1)} | ${Math.min(...b.ips).toFixed(1)}–${Math.max(...b.ips).toFixed(1)} | ${(ours / m).toFixed(2)}× |`,
  );
}
const best = Math.max(...backends.slice(1).map((b) => median(b.ips)));
console.log(`ours / best TF.js backend: ${(ours / best).toFixed(2)}× (the issue asks ≥ 3×)`);
