/**
 * Entry of the explorer bundle (dist/explore.js): `smd explore --out DIR` writes it inline into
 * one index.html that works from file://, and `smd serve` serves it at /explore/. Tabs are hash
 * routes: #theory?<state>, #train, #files. The workers' scripts (training: __SMD_LIVE_WORKER__;
 * the theory view's predictions: __SMD_THEORY_WORKER__) are inlined at build time and started
 * from blob: URLs; the Fashion-MNIST subset comes from the page's JSON block.
 */
import { h } from '../app/dom.js';
import { FilesView } from './files-view.js';
import { unpackLiveData, type ShippedDataJson } from './live-data.js';
import type { LiveData } from './live-protocol.js';
import { LiveView } from './live-view.js';
import { TheoryView } from './theory-view.js';

declare const __SMD_LIVE_WORKER__: string;
declare const __SMD_THEORY_WORKER__: string;

/** A blob: URL of an inlined worker script. */
const scriptUrl = (text: string): string =>
  URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));

type TabId = 'theory' | 'train' | 'files';
const TABS: [TabId, string][] = [
  ['theory', 'Theory'],
  ['train', 'Train live'],
  ['files', 'Your files'],
];

function parseHash(): { tab: TabId; query: string } {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const name = q < 0 ? raw : raw.slice(0, q);
  const tab = TABS.find(([id]) => id === name)?.[0] ?? 'theory';
  return { tab, query: q < 0 ? '' : raw.slice(q + 1) };
}

/** The page's embedded data block (smd explore writes it), or null. */
function embedded(): { fashionMnist?: ShippedDataJson } | null {
  const el = document.getElementById('smd-data');
  return el?.textContent
    ? (JSON.parse(el.textContent) as { fashionMnist?: ShippedDataJson })
    : null;
}

function start(): void {
  const main = document.getElementById('app')!;
  const nav = h('nav', { class: 'tabs' });
  const body = h('div', { class: 'tab-body' });
  const shipped = embedded()?.fashionMnist ?? null;
  main.append(
    nav,
    body,
    h(
      'footer',
      { class: 'about' },
      'smd explore — MIT License. Everything runs in this page; nothing is sent anywhere. ',
      shipped ? `Training data: ${shipped.count} images of ${shipped.notice}` : '',
    ),
  );
  const { tab, query } = parseHash();
  const views = new Map<TabId, HTMLElement>();
  const show = (id: TabId): void => {
    for (const [t, el] of views) el.hidden = t !== id;
    nav.querySelectorAll('a').forEach((a) => a.classList.toggle('on', a.dataset.tab === id));
    document.body.dataset.tab = id;
  };
  for (const [id, label] of TABS) nav.append(h('a', { href: `#${id}`, 'data-tab': id }, label));
  const theory = new TheoryView(
    body,
    tab === 'theory' ? query : '',
    (q) => {
      if (parseHash().tab === 'theory')
        history.replaceState(null, '', `#theory${q ? `?${q}` : ''}`);
    },
    scriptUrl(__SMD_THEORY_WORKER__),
  );
  views.set('theory', theory.el);
  let data: LiveData | null = null;
  let workerUrl = '';
  const live = new LiveView(
    body,
    () => data,
    () => (workerUrl ||= scriptUrl(__SMD_LIVE_WORKER__)),
  );
  views.set('train', live.el);
  views.set('files', new FilesView(body).el);
  window.addEventListener('hashchange', () => show(parseHash().tab));
  show(tab);
  const ready = (): void => {
    document.body.dataset.ready = '1';
  };
  if (shipped)
    unpackLiveData(shipped)
      .then((d) => {
        data = d;
        live.el.dataset.data = String(d.count);
      })
      .catch((e: Error) => {
        live.el.dataset.data = `error: ${e.message}`;
      })
      .finally(ready);
  else ready();
}

start();
