// Dynamics vs PyTorch: per conv layer, mean Δ_t over the last 200 steps ÷ Δ*, mean |radial
// cosine| and test accuracy of `smd train`'s default job (16/32/64 ResNet, SGDM η 0.1 α 0.9
// λ 5e-4 on all parameters, batch 128, Fashion-MNIST, 6 epochs = 2808 steps) next to the
// PyTorch reference (bench/reference-run/reference.py → pytorch.json). Prints the table and
// writes it into bench/RESULTS.md, section "Dynamics vs PyTorch".
//
//   npm run build
//   /usr/bin/python3 bench/reference-run/reference.py          # ~6–45 min on 2 shared cores
//   node bench/reference-run/compare.mjs                        # trains ours (native backend), ~10 min
//   node bench/reference-run/compare.mjs --run runs/<id>        # or: compare an existing run
//   ... --noise other-seed.json   adds PyTorch with another --seed (reference.py --seed 1 --out …)
//                                 to show how much the ratios move between seeds alone
//
// Goal: every layer's ratio within 0.05 of PyTorch's, the median within 0.03.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricStore, readManifest } from '@smd/runs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const window = Number(argOf('--window') ?? 200);
const refPath = argOf('--reference') ?? join(here, 'pytorch.json');
if (!existsSync(refPath)) {
  console.error(
    `compare: ${refPath} missing; run /usr/bin/python3 bench/reference-run/reference.py first`,
  );
  process.exit(1);
}
const ref = JSON.parse(readFileSync(refPath, 'utf8'));
const noisePath = argOf('--noise');
const noise = noisePath ? JSON.parse(readFileSync(noisePath, 'utf8')) : null;
const noiseBy = new Map((noise?.layers ?? []).map((l) => [l.param, l]));

let runDir = argOf('--run');
if (runDir === undefined) {
  const root = mkdtempSync(join(tmpdir(), 'smd-compare-'));
  const flags = [
    'train',
    '--epochs',
    String(ref.setting.epochs),
    '--out',
    root,
    '--name',
    'vs-pytorch',
  ];
  flags.push('--backend', argOf('--backend') ?? 'auto', '--checkpoint-every', '1000');
  console.error(`compare: node packages/cli/dist/main.js ${flags.join(' ')}`);
  execFileSync(process.execPath, [join(repo, 'packages/cli/dist/main.js'), ...flags], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  runDir = join(
    root,
    readdirSync(root).find((n) => !n.startsWith('.')),
  );
}
runDir = resolve(runDir);
const manifest = readManifest(runDir);
const store = MetricStore.open(join(runDir, 'metrics.sqlite'), { readonly: true });
const lastStep = store.latestStep();
const from = lastStep - window + 1;
const mean = (v, abs = false) => {
  let s = 0;
  for (const x of v) s += abs ? Math.abs(x) : x;
  return s / v.length;
};
const ours = new Map();
for (const p of store.params().filter((p) => p.scaleInvariant)) {
  const delta = store.readProbe(p.name, 'delta_rad', { fromStep: from }).values;
  const ds = store.readProbe(p.name, 'delta_star', { fromStep: from }).values;
  const cos = store.readProbe(p.name, 'radial_cos', { fromStep: from }).values;
  ours.set(p.name, { ratio: mean(delta) / ds[ds.length - 1], cos: mean(cos, true) });
}
const testAcc = store.readScalars('test_acc').values;
store.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = [];
let worst = 0;
let worstNoise = 0;
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
for (const l of ref.layers) {
  const o = ours.get(l.param);
  const n = noiseBy.get(l.param);
  const noiseCells = noise
    ? n
      ? ` ${n.ratio.toFixed(3)} | ${signed(n.ratio - l.ratio)} |`
      : ' | |'
    : '';
  if (n) worstNoise = Math.max(worstNoise, Math.abs(n.ratio - l.ratio));
  if (!o) {
    rows.push(`| ${l.param} | ${l.ratio.toFixed(3)} | (not probed) | | | |${noiseCells}`);
    continue;
  }
  const diff = o.ratio - l.ratio;
  worst = Math.max(worst, Math.abs(diff));
  rows.push(
    `| ${l.param} | ${l.ratio.toFixed(3)} | ${o.ratio.toFixed(3)} | ${signed(diff)} | ${l.radial_cos.toExponential(1)} | ${o.cos.toExponential(1)} |${noiseCells}`,
  );
}
const medRef = median(ref.layers.map((l) => l.ratio));
const medOurs = median([...ours.values()].map((o) => o.ratio));
const accOurs = testAcc[testAcc.length - 1];
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
const pass = worst <= 0.05 && Math.abs(medOurs - medRef) <= 0.03;
const section = `## Dynamics vs PyTorch (bench/reference-run)

Default \`smd train\` job — 16/32/64 ResNet, SGD momentum 0.9, η 0.1, λ 5e-4 on all parameters,
batch 128 (drop_last), Fashion-MNIST, ${ref.setting.epochs} epochs = ${ref.setting.steps} steps, constant lr — against
\`bench/reference-run/reference.py\` (${ref.framework}, same setting, torch default init, different
random streams). Per conv layer: mean Δ_t over the last ${window} steps ÷ Δ* (Δ* = ${ref.delta_star.toFixed(6)}),
and mean |radial cosine| over the same steps. Measured ${date} UTC, load ${load}, our backend
\`${manifest.backend}\`, run \`${manifest.id}\`. \`node bench/reference-run/compare.mjs\` regenerates it.

| conv weight | PyTorch Δ/Δ* | smd Δ/Δ* | difference | PyTorch \\|cos\\| | smd \\|cos\\| |${noise ? ` PyTorch seed ${noise.setting.seed} Δ/Δ* | seed difference |` : ''}
|---|---|---|---|---|---|${noise ? '---|---|' : ''}
${rows.join('\n')}
| **median** | **${medRef.toFixed(3)}** | **${medOurs.toFixed(3)}** | ${signed(medOurs - medRef)} | | |${noise ? ` **${noise.median_ratio.toFixed(3)}** | ${signed(noise.median_ratio - medRef)} |` : ''}

Test accuracy after ${ref.setting.epochs} epochs: PyTorch ${(ref.test_acc * 100).toFixed(2)}%, smd ${(accOurs * 100).toFixed(2)}%.
Largest per-layer difference ${worst.toFixed(3)} (goal ≤ 0.05), median difference
${Math.abs(medOurs - medRef).toFixed(3)} (goal ≤ 0.03): **${pass ? 'met' : 'not met'}**.${
  noise
    ? `\nPyTorch against itself with seed ${noise.setting.seed}: largest per-layer difference ${worstNoise.toFixed(3)}, median difference ${Math.abs(noise.median_ratio - medRef).toFixed(3)}, test accuracy ${(noise.test_acc * 100).toFixed(2)}% — the seed-to-seed spread of a 200-step window.`
    : ''
}
`;
console.log(section);
const resultsPath = join(repo, 'bench', 'RESULTS.md');
let text = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '# Benchmark results\n';
const start = text.indexOf('## Dynamics vs PyTorch');
if (start >= 0) {
  const next = text.indexOf('\n## ', start + 5);
  text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
} else text = text.trimEnd() + '\n\n' + section;
writeFileSync(resultsPath, text);
console.error(`compare: wrote the section into ${resultsPath}`);
