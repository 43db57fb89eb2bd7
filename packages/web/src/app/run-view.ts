/**
 * The page body for one or two runs (static report and dashboard run page): controls (layer
 * picker, log/linear), alerts, the figures (a)–(d) and, per run, the facts, the per-layer table
 * and the assumption checks. `update` redraws in place for live data.
 */
import { defaultLayer, reportFigures, type FigureModel } from '../model/figures.js';
import type { RunData } from '../model/run-data.js';
import { FigureView } from './chart.js';
import { h, num } from './dom.js';

const VERDICT_TEXT: Record<string, string> = {
  equilibrium: 'equilibrium',
  transient: 'transient',
  not_scale_invariant: 'not scale-invariant',
  no_weight_decay: 'no weight decay',
  optimizer_not_covered: 'optimizer not covered',
  no_data: 'no data',
};

function runHeader(run: RunData): HTMLElement {
  const c = run.config;
  const facts = h('dl', { class: 'facts' });
  const add = (k: string, v: string): void => {
    facts.append(h('dt', {}, k), h('dd', {}, v));
  };
  add('run', run.id);
  add('status', `${run.status} · step ${run.cursor}`);
  add(
    'optimizer',
    `${c.optimizer}${c.momentum > 0 ? ` α=${c.momentum}` : ''}, λ=${num(c.weightDecay)}${c.nesterov ? ', Nesterov' : ''}`,
  );
  add('schedule', `η₀=${num(c.lr)}, ${c.schedule}; now η=${num(run.lr)}`);
  add('probe', `every ${run.every} step(s), window ${run.windowSteps} steps`);
  const a = run.analysis;
  add(
    'analysis',
    a === null
      ? 'computing in the background (long run): the table, verdicts and predictions follow'
      : a.mode === 'offline'
        ? 'offline: L_t from centred windows, segmented at lr changes'
        : 'live: L_t from trailing windows; alert band widened by the measured lag',
  );
  for (const [k, v] of Object.entries(run.facts)) {
    if (!['optimizer', 'schedule', 'lr', 'momentum', 'weightDecay', 'wd'].includes(k)) add(k, v);
  }
  return h('section', { class: 'run-head' }, h('h2', {}, run.name), facts);
}

const pct = (x: number | null): string =>
  x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`;

/** One line: how well Δ* and the per-layer recurrence explain the layers (last window). */
function verdictLine(run: RunData): HTMLElement {
  if (run.analysis === null)
    return h(
      'p',
      { class: 'verdicts pending', 'data-pending': '1' },
      run.coarse ? 'Analysis pending… (curves: a coarse preview until then)' : 'Analysis pending…',
    );
  const v = run.analysis.verdicts;
  const text = v.predictable
    ? `Last window: RMS Δ vs Δ* off by ${pct(v.medianStarError)} median / ${pct(v.worstStarError)} worst layer; vs the per-layer mean-field Δ by ${pct(v.medianPredictedError)} / ${pct(v.worstPredictedError)}. The recurrence explains ${pct(v.explainedSpread)} of the layers' spread around Δ*.`
    : `The optimizer (${run.config.optimizer}) is not SGD/SGDM with coupled decay: no SMD prediction.`;
  return h('p', { class: 'verdicts', 'data-explained': String(v.explainedSpread) }, text);
}

function layerTable(run: RunData): HTMLElement {
  const head = h(
    'tr',
    {},
    ...[
      'layer',
      'RMS Δ',
      'Δ*',
      'mean-field Δ',
      'err vs Δ*',
      'err vs mean-field',
      '‖w‖',
      'w*',
      '‖w‖/w*',
      '|radial cos|',
      'verdict',
      'checks',
    ].map((t) => h('th', {}, t)),
  );
  const rows = (run.analysis?.table ?? []).map((r) => {
    const checks = r.assumptions
      .map(
        (a) =>
          `${a.id === 'lower-bound-l' ? 'l' : a.id === 'smoothness' ? 'smooth' : a.id} ${a.holds === null ? '?' : a.holds ? '✓' : '✗'}`,
      )
      .join(' ');
    return h(
      'tr',
      { 'data-param': r.param, 'data-verdict': r.verdict, title: r.summary },
      h('td', { class: 'param' }, r.param),
      h('td', {}, num(r.deltaRms)),
      h('td', {}, num(r.deltaStar)),
      h('td', {}, num(r.deltaPredicted)),
      h('td', {}, pct(r.starError)),
      h('td', { class: 'err-mf' }, pct(r.predictedError)),
      h('td', {}, num(r.norm)),
      h('td', {}, num(r.wStar)),
      h('td', {}, num(r.normRatio)),
      h('td', {}, num(r.radialCos)),
      h('td', { class: `verdict v-${r.verdict}` }, VERDICT_TEXT[r.verdict] ?? r.verdict),
      h('td', { class: 'checks' }, checks || '–'),
    );
  });
  return h('table', { class: 'layers' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function assumptionList(run: RunData): HTMLElement {
  const items = (run.analysis?.assumptions ?? []).map((a) =>
    h(
      'li',
      { class: a.holds === false ? 'bad' : 'ok', 'data-check': a.id },
      `${a.holds === null ? '?' : a.holds ? '✓' : '✗'} ${a.description} — ${a.detail}`,
    ),
  );
  return h('ul', { class: 'assumptions' }, ...items);
}

function alertBox(runs: RunData[]): HTMLElement {
  const box = h('section', { class: 'alerts', id: 'alerts' });
  for (const run of runs) {
    for (const a of run.analysis?.alerts ?? []) {
      box.append(
        h(
          'div',
          { class: `alert a-${a.kind}`, 'data-param': a.param, 'data-kind': a.kind },
          h('strong', {}, a.message),
          h('div', { class: 'cause' }, `Likely cause: ${a.cause}`),
        ),
      );
    }
  }
  box.hidden = box.childElementCount === 0;
  return box;
}

/** State of the controls. */
export interface ViewState {
  layer: string | null;
  /** The layer was chosen (picker, URL), not defaulted: kept across updates while present. */
  chosen: boolean;
  log: boolean;
}

/** A run page / report body bound to a root element. */
export class RunView {
  private views = new Map<string, FigureView>();
  private state: ViewState;
  private figuresEl: HTMLElement;
  private detailsEl: HTMLElement;
  private alertsEl: HTMLElement;
  private controlsEl: HTMLElement;
  private runs: RunData[] = [];

  constructor(
    private root: HTMLElement,
    layer: string | null = null,
  ) {
    this.state = { layer, chosen: layer !== null, log: true };
    this.controlsEl = h('div', { class: 'controls' });
    this.alertsEl = h('section', { class: 'alerts' });
    this.figuresEl = h('div', { class: 'figures' });
    this.detailsEl = h('div', { class: 'details' });
    root.append(this.controlsEl, this.alertsEl, this.figuresEl, this.detailsEl);
  }

  private controls(): void {
    const layers = this.runs[0]?.layers ?? [];
    const select = h('select', { id: 'layer-picker' }) as HTMLSelectElement;
    for (const l of layers) {
      const o = h('option', { value: l }, l) as HTMLOptionElement;
      if (l === this.state.layer) o.selected = true;
      select.append(o);
    }
    select.onchange = () => {
      this.state.layer = select.value;
      this.state.chosen = true;
      this.draw();
    };
    const log = h('input', { type: 'checkbox', id: 'log-toggle' }) as HTMLInputElement;
    log.checked = this.state.log;
    log.onchange = () => {
      this.state.log = log.checked;
      this.draw();
    };
    const live = h(
      'span',
      { class: 'live', id: 'live-status' },
      this.runs.map((r) => `${r.name}: step ${r.cursor} (${r.status})`).join(' · '),
    );
    this.controlsEl.replaceChildren(
      h('label', {}, 'layer ', select),
      h('label', {}, log, ' log y'),
      h('span', { class: 'hint' }, 'drag to zoom, double-click to reset, hover for values'),
      live,
    );
  }

  /** Shows `runs` (re-using charts when possible). */
  update(runs: RunData[]): void {
    this.runs = runs;
    // a defaulted layer follows the data: a pending analysis knows no tensor's scale invariance
    if (!this.state.chosen || !runs[0]?.layers.includes(this.state.layer ?? '')) {
      this.state.layer = runs.length ? defaultLayer(runs[0]) : null;
    }
    this.draw();
  }

  private draw(): void {
    this.controls();
    const width = Math.max(480, Math.min(1100, (this.root.clientWidth || 1000) - 40));
    const figs: FigureModel[] = reportFigures(this.runs, this.state.layer);
    const seen = new Set<string>();
    for (const f of figs) {
      seen.add(f.id);
      let v = this.views.get(f.id);
      if (!v) {
        v = new FigureView(this.figuresEl, { log: this.state.log, width });
        this.views.set(f.id, v);
      }
      v.update(f, { log: this.state.log, width });
    }
    for (const [id, v] of this.views) {
      if (!seen.has(id)) {
        v.destroy();
        this.views.delete(id);
      }
    }
    this.alertsEl.replaceWith((this.alertsEl = alertBox(this.runs)));
    const cols = this.runs.map((r) =>
      h(
        'div',
        { class: 'run-col', 'data-run': r.id },
        runHeader(r),
        h('h3', {}, 'Layers'),
        verdictLine(r),
        layerTable(r),
        h('h3', {}, 'Assumptions (Theorems 1–3)'),
        assumptionList(r),
      ),
    );
    this.detailsEl.replaceChildren(h('div', { class: `cols cols-${this.runs.length}` }, ...cols));
    document.body.dataset.ready = '1';
  }
}
