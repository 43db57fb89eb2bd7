// Paired noise: how far apart per-layer windowed Δ/Δ* land when two trainings start from the SAME
// init and see the SAME batches (lockstep.py --steps N dumps both; lockstep.mjs replays them in
// smd), and differ only in floating-point rounding — smd vs PyTorch ("cross"), and each engine
// against itself at another thread count ("self"). If cross ≈ self, the two engines cannot be told
// apart at this window length: the difference is the dynamics' own sensitivity, not the engine.
//
//   node bench/reference-run/paired-noise.mjs DIR[,DIR…] [--torch-self DIR_T1] [--windows 200,500]
// DIR holds torch.json (lockstep.py) and ours-native-float32-t1.json / -t2.json (lockstep.mjs);
// DIR_T1 is the same seed's lockstep.py run at --threads 1 (its torch.json), paired with the first DIR.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const fail = (m) => {
  console.error(`paired-noise: ${m}`);
  process.exit(2);
};
if (args.length === 0)
  fail('usage: paired-noise.mjs DIR[,DIR…] [--torch-self DIR_T1] [--windows 200,500]');
const dirs = args[0].split(',');
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : (args[i + 1] ?? fail(`${name} needs a value`));
};
const windows = flag('--windows', '200,500').split(',').map(Number);
const torchSelf = flag('--torch-self', null);
const read = (p) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : fail(`${p} missing`));

/** per conv weight Δ_t series of torch.json (lockstep.py) */
const torchSeries = (dir) => {
  const t = read(`${dir}/torch.json`);
  const out = {};
  for (const st of t.steps_rec)
    for (const [n, d] of Object.entries(st.delta)) (out[n] ??= []).push(d);
  return { series: out, wd: t.wd ?? 5e-4 };
};
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const ratios = (series, w, dStar) =>
  Object.fromEntries(Object.entries(series).map(([n, d]) => [n, mean(d.slice(-w)) / dStar]));
/** per-layer differences b − a of the window ratios: RMS, median |diff|, max |diff| */
const compare = (a, b) => {
  const d = Object.keys(a).map((n) => b[n] - a[n]);
  const abs = d.map(Math.abs).sort((x, y) => x - y);
  return {
    rms: Math.sqrt(mean(d.map((x) => x * x))),
    medAbs: abs[abs.length >> 1],
    max: abs[abs.length - 1],
    mean: mean(d),
  };
};
const rows = [];
for (const [i, dir] of dirs.entries()) {
  const { series: torch, wd } = torchSeries(dir);
  const dStar = Math.acos(1 - (0.1 * wd) / 1.9);
  const ours = {};
  for (const t of ['1', '2']) {
    const p = `${dir}/ours-native-float32-t${t}.json`;
    if (existsSync(p)) ours[t] = read(p).delta;
  }
  for (const w of windows) {
    const T = ratios(torch, w, dStar);
    const pairs = [];
    for (const [t, s] of Object.entries(ours))
      pairs.push([`smd t${t} − PyTorch t2`, 'cross', T, ratios(s, w, dStar)]);
    if (ours['1'] && ours['2'])
      pairs.push([
        'smd t2 − smd t1',
        'self',
        ratios(ours['1'], w, dStar),
        ratios(ours['2'], w, dStar),
      ]);
    if (torchSelf && i === 0)
      pairs.push([
        'PyTorch t1 − PyTorch t2',
        'self',
        T,
        ratios(torchSeries(torchSelf).series, w, dStar),
      ]);
    for (const [label, kind, a, b] of pairs) rows.push({ dir, w, label, kind, ...compare(a, b) });
  }
}
console.log(
  '| run (same init, same batches) | W | pair | kind | mean diff | RMS diff | median abs diff | largest abs diff |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.dir.split('/').pop()} | ${r.w} | ${r.label} | ${r.kind} | ${r.mean >= 0 ? '+' : ''}${r.mean.toFixed(3)} | ${r.rms.toFixed(3)} | ${r.medAbs.toFixed(3)} | ${r.max.toFixed(3)} |`,
  );
for (const w of windows)
  for (const kind of ['cross', 'self']) {
    const sel = rows.filter((r) => r.w === w && r.kind === kind);
    if (sel.length)
      console.log(
        `W ${w} ${kind}: RMS of per-layer diffs, mean over pairs ${mean(sel.map((r) => r.rms)).toFixed(3)} (${sel.length} pairs)`,
      );
  }
