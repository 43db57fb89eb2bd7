/**
 * Test harness (not part of the public API): builds the web bundle, launches Debian's headless
 * Chromium through playwright-core with a fresh profile, collects console errors and non-local
 * requests, and saves screenshots to test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

/** Chromium binary of the Debian package `chromium`. */
export const CHROMIUM = '/usr/bin/chromium';

/** Repository root (…/packages/cli/{src,dist}/report → ../../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Screenshot folder (gitignored). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Rebuilds packages/web/dist/app.{js,css} (esbuild, ~1 s). */
export function buildWebBundle(): void {
  const script = join(REPO_ROOT, 'packages/web/scripts/build-app.mjs');
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`web bundle build failed: ${r.stderr}`);
}

/** The explorer tests' page: `smd explore --out DIR/site` and a Chromium session on its file. */
export interface ExploreSite {
  /** Temp folder holding site/ (remove it after) */
  dir: string;
  /** file:// URL of site/index.html */
  url: string;
  session: BrowserSession;
}

/**
 * Writes the explorer's static site into a fresh temp folder (the built CLI, as a user runs it)
 * and opens Chromium on it with generous timeouts: a loaded 2-core machine can take tens of
 * seconds to parse the 2 MB page.
 */
export async function openExploreSite(prefix: string): Promise<ExploreSite> {
  buildWebBundle();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const main = join(REPO_ROOT, 'packages/cli/dist/main.js');
  const r = spawnSync(process.execPath, [main, 'explore', '--out', join(dir, 'site')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`smd explore failed (${r.status}): ${r.stderr}`);
  const session = await openBrowser('file://');
  session.page.setDefaultTimeout(180_000);
  session.page.setDefaultNavigationTimeout(180_000);
  return { dir, url: pathToFileURL(join(dir, 'site', 'index.html')).href, session };
}

/** A browser session with the console errors and outside requests it saw. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /** Requests to anything but the allowed origin / file:// (blocked). */
  outsideRequests: string[];
  close(): Promise<void>;
}

/** Opens Chromium (fresh --user-data-dir) with every request outside `allowPrefix` aborted. */
export async function openBrowser(allowPrefix: string): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh does)`);
  }
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'smd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const consoleErrors: string[] = [];
  const outsideRequests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(allowPrefix) || url.startsWith('data:')) return route.continue();
    outsideRequests.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    consoleErrors,
    outsideRequests,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What a drawn chart reports about itself (window.__smd.charts[id]). */
export interface ChartInfoSeen {
  id: string;
  lastX: number;
  panels: { id: string; series: string[]; theory: string[]; points: number; logY: boolean }[];
}

/** Reads window.__smd.charts from the page. */
export async function chartsOf(page: Page): Promise<Record<string, ChartInfoSeen>> {
  return page.evaluate(
    () =>
      (globalThis as unknown as { __smd?: { charts: Record<string, ChartInfoSeen> } }).__smd
        ?.charts ?? {},
  );
}

/** The DOM as seen from page functions (this package compiles without the DOM lib). */
type PageDocument = {
  querySelector(sel: string): { getAttribute(name: string): string | null } | null;
};

/** Waits until figure `fig`'s last drawn step (data-last-x) exceeds `min`. */
export async function waitForLastX(
  page: Page,
  fig: string,
  min: number,
  timeout: number,
): Promise<void> {
  await page.waitForFunction(
    (a: { fig: string; min: number }) => {
      const doc = (globalThis as unknown as { document: PageDocument }).document;
      const el = doc.querySelector(`figure[data-fig="${a.fig}"]`);
      return Number(el?.getAttribute('data-last-x')) > a.min;
    },
    { fig, min },
    { timeout },
  );
}
