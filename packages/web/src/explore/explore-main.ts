/**
 * Entry of the explorer bundle (dist/explore.js): `smd explore --out DIR` writes it inline into
 * one index.html that works from file://, and `smd serve` serves it at /explore/. Tabs are hash
 * routes: #theory?<state>, #train, #files.
 */
import { h } from '../app/dom.js';
import { TheoryView } from './theory-view.js';

type TabId = 'theory';
const TABS: [TabId, string][] = [['theory', 'Theory']];

function parseHash(): { tab: TabId; query: string } {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const name = q < 0 ? raw : raw.slice(0, q);
  const tab = (TABS.find(([id]) => id === name)?.[0] ?? 'theory') as TabId;
  return { tab, query: q < 0 ? '' : raw.slice(q + 1) };
}

function start(): void {
  const main = document.getElementById('app')!;
  const nav = h('nav', { class: 'tabs' });
  const body = h('div', { class: 'tab-body' });
  main.append(nav, body);
  const { tab, query } = parseHash();
  const views = new Map<TabId, HTMLElement>();
  const show = (id: TabId): void => {
    for (const [t, el] of views) el.hidden = t !== id;
    nav.querySelectorAll('a').forEach((a) => a.classList.toggle('on', a.dataset.tab === id));
    document.body.dataset.tab = id;
  };
  for (const [id, label] of TABS) {
    const a = h('a', { href: `#${id}`, 'data-tab': id }, label);
    nav.append(a);
  }
  const theory = new TheoryView(body, tab === 'theory' ? query : '', (q) => {
    history.replaceState(null, '', `#theory${q ? `?${q}` : ''}`);
  });
  views.set('theory', theory.el);
  window.addEventListener('hashchange', () => show(parseHash().tab));
  show(tab);
  document.body.dataset.ready = '1';
}

start();
