/**
 * The dashboard's run list: one row per run (optimizer, η and schedule, λ, α, status, last step,
 * final loss, test accuracy, median Δ/Δ*, the per-layer mean-field error, alerts), sortable by
 * any column, filtered by a text box, with checkboxes to open several runs on one compare page.
 * Controls are built once; refreshes only replace the table body, so typing is not interrupted.
 */
import { filterRuns, sortRuns, type RunListEntry, type RunListKey } from '../model/run-list.js';
import { h, num } from './dom.js';

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** [key, header, cell text] of every column after the checkbox. */
const COLUMNS: [RunListKey, string, (r: RunListEntry) => string][] = [
  ['name', 'name', (r) => r.name],
  ['status', 'status', (r) => r.status],
  ['optimizer', 'optimizer', (r) => r.optimizer ?? '–'],
  [
    'lr',
    'η / schedule',
    (r) => `${num(r.lr)}${r.schedule && r.schedule !== 'constant' ? ` ${r.schedule}` : ''}`,
  ],
  ['weightDecay', 'λ', (r) => num(r.weightDecay)],
  ['momentum', 'α', (r) => num(r.momentum)],
  ['lastStep', 'last step', (r) => (r.lastStep === null ? '–' : String(r.lastStep))],
  ['finalLoss', 'final loss', (r) => num(r.finalLoss)],
  ['testAcc', 'test acc', (r) => pct(r.testAcc)],
  ['medianDeltaRatio', 'median Δ/Δ*', (r) => (r.pending ? 'analyzing…' : num(r.medianDeltaRatio))],
  ['medianPredictedError', 'mean-field error', (r) => pct(r.medianPredictedError)],
  ['alerts', 'alerts', (r) => (r.pending ? '…' : String(r.alerts))],
  ['createdAt', 'created', (r) => r.createdAt],
];

/** Run list state (sort, filter, selection) and its DOM. */
export class RunList {
  private rows: RunListEntry[] = [];
  private key: RunListKey = 'createdAt';
  private descending = true;
  private query = '';
  private readonly selected = new Set<string>();
  private root: HTMLElement | null = null;
  private tbody: HTMLElement = h('tbody');
  private headRow: HTMLElement = h('tr');
  private compareLink = h('a', { id: 'compare-selected', href: '#/' }, 'compare selected');

  /** Shows `rows` in `main` (building the controls when `main` is new). */
  show(main: HTMLElement, rows: RunListEntry[]): void {
    this.rows = rows;
    const ids = new Set(rows.map((r) => r.id));
    for (const id of [...this.selected]) if (!ids.has(id)) this.selected.delete(id);
    if (this.root === null || !main.contains(this.root)) this.build(main);
    this.render();
  }

  private build(main: HTMLElement): void {
    const filter = h('input', {
      id: 'run-filter',
      type: 'search',
      placeholder: 'filter: text, or column:value (status:running, optimizer:sgdm)',
      size: '48',
    }) as HTMLInputElement;
    filter.value = this.query;
    filter.oninput = () => {
      this.query = filter.value;
      this.render();
    };
    this.headRow = h('tr', {}, h('th', {}, ''));
    for (const [key, title] of COLUMNS) {
      const th = h('th', { class: 'sortable', 'data-key': key }, title);
      th.onclick = () => {
        this.descending = this.key === key ? !this.descending : true;
        this.key = key;
        this.render();
      };
      this.headRow.append(th);
    }
    this.tbody = h('tbody');
    this.root = h(
      'section',
      { class: 'run-list-page' },
      h(
        'p',
        { class: 'explore-link' },
        h('a', { href: 'explore/' }, 'Explorer'),
        ': drag the theory, train a network live in the page, drop your checkpoints.',
      ),
      h('h2', {}, 'Runs'),
      h('div', { class: 'controls' }, filter, this.compareLink),
      h('table', { class: 'run-list' }, h('thead', {}, this.headRow), this.tbody),
    );
    main.replaceChildren(this.root);
  }

  private render(): void {
    for (const th of Array.from(this.headRow.querySelectorAll('th[data-key]'))) {
      const on = th.getAttribute('data-key') === this.key;
      th.className = on ? `sortable sorted ${this.descending ? 'desc' : 'asc'}` : 'sortable';
    }
    const shown = sortRuns(filterRuns(this.rows, this.query), this.key, this.descending);
    const rows = shown.map((r) => {
      const box = h('input', { type: 'checkbox', 'data-select': r.id }) as HTMLInputElement;
      box.checked = this.selected.has(r.id);
      box.onchange = () => {
        if (box.checked) this.selected.add(r.id);
        else this.selected.delete(r.id);
        this.updateCompare();
      };
      const cells = COLUMNS.map(([key, , text]) =>
        key === 'name'
          ? h('td', {}, h('a', { href: `#/run/${encodeURIComponent(r.id)}` }, r.name))
          : h('td', { class: key === 'status' ? `status s-${r.status}` : '' }, text(r)),
      );
      return h('tr', { 'data-run': r.id, title: r.error ?? r.id }, h('td', {}, box), ...cells);
    });
    this.tbody.replaceChildren(
      ...(rows.length
        ? rows
        : [h('tr', {}, h('td', { colspan: String(COLUMNS.length + 1) }, 'No runs match.'))]),
    );
    this.updateCompare();
  }

  private updateCompare(): void {
    const ids = [...this.selected];
    this.compareLink.setAttribute(
      'href',
      ids.length >= 1 ? `#/compare/${ids.map(encodeURIComponent).join(',')}` : '#/',
    );
    this.compareLink.textContent = `compare selected (${ids.length})`;
    this.compareLink.classList.toggle('disabled', ids.length < 2);
  }
}
