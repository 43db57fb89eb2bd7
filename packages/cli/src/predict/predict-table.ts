/** Human-readable (`--format table`) output of `smd predict`. */
import { epochs, int, pct, sig, textTable } from '../format/numbers.js';
import { optimizerOf, type Prediction } from '@smd/smd/predict';
import { normSetByDim } from '@smd/smd';
import {
  algoLabel,
  definitions,
  shortVerdict,
  summarizeAssumptions,
  verdict,
} from './predict-text.js';

/** "−1/2" or "−1/4": the power of k in the rescaling factor (normSetByDim's two families). */
function rescalePowerOf(p: Prediction): string {
  return normSetByDim(optimizerOf(p.options)) ? '−1/2' : '−1/4';
}

function header(p: Prediction): string {
  const o = p.options;
  const rescalePower = rescalePowerOf(p);
  const algo = algoLabel(o);
  const start = p.startsAtEquilibrium
    ? `‖w_0‖ = ${sig(p.initialNorm, 4)} (equilibrium of the first step's η; set --w0 to start elsewhere)`
    : `‖w_0‖ = ${sig(p.initialNorm, 4)} (momentum buffer 0)`;
  const lines = [
    `smd predict — Spherical Motion Dynamics of scale-invariant weights (${optimizerOf(o) === 'sgd' || optimizerOf(o) === 'sgdm' ? 'mean-field recurrence' : 'its recurrence, docs/optimizers.md'})`,
    `  ${algo}, η = ${sig(o.lr)}, λ = ${sig(o.wd)}`,
    o.stepsPerEpoch > 1
      ? `  schedule ${o.schedule}: ${int(o.totalSteps)} steps = ${epochs(o.totalSteps / o.stepsPerEpoch)} epochs × ${int(o.stepsPerEpoch)} steps/epoch`
      : `  schedule ${o.schedule}: ${int(o.totalSteps)} steps`,
    `  start ${start}`,
    `  rescaling trick: ${o.rescale ? `ON (w × k^(${rescalePower}) at every η ÷ k)` : 'off (see "--rescale" below)'}`,
  ];
  if (p.continuousReason) {
    lines.push(
      `  note: ${p.continuousReason}; where η varies, phases are pieces of ≤ 10% of the run ("→η" = η at the piece's last step, used for Δ*, ‖w*‖, τ; "reaches" compares Δ_t with the Δ* of each step's η)`,
    );
  }
  return lines.join('\n') + '\n';
}

function phaseTable(p: Prediction): string {
  const o = p.options;
  const band = `±${sig(o.tolerance * 100, 3)}%`;
  // One range column: epochs, or steps when there are no epochs (--steps without --steps-per-epoch).
  const inEpochs = o.stepsPerEpoch > 1;
  const rows = p.phases.map((ph) => [
    String(ph.index),
    inEpochs
      ? `${epochs(ph.startEpoch)}–${epochs(ph.endEpoch)}`
      : `${int(ph.startStep)}–${int(ph.endStep)}`,
    ph.lrVaries ? `→${sig(ph.lr, 4)}` : sig(ph.lr, 4),
    sig(ph.deltaStarRad),
    sig(ph.deltaStarDeg),
    sig(ph.normStar, 4),
    int(ph.timeConstantSteps),
    ...(inEpochs ? [epochs(ph.timeConstantEpochs)] : []),
    pct(ph.outcome.deltaEndPct),
    pct(ph.outcome.normEndPct),
    verdict(ph.outcome, ph.endStep - ph.startStep, o.stepsPerEpoch),
  ]);
  return textTable(
    [
      'phase',
      inEpochs ? 'epochs' : 'steps',
      'η',
      'Δ* (rad)',
      'Δ* (°)',
      '‖w*‖',
      'τ (steps)',
      ...(inEpochs ? ['τ (ep)'] : []),
      'Δ_end/Δ*',
      '‖w‖_end/‖w*‖',
      `reaches equilibrium (${band})`,
    ],
    rows,
    [true, false, true, true, true, true, true, ...(inEpochs ? [true] : []), true, true, false],
  );
}

function dropLines(p: Prediction): string {
  const o = p.options;
  const rescalePower = rescalePowerOf(p);
  if (p.drops.length === 0) return 'lr drops: none (the rescaling trick changes nothing)\n';
  const spe = o.stepsPerEpoch;
  const out: string[] = [
    o.rescale
      ? 'lr drops, with the rescaling trick applied (and what happens without it):'
      : 'lr drops, and what the rescaling trick (--rescale) would change:',
  ];
  for (const d of p.drops) {
    const ph = p.phases[d.phaseIndex - 1];
    out.push(
      `  epoch ${epochs(d.epoch)} (step ${int(d.step)}): η ÷ ${sig(d.k, 4)} → ${sig(ph.lr, 4)}, new Δ* = ${sig(ph.deltaStarRad)} rad; ` +
        (ph.corollarySteps === null
          ? ''
          : `Corollary 3.1 bound ≥ ${int(ph.corollarySteps)} steps, `) +
        `pure norm decay ${int(ph.normDecaySteps ?? NaN)} steps`,
    );
    out.push(
      `    without rescaling: ‖w‖ = ${sig(d.normNoRescale, 4)} at the drop (new ‖w*‖ = ${sig(d.normStarNew, 4)}), Δ falls to ` +
        `${sig(d.deltaAfterRad, 4)} rad (${pct(d.deltaAfterPct)} of Δ*); phase ${d.phaseIndex} ${shortVerdict(d.withoutRescale, spe)}`,
    );
    out.push(
      `    ${o.rescale ? 'with rescaling at every drop' : 'with --rescale at every drop'}: w × ${sig(d.factor, 4)} (= ${sig(d.k, 4)}^(${rescalePower})), ‖w‖ ${sig(d.normBeforeRescale, 4)} → ` +
        `${sig(d.normRescaled, 4)}; phase ${d.phaseIndex} ${shortVerdict(d.withRescale, spe)}`,
    );
  }
  return out.join('\n') + '\n';
}

function assumptionLines(p: Prediction): string {
  if (p.phases.every((ph) => ph.assumptions.length === 0)) {
    return 'assumption checks: the paper’s Theorems 1–3 cover sgd/sgdm only\n';
  }
  const out = ['assumption checks (Theorems 1–3 of the paper, at each phase’s η):'];
  for (const a of summarizeAssumptions(p)) {
    const mark = a.holds === null ? 'n/a ' : a.holds ? 'ok  ' : 'FAIL';
    out.push(`  ${mark} ${a.description}: ${a.detail}`);
  }
  return out.join('\n') + '\n';
}

function legend(p: Prediction): string {
  const d = definitions(p.options.tolerance, optimizerOf(p.options));
  const rows: [string, string][] = [
    ['reaches', d.reaches],
    ['NO: needs', d.stepsNeeded],
    ['Δ*', d.deltaStar],
    ['‖w*‖', d.normStar],
    ['τ', d.timeConstant],
    ['Δ_end/Δ*', d.deltaEndPct],
    ['‖w‖_end/‖w*‖', d.normEndPct],
    ['trajectory', d.trajectory],
  ];
  return ['legend:', ...rows.map(([k, v]) => `  ${k}: ${v}.`)].join('\n') + '\n';
}

/** Renders the whole prediction as text. */
export function formatPredictTable(p: Prediction): string {
  return [header(p), phaseTable(p), dropLines(p), assumptionLines(p), legend(p)].join('\n');
}
