/**
 * The theory tab: optimizer, η, λ, α, the schedule editor and steps per epoch → the predicted
 * Δ_t and ‖w_t‖ curves, the phase table (Δ*, ‖w*‖, time constants, end-of-phase ratios, "reaches
 * equilibrium before the next drop?") and the lr drops with and without the rescaling trick, all
 * from @smd/smd's computePrediction (the code behind `smd predict`), run in two workers
 * (theory-worker.ts): on every input event in the slider worker (one request per animation frame,
 * without the slow "steps needed" search), then once more in the search worker when the inputs
 * rest. Each input bumps the view's version; a reply older than what is shown is dropped. The
 * state lives in the URL hash.
 */
import type { Prediction } from '@smd/smd/predict';
import { h, num } from '../app/dom.js';
import { FigureView } from '../app/chart.js';
import { checkControl, numberControl, selectControl, textControl } from './controls.js';
import { optimizerControls } from './theory-optimizer.js';
import { PredictionWorker, replyShows, type PredictOutcome } from './theory-client.js';
import {
  decodeTheoryState,
  encodeTheoryState,
  predictCommand,
  predictionInput,
  usesBetas,
  type TheoryState,
} from './theory-state.js';
import { theoryFigure } from './theory-figure.js';
import { dropList, int, phaseTable } from './theory-tables.js';

/** Rest time (ms) after the last input before the full prediction (with searches) runs. */
const REST_MS = 300;

/** The theory tab. */
export class TheoryView {
  readonly el: HTMLElement;
  private state: TheoryState;
  private figure: FigureView;
  private readonly status: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly table: HTMLElement;
  private readonly drops: HTMLElement;
  private readonly command: HTMLElement;
  private readonly scheduleBox: HTMLElement;
  private frame = 0;
  private restTimer = 0;
  /** Bumped by every input: the version a request asks for and a reply answers. */
  private version = 0;
  /** Version on screen (an invalid input counts as shown), and whether with its searches. */
  private shown = -1;
  private shownSearched = false;
  /** Optimizer and schedule kinds the slider worker has warmed up for. */
  private readonly warmed = new Set<string>();
  private readonly sliderWorker: PredictionWorker;
  private readonly searchWorker: PredictionWorker;

  /** `workerUrl`: the prediction worker's script (theory-worker.ts). */
  constructor(
    parent: HTMLElement,
    query: string,
    private readonly onState: (query: string) => void,
    workerUrl: string,
  ) {
    this.sliderWorker = new PredictionWorker(workerUrl, false, (r) => this.received(r, false));
    this.searchWorker = new PredictionWorker(workerUrl, true, (r) => this.received(r, true));
    this.state = decodeTheoryState(query).state;
    this.el = h('section', { id: 'theory', class: 'tab' });
    const form = h('div', { class: 'theory-form' });
    this.scheduleBox = h('div', { class: 'sched' });
    this.status = h('p', { class: 'status', id: 'theory-status' });
    this.summary = h('div', { class: 'summary', id: 'theory-summary' });
    this.command = h('code', { class: 'cmd', id: 'theory-command' });
    const charts = h('div', { class: 'charts' });
    this.table = h('div', { class: 'table-wrap', id: 'phase-table' });
    this.drops = h('div', { id: 'drop-list' });
    this.el.append(
      h(
        'p',
        { class: 'lead' },
        'Scale-invariant weights (a conv or linear weight followed by BatchNorm) under SGD(M) with weight decay settle where the angular update Δ_t = ∠(w_t, w_{t+1}) equals Δ* = arccos(1 − λη/(1+α)). Move a slider: the mean-field recurrence reruns for every step of the schedule.',
      ),
      form,
      this.status,
      this.summary,
      charts,
      h('h3', {}, 'Phases'),
      this.table,
      h('h3', {}, 'Learning-rate drops and the rescaling trick'),
      this.drops,
      h('p', { class: 'hint' }, 'The same table in a terminal: ', this.command),
    );
    parent.append(this.el);
    this.buildForm(form);
    this.figure = new FigureView(charts, { log: true, width: this.chartWidth() });
    window.addEventListener('resize', () => this.schedule());
    this.schedule();
  }

  private chartWidth(): number {
    return Math.max(280, Math.min(1100, (this.el.clientWidth || window.innerWidth) - 8));
  }

  private buildForm(form: HTMLElement): void {
    const s = this.state;
    const set =
      <K extends keyof TheoryState>(k: K) =>
      (v: TheoryState[K]) => {
        this.state[k] = v;
        this.schedule();
      };
    const [optSelect, ...optParams] = optimizerControls(this.state, () => this.schedule());
    form.append(
      optSelect,
      numberControl(
        { field: 'lr', label: 'learning rate η', min: 1e-4, max: 2, step: 20, log: true },
        s.lr,
        set('lr'),
      ).el,
      numberControl(
        { field: 'wd', label: 'weight decay λ', min: 1e-6, max: 1e-2, step: 20, log: true },
        s.wd,
        set('wd'),
      ).el,
      ...optParams,
      numberControl(
        { field: 'epochs', label: 'epochs', min: 1, max: 300, step: 1 },
        s.epochs,
        set('epochs'),
      ).el,
      numberControl(
        { field: 'stepsPerEpoch', label: 'steps per epoch', min: 10, max: 20000, step: 10 },
        s.stepsPerEpoch,
        (v) => set('stepsPerEpoch')(Math.round(v)),
      ).el,
      this.scheduleBox,
      numberControl(
        {
          field: 'L',
          label: 'L = E‖g̃‖²',
          min: 0.01,
          max: 100,
          step: 10,
          log: true,
          hint: 'scales ‖w*‖ only',
        },
        s.L,
        set('L'),
      ).el,
      numberControl(
        { field: 'tolerance', label: 'equilibrium band ±', min: 0.01, max: 0.5, step: 0.01 },
        s.tolerance,
        set('tolerance'),
      ).el,
      checkControl(
        'rescale',
        'rescaling trick at every η ÷ k: w ÷ k^{1/4} (SGD), k^{1/2} (AdamW, Lion)',
        s.rescale,
        set('rescale'),
      ),
    );
    this.buildSchedule();
  }

  /** The schedule editor: warmup + decay kind + its parameters. */
  private buildSchedule(): void {
    const s = this.state;
    const rebuild = (): void => {
      this.buildSchedule();
      this.schedule();
    };
    const parts: HTMLElement[] = [
      numberControl(
        {
          field: 'warmup',
          label: 'warmup (epochs)',
          min: 0,
          max: 20,
          step: 1,
          hint: 'linear from 0',
        },
        s.warmup,
        (v) => {
          this.state.warmup = v;
          this.schedule();
        },
      ).el,
      selectControl(
        'decay',
        'schedule',
        [
          ['multistep', 'multistep (η × γ at milestones)'],
          ['cosine', 'cosine'],
          ['constant', 'constant'],
        ],
        s.decay,
        (v) => {
          this.state.decay = v;
          rebuild();
        },
      ),
    ];
    if (s.decay === 'multistep') {
      parts.push(
        textControl(
          'milestones',
          'milestones (epochs)',
          s.milestones.join(','),
          (v) => {
            const ms = v.split(',').map((x) => Number(x.trim()));
            this.state.milestones = v.trim() === '' ? [] : ms;
            this.schedule();
          },
          'e.g. 30,60,80',
        ),
        numberControl(
          { field: 'gamma', label: 'γ per milestone', min: 0.01, max: 1, step: 0.01 },
          s.gamma,
          (v) => {
            this.state.gamma = v;
            this.schedule();
          },
        ).el,
      );
    } else if (s.decay === 'cosine') {
      parts.push(
        numberControl(
          { field: 'cosineMin', label: 'cosine floor (× η)', min: 0, max: 0.5, step: 0.01 },
          s.cosineMin,
          (v) => {
            this.state.cosineMin = v;
            this.schedule();
          },
        ).el,
      );
    }
    this.scheduleBox.replaceChildren(...parts);
  }

  /** Coalesces a burst of inputs into one request per animation frame; the search runs at rest. */
  private schedule(): void {
    this.version++;
    this.el.dataset.state = 'pending';
    if (!this.frame)
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.run(false);
      });
    window.clearTimeout(this.restTimer);
    this.restTimer = window.setTimeout(() => this.run(true), REST_MS);
  }

  private run(search: boolean): void {
    const query = encodeTheoryState(this.state);
    this.onState(query);
    const input = predictionInput(this.state);
    if (typeof input === 'string') {
      this.showError(input, 'invalid');
      return;
    }
    (search ? this.searchWorker : this.sliderWorker).request(this.version, this.state, query);
  }

  private showError(message: string, state: string): void {
    this.status.textContent = message;
    this.status.className = 'status error';
    this.el.dataset.state = state;
    this.shown = this.version;
  }

  /**
   * A worker's reply. A slider reply shows if it is newer than the screen (while a drag runs
   * ahead of the worker, the frames in between are skipped); a search reply only for the current
   * version. The arrays go back to their worker either way.
   */
  private received(r: PredictOutcome, search: boolean): void {
    const current = r.id === this.version;
    const { version, shown, shownSearched } = this;
    const show = replyShows(r.id, search, { version, shown, shownSearched });
    if (r.error !== null) {
      if (show || r.id < 0) this.showError(r.error, 'error');
      return;
    }
    const p = r.prediction!;
    if (show) {
      this.shown = r.id;
      this.shownSearched = search;
      this.status.className = 'status';
      this.status.textContent = `${int(p.options.totalSteps)} steps of the recurrence in both modes: ${r.ms.toFixed(1)} ms${search ? ' (with searches)' : ''}`;
      this.el.dataset.computeMs = r.ms.toFixed(2);
      // The slider path (both recurrences, no searches): what a dragged slider waits for, computed
      // (live-ms) and from request to reply (wait-ms).
      if (!search) {
        this.el.dataset.liveMs = r.ms.toFixed(2);
        this.el.dataset.waitMs = r.waitMs.toFixed(2);
      }
      this.render(p, search);
      this.el.dataset.state = search ? 'done' : current ? 'live' : 'pending';
      this.el.dataset.query = r.query;
    }
    // After the first searches of a kind (they, and the page's load, busy both cores before).
    const kind = `${this.state.optimizer} ${this.state.decay}`;
    if (search && !this.warmed.has(kind)) {
      this.warmed.add(kind);
      this.sliderWorker.warmUp(this.state);
    }
    (search ? this.searchWorker : this.sliderWorker).giveBack(p);
  }

  private render(p: Prediction, searched: boolean): void {
    const ph1 = p.phases[0];
    this.summary.replaceChildren(
      h(
        'p',
        {},
        'Phase 1: Δ* = ',
        h(
          'b',
          { id: 'delta-star', 'data-value': String(ph1.deltaStarRad) },
          `${num(ph1.deltaStarRad)} rad`,
        ),
        ` (${num(ph1.deltaStarDeg)}°; ${usesBetas(this.state.optimizer) ? 'leading order (docs/optimizers.md)' : "Theorem 3's √(2λη/(1+α))"} = ${num(ph1.deltaStarPaperRad)}), ‖w*‖ = `,
        h('b', { id: 'norm-star', 'data-value': String(ph1.normStar) }, num(ph1.normStar)),
        ', time constant τ = ',
        h(
          'b',
          { id: 'tau', 'data-value': String(ph1.timeConstantSteps) },
          `${int(ph1.timeConstantSteps)} steps`,
        ),
        ` (${num(ph1.timeConstantEpochs)} epochs).`,
      ),
    );
    this.command.textContent = predictCommand(this.state);
    this.figure.update(theoryFigure(p), { log: true, width: this.chartWidth() });
    this.table.replaceChildren(phaseTable(p, searched));
    this.drops.replaceChildren(dropList(p, usesBetas(this.state.optimizer)));
  }
}
