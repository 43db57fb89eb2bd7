#!/usr/bin/env node
// Measured vs predicted equilibrium angular update per optimizer, from `smd train` run folders
// (trained with --per-channel): `node scripts/optimizer-table.mjs RUN_DIR... [--from F]`.
// Per run: the window is the last (1 − F) of the probed steps (default F = 0.6), or for the
// rotational variants also the first 20% (they hold their target from step 0). Per layer: RMS
// of Δ_t over the window; per neuron: RMS of each output channel's Δ_t; spread = std/mean of
// the per-neuron RMS values across a layer. Prints a Markdown table (docs/optimizers.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  adamL2Equilibrium,
  optimizerDynamics,
  parseRunConfig,
  projectedEquilibriumDelta,
  spreadOf,
} from '@smd/smd';
import { equilibriumRotation } from '@smd/engine/rotational-rules';

const args = process.argv.slice(2);
const fi = args.indexOf('--from');
const FROM = fi >= 0 ? Number(args.splice(fi, 2)[1]) : 0.6;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f3 = (x) => (Number.isFinite(x) ? x.toPrecision(3) : 'n/a');
const rms = (xs) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

/** Δ* of the optimizer's recurrence (what `smd predict` reports) at the run's η. */
const equilibriumDelta = (h) => optimizerDynamics(h).deltaStar(h.lr);

/** The manifest's config: canonical fields (parseRunConfig; old folders' `wd` too) + the rest. */
function readConfig(dir) {
  const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).config;
  return { ...raw, ...parseRunConfig(raw, join(dir, 'manifest.json')) };
}

/** Predicted Δ* per neuron given the run config (null: no single value). */
function predictor(c) {
  const betas = c.betas ?? [0.9, 0.999];
  const wdRatio = c.wdRatio ?? 0.1;
  switch (c.optimizer) {
    case 'sgd':
      return {
        label: 'SGD',
        pred: () => equilibriumDelta({ optimizer: 'sgd', lr: c.lr, wd: c.weightDecay }),
      };
    case 'sgdm': {
      const optimizer = c.nesterov ? 'nesterov' : 'sgdm';
      const label = c.nesterov ? 'Nesterov' : 'SGDM';
      return {
        label,
        pred: () =>
          equilibriumDelta({ optimizer, lr: c.lr, wd: c.weightDecay, momentum: c.momentum }),
      };
    }
    case 'adamw':
    case 'lion':
      return {
        label: c.optimizer === 'lion' ? 'Lion' : 'AdamW',
        pred: () =>
          equilibriumDelta({ optimizer: c.optimizer, lr: c.lr, wd: c.weightDecay, betas }),
      };
    case 'adam':
      // Adam + L2: one Δ per neuron from its own L_i and fan-in d (no single value)
      return {
        label: 'Adam+L2',
        perNeuron: (dim, L) =>
          adamL2Equilibrium({ lr: c.lr, wd: c.weightDecay, beta1: betas[0] }, dim, L).deltaRad,
      };
    case 'sgdp':
    case 'adamp':
      return {
        label: `${c.optimizer === 'sgdp' ? 'SGDP' : 'AdamP'} (r ${wdRatio})`,
        pred: () =>
          projectedEquilibriumDelta({
            optimizer: c.optimizer,
            lr: c.lr,
            wd: c.weightDecay,
            momentum: c.momentum,
            wdRatio,
          }),
      };
    default: {
      const inner = c.optimizer.slice(3);
      const target = equilibriumRotation(inner, {
        lr: c.lr,
        weightDecay: c.weightDecay,
        momentum: c.momentum,
        betas,
      });
      return {
        label: `RV-${inner === 'sgdm' ? 'SGDM' : inner === 'adamw' ? 'AdamW' : 'Lion'} (${c.rotation ?? 'neuron'})`,
        pred: () => target,
        rotational: true,
      };
    }
  }
}

function analyze(dir, window) {
  const cfg = readConfig(dir);
  const db = new Database(join(dir, 'metrics.sqlite'), { readonly: true });
  const maxStep = db.prepare('select max(step) as s from probe_samples').get().s;
  const [lo, hi] =
    window === 'early' ? [0, Math.floor(0.2 * maxStep)] : [Math.floor(FROM * maxStep), maxStep];
  const rows = db
    .prepare(
      "select param, channel, metric, value from probe_samples where metric in ('delta_rad','unit_grad_sq_norm') and step between ? and ?",
    )
    .all(lo, hi);
  const shapes = new Map(
    db
      .prepare('select name, shape from params')
      .all()
      .map((r) => [r.name, JSON.parse(r.shape ?? '[]')]),
  );
  const byKey = new Map();
  for (const r of rows) {
    const k = `${r.param}|${r.channel ?? -1}|${r.metric}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(r.value);
  }
  const p = predictor(cfg);
  const layerRatios = [];
  const neuronRatios = [];
  const spreads = [];
  const predSpreads = [];
  const params = [...new Set(rows.map((r) => r.param))];
  for (const param of params) {
    const shape = shapes.get(param) ?? [];
    const out = shape[0];
    const dim = shape.slice(1).reduce((a, b) => a * b, 1);
    const layer = rms(byKey.get(`${param}|-1|delta_rad`) ?? []);
    const neurons = [];
    const preds = [];
    for (let c = 0; c < out; c++) {
      const d = byKey.get(`${param}|${c}|delta_rad`);
      if (!d) continue;
      neurons.push(rms(d));
      if (p.perNeuron) {
        const L = byKey.get(`${param}|${c}|unit_grad_sq_norm`);
        preds.push(p.perNeuron(dim, L.reduce((s, x) => s + x, 0) / L.length));
      }
    }
    if (neurons.length < 2) continue;
    spreads.push(spreadOf(neurons).cv);
    if (p.perNeuron) {
      predSpreads.push(spreadOf(preds).cv);
      neurons.forEach((n, i) => neuronRatios.push(n / preds[i]));
      layerRatios.push(layer / rms(preds));
    } else {
      const pred = p.pred();
      layerRatios.push(layer / pred);
      for (const n of neurons) neuronRatios.push(n / pred);
    }
  }
  const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
  return {
    run: dir.split('/').pop(),
    label: p.label + (window === 'early' ? `, steps ${lo}–${hi}` : `, steps ${lo}–${hi}`),
    hyper: `η ${cfg.lr}, λ ${cfg.weightDecay}${cfg.momentum ? `, α ${cfg.momentum}` : ''}`,
    pred: p.pred ? f3(p.pred()) : 'per neuron',
    layers: layerRatios.length,
    layer: `${f3(median(layerRatios))} (${f3(Math.min(...layerRatios))}–${f3(Math.max(...layerRatios))})`,
    neuron: `${f3(median(neuronRatios))} (${f3(pct(neuronRatios, 0.1))}–${f3(pct(neuronRatios, 0.9))})`,
    spread: f3(median(spreads)),
    predSpread: p.perNeuron ? f3(median(predSpreads)) : '0',
  };
}

console.log(
  '| run | optimizer, window | hyper-parameters | predicted Δ* (rad) | layers | measured/predicted per layer: median (min–max) | per neuron: median (p10–p90) | neuron spread std/mean, measured | predicted |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const dir of args) {
  const cfg = readConfig(dir);
  const windows = cfg.optimizer.startsWith('rv-') ? ['early', 'late'] : ['late'];
  for (const w of windows) {
    const r = analyze(dir, w);
    console.log(
      `| ${r.run} | ${r.label} | ${r.hyper} | ${r.pred} | ${r.layers} | ${r.layer} | ${r.neuron} | ${r.spread} | ${r.predSpread} |`,
    );
  }
}
