#!/usr/bin/env node
// Why a projected run (SGDP/AdamP, `smd train --per-channel`) sits below Δ* = arccos(1 − κ):
// `node scripts/projected-lag.mjs RUN_DIR [--from STEP] [--to STEP]` (docs/optimizers.md).
// 1. Projection count: a projected step is d = −κw − ηP(u) with ⟨w, d⟩ = −κ‖w‖², so its angle
//    angleFromSums(‖w‖², −κ‖w‖², ‖d‖²) (‖d‖² = n·update_rms²) equals the measured Δ; a step the
//    cosine test did not project keeps its radial part and another angle. Counted per probed
//    (step, row): every layer and every output channel.
// 2. Lag: T = (‖d‖² − κ²‖w‖²)/η², the step's tangent energy; per layer ln T is fitted linear in t
//    over the window (fall rate r per step) and a norm tracking T ∝ e^{−rt} at (1−κ)² per step
//    sits at Δ/Δ* = √((e^{−r} − (1−κ)²)/(2κ − κ²)); printed against the measured RMS Δ/Δ*.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { angleFromSums, parseRunConfig } from '@smd/smd';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
};
const from = opt('--from', 0);
const to = opt('--to', Infinity);
const dir = args[0];
if (!dir) {
  console.error('usage: node scripts/projected-lag.mjs RUN_DIR [--from STEP] [--to STEP]');
  process.exit(2);
}
const manifest = join(dir, 'manifest.json');
const raw = JSON.parse(readFileSync(manifest, 'utf8')).config;
const c = { ...raw, ...parseRunConfig(raw, manifest) };
if (c.optimizer !== 'sgdp' && c.optimizer !== 'adamp') {
  console.error(`${manifest}: optimizer is ${c.optimizer}, expected sgdp or adamp`);
  process.exit(2);
}
const ratio = c.wdRatio ?? 0.1;
const kappa = (c.lr * c.weightDecay * ratio) / (c.optimizer === 'sgdp' ? 1 - c.momentum : 1);
const deltaStar = 2 * Math.asin(Math.sqrt(kappa / 2));
const db = new Database(join(dir, 'metrics.sqlite'), { readonly: true });
const metric = Object.fromEntries(
  db
    .prepare('select id, name from probe_metrics')
    .all()
    .map((r) => [r.name, r.id]),
);
const series = db.prepare(
  'select step, channel, value from probes where param_id = ? and metric_id = ? and step >= ? and step <= ?',
);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
let samples = 0;
let projected = 0;
const rows = [];
for (const p of db.prepare('select id, name, shape from params where scale_invariant = 1').all()) {
  const shape = JSON.parse(p.shape);
  const numel = shape.reduce((a, b) => a * b, 1);
  const get = (m) =>
    new Map(series.all(p.id, metric[m], from, to).map((r) => [`${r.channel}:${r.step}`, r.value]));
  const norm = get('norm');
  const rms = get('update_rms');
  const layer = [];
  for (const r of series.all(p.id, metric.delta_rad, from, to)) {
    const key = `${r.channel}:${r.step}`;
    const ww = norm.get(key) ** 2;
    const dd = (r.channel < 0 ? numel : numel / shape[0]) * rms.get(key) ** 2;
    samples++;
    if (Math.abs(angleFromSums(ww, -kappa * ww, dd) / r.value - 1) < 1e-3) projected++;
    if (r.channel < 0) layer.push([r.step, (dd - kappa * kappa * ww) / c.lr ** 2, r.value]);
  }
  const n = layer.length;
  const mt = layer.reduce((s, x) => s + x[0], 0) / n;
  const my = layer.reduce((s, x) => s + Math.log(x[1]), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [t, T] of layer) {
    sxy += (t - mt) * (Math.log(T) - my);
    sxx += (t - mt) ** 2;
  }
  const r = -sxy / sxx;
  const lag = Math.sqrt(Math.max(0, (Math.exp(-r) - (1 - kappa) ** 2) / (2 * kappa - kappa ** 2)));
  const measured = Math.sqrt(layer.reduce((s, x) => s + x[2] ** 2, 0) / n) / deltaStar;
  const noise = c.optimizer === 'adamp' ? (numel * (1 - c.betas[0])) / (1 + c.betas[0]) : NaN;
  rows.push({ name: p.name, measured, lag, r, tNoise: Math.exp(my) / noise });
}
const f3 = (x) => x.toFixed(3);
console.log(`${dir}: κ = ${kappa}, Δ* = ${deltaStar.toPrecision(4)}, steps ${from}–${to}`);
console.log(
  `projected: ${projected} of ${samples} probed (step, row) samples (${f3((100 * projected) / samples)}%) have Δ = the projected angle within 0.1%`,
);
console.log(
  '| layer | measured RMS Δ/Δ* | lag prediction | T fall per 1,000 steps | T / (d(1−β1)/(1+β1)) |',
);
console.log('|---|---|---|---|---|');
for (const x of rows) {
  console.log(
    `| ${x.name} | ${f3(x.measured)} | ${f3(x.lag)} | ${f3(1000 * x.r)} | ${f3(x.tNoise)} |`,
  );
}
console.log(
  `| median | ${f3(median(rows.map((x) => x.measured)))} | ${f3(median(rows.map((x) => x.lag)))} | ${f3(1000 * median(rows.map((x) => x.r)))} | ${f3(median(rows.map((x) => x.tNoise)))} |`,
);
