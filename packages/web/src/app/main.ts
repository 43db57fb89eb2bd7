/**
 * Entry of the web bundle (dist/app.js). Static report: the page embeds its runs as JSON in
 * <script id="smd-data">. Dashboard (smd serve): hash routes #/ (run list: sortable, filterable,
 * pick runs to compare), #/run/<id> (live run page, polling api/runs/<id>/since) and
 * #/compare/<a>,<b>,… (several runs on one page).
 */
import { applyDelta, type RunData, type RunDelta } from '../model/run-data.js';
import type { RunListEntry } from '../model/run-list.js';
import { h } from './dom.js';
import { RunList } from './run-list-view.js';
import { RunView } from './run-view.js';

const POLL_MS = 1000;

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { cache: 'no-store' });
  const body = (await r.json()) as T & { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${url}: HTTP ${r.status}`);
  return body;
}

function banner(root: HTMLElement, text: string | null): void {
  let b = document.getElementById('error-banner');
  if (!b) {
    b = h('div', { id: 'error-banner', class: 'error' });
    root.prepend(b);
  }
  b.textContent = text ?? '';
  b.hidden = text === null;
}

let stopPolling: (() => void) | null = null;

/** The run list keeps its sort, filter and selection across refreshes and visits. */
const runList = new RunList();

async function showList(main: HTMLElement): Promise<void> {
  const { runs } = await getJson<{ runs: RunListEntry[] }>('api/runs');
  runList.show(main, runs);
  document.body.dataset.ready = '1';
}

async function showRun(main: HTMLElement, id: string): Promise<void> {
  const base = `api/runs/${encodeURIComponent(id)}`;
  let run = await getJson<RunData>(`${base}/data`);
  main.replaceChildren(h('p', {}, h('a', { href: '#/' }, '← all runs')));
  const view = new RunView(main);
  view.update([run]);
  let timer = 0;
  let stopped = false;
  const poll = async (): Promise<void> => {
    try {
      const d = await getJson<RunDelta>(
        `${base}/since?step=${run.cursor}&analysis=${run.analysisCursor}${run.coarse ? '&coarse=1' : ''}`,
      );
      if (stopped) return;
      if (d.rewound) run = await getJson<RunData>(`${base}/data`);
      else if (
        d.cursor !== run.cursor ||
        d.status !== run.status ||
        d.events.length ||
        d.analysisCursor !== run.analysisCursor ||
        d.exact
      )
        applyDelta(run, d);
      else run.status = d.status;
      view.update([run]);
      banner(main, null);
    } catch (e) {
      banner(main, `live update failed: ${(e as Error).message} (retrying)`);
    }
    if (!stopped) timer = window.setTimeout(poll, POLL_MS);
  };
  timer = window.setTimeout(poll, POLL_MS);
  stopPolling = () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}

async function showCompare(main: HTMLElement, ids: string[]): Promise<void> {
  const runs = await Promise.all(
    ids.map((id) => getJson<RunData>(`api/runs/${encodeURIComponent(id)}/data`)),
  );
  main.replaceChildren(h('p', {}, h('a', { href: '#/' }, '← all runs')));
  new RunView(main).update(runs);
}

async function route(main: HTMLElement): Promise<void> {
  stopPolling?.();
  stopPolling = null;
  delete document.body.dataset.ready;
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  try {
    if (hash.startsWith('run/')) await showRun(main, hash.slice(4));
    else if (hash.startsWith('compare/')) await showCompare(main, hash.slice(8).split(','));
    else {
      await showList(main);
      // Keep the list fresh (new runs, statuses, last steps) while it is shown.
      const timer = window.setInterval(() => {
        showList(main).catch((e: Error) => banner(main, e.message));
      }, 3000);
      stopPolling = () => window.clearInterval(timer);
    }
  } catch (e) {
    main.replaceChildren();
    banner(main, (e as Error).message);
    document.body.dataset.ready = 'error';
  }
}

function start(): void {
  const main = document.getElementById('app')!;
  const embedded = document.getElementById('smd-data');
  if (embedded?.textContent) {
    const { runs, layer } = JSON.parse(embedded.textContent) as {
      runs: RunData[];
      layer?: string | null;
    };
    new RunView(main, layer ?? null).update(runs);
    return;
  }
  window.addEventListener('hashchange', () => void route(main));
  void route(main);
}

start();
