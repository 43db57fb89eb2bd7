/**
 * The theory view's phase table and list of lr drops, built from a prediction (the same numbers
 * `smd predict` prints). Pure DOM construction; the data-* attributes are what the Chromium tests
 * read.
 */
import type { PhaseOutcome, Prediction } from '@smd/smd/predict';
import { h, num } from '../app/dom.js';

export function pct(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(1)}%` : '–';
}

export function int(v: number): string {
  return Math.round(v).toLocaleString('en');
}

/** "yes, after 9 steps" / "NO: needs 1,111,696 steps (222 ep)" for one phase outcome. */
export function outcomeText(o: PhaseOutcome, spe: number, searched: boolean): string {
  if (o.reaches) {
    return o.stepsToWithin === 0
      ? 'yes, from the start'
      : `yes, after ${int(o.stepsToWithin ?? 0)} steps (${num((o.stepsToWithin ?? 0) / spe)} ep)`;
  }
  if (o.stepsNeeded !== null)
    return `NO: needs ${int(o.stepsNeeded)} steps (${num(o.stepsNeeded / spe)} ep)`;
  return searched ? 'NO: needs > 10,000,000 steps' : 'NO (searching how long it needs…)';
}

/** The phase table: Δ*, ‖w*‖, τ, end-of-phase ratios and "reaches equilibrium?" in both modes. */
export function phaseTable(p: Prediction, searched: boolean): HTMLElement {
  const input = p.options;
  const spe = input.stepsPerEpoch;
  const mode = input.rescale ? 'with rescaling' : 'no rescaling';
  const otherMode = input.rescale ? 'no rescaling' : 'with rescaling';
  const head = [
    'phase',
    'epochs',
    'η',
    'Δ* (rad)',
    '‖w*‖',
    'τ (steps)',
    'τ (ep)',
    'Δ_end/Δ*',
    '‖w‖_end/‖w*‖',
    `reaches equilibrium (${mode})`,
    `(${otherMode})`,
  ];
  const rows = p.phases.map((ph) =>
    h(
      'tr',
      {
        'data-phase': String(ph.index),
        'data-delta-star': String(ph.deltaStarRad),
        'data-delta-end-pct': String(ph.outcome.deltaEndPct),
        'data-norm-end-pct': String(ph.outcome.normEndPct),
        'data-reaches': String(ph.outcome.reaches),
        'data-other-reaches': String(ph.other.reaches),
      },
      h('td', {}, String(ph.index)),
      h('td', {}, `${num(ph.startEpoch)}–${num(ph.endEpoch)}`),
      h('td', {}, num(ph.lr) + (ph.lrVaries ? ' (varies)' : '')),
      h('td', {}, num(ph.deltaStarRad)),
      h('td', {}, num(ph.normStar)),
      h('td', {}, int(ph.timeConstantSteps)),
      h('td', {}, num(ph.timeConstantEpochs)),
      h('td', {}, pct(ph.outcome.deltaEndPct)),
      h('td', {}, pct(ph.outcome.normEndPct)),
      h('td', { class: ph.outcome.reaches ? 'yes' : 'no' }, outcomeText(ph.outcome, spe, searched)),
      h('td', { class: ph.other.reaches ? 'yes' : 'no' }, outcomeText(ph.other, spe, searched)),
    ),
  );
  return h(
    'table',
    { class: 'phases' },
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows),
  );
}

/** The lr drops, each without and with the rescaling trick (`betas`: AdamW/Lion's k^(−1/2)). */
export function dropList(p: Prediction, betas: boolean): HTMLElement {
  return p.drops.length === 0
    ? h('p', {}, 'This schedule has no learning-rate drop.')
    : h(
        'ul',
        { class: 'drops' },
        ...p.drops.map((d) =>
          h(
            'li',
            { 'data-drop-step': String(d.step) },
            `epoch ${num(d.epoch)} (step ${int(d.step)}): η ÷ ${num(d.k)}. Without rescaling Δ falls to ${pct(d.deltaAfterPct)} of the new Δ* and phase ${d.phaseIndex} ${d.withoutRescale.reaches ? 'reaches' : 'does NOT reach'} it (ends at ${pct(d.withoutRescale.deltaEndPct)}); with w × ${num(d.factor)} (= k^(${betas ? '−1/2' : '−1/4'})) it ${d.withRescale.reaches ? `reaches it after ${int(d.withRescale.stepsToWithin ?? 0)} steps` : 'does NOT reach it'}.`,
          ),
        ),
      );
}
