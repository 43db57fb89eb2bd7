import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { runCli } from '../run-cli.js';
import {
  openBrowser,
  openExploreSite,
  screenshot,
  type BrowserSession,
} from '@smd/test-support/cli';
import { startDashboard } from '../serve/server.js';

let dir = '';
let url = '';
let s: BrowserSession;

before(async () => {
  ({ dir, url, session: s } = await openExploreSite('smd-explore-'));
});
after(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The phase table as the page shows it: per phase Δ*, Δ_end/Δ* and ‖w‖_end/‖w*‖ in %. */
async function phases(
  page: Page,
): Promise<{ deltaStar: number; endPct: number; normPct: number; reaches: boolean }[]> {
  return page.$$eval('#phase-table tr[data-phase]', (rows) =>
    rows.map((r) => ({
      deltaStar: Number(r.getAttribute('data-delta-star')),
      endPct: Number(r.getAttribute('data-delta-end-pct')),
      normPct: Number(r.getAttribute('data-norm-end-pct')),
      reaches: r.getAttribute('data-reaches') === 'true',
    })),
  );
}

/** `smd predict --format json` for the same flags. */
async function predictJson(args: string[]): Promise<{
  phases: { deltaStarRad: number; deltaEndPct: number; normEndPct: number; reaches: boolean }[];
}> {
  const r = await runCli(['predict', ...args, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/**
 * Waits until the page URL holds every part. Polled from Node: the page's CSP forbids the string
 * evaluation that a string predicate to waitForFunction needs.
 */
async function urlHas(page: { url(): string }, parts: string[]): Promise<void> {
  const end = Date.now() + 60_000;
  while (!parts.every((p) => page.url().includes(p))) {
    if (Date.now() > end) throw new Error(`URL ${page.url()} never held ${parts.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('theory view: the paper ImageNet setting gives smd predict’s Δ* and end-of-phase ratios', async () => {
  const { page, consoleErrors, outsideRequests } = s;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  const deltaStar = Number(await page.getAttribute('#delta-star', 'data-value'));
  assert.ok(Math.abs(deltaStar - 0.0032444) < 5e-8, String(deltaStar));
  const cmd = await page.textContent('#theory-command');
  assert.equal(
    cmd,
    'smd predict --lr 0.1 --wd 0.0001 --momentum 0.9 --schedule multistep:30,60,80:0.1 --steps-per-epoch 5005 --epochs 90',
  );
  const seen = await phases(page);
  const want = await predictJson(cmd!.split(' ').slice(2));
  assert.equal(seen.length, 4);
  seen.forEach((p, i) => {
    const w = want.phases[i];
    assert.ok(Math.abs(p.deltaStar / w.deltaStarRad - 1) < 1e-12, `phase ${i + 1}`);
    assert.ok(Math.abs(p.endPct - w.deltaEndPct) < 1e-9, `phase ${i + 1}: ${p.endPct}`);
    assert.ok(Math.abs(p.normPct - w.normEndPct) < 1e-9, `phase ${i + 1}: ${p.normPct}`);
    assert.equal(p.reaches, w.reaches);
  });
  // The paper's claim, as smd predict prints it: phases 3 and 4 end far below Δ*.
  assert.deepEqual(
    seen.map((p) => p.reaches),
    [true, true, false, false],
  );
  assert.ok(Math.abs(seen[2].endPct - 37.3) < 0.1 && Math.abs(seen[3].endPct - 11.9) < 0.1);
  const rows = await page.$$eval('#phase-table tbody tr', (r) => r.map((x) => x.textContent));
  assert.match(rows[2]!, /NO: needs 1,111,696 steps/);
  const charts = await page.$$eval('figure[data-fig="theory"] canvas', (c) => c.length);
  assert.equal(charts, 2);
  await screenshot(page, 'explore-theory-laptop');
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(outsideRequests, []);
});

test('theory view reacts to inputs, keeps its state in the URL, and rejects bad input in one line', async () => {
  const { page, consoleErrors } = s;
  await page.goto(url);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  // Rescaling trick on: every phase reaches equilibrium.
  await page.check('#f-rescale');
  await urlHas(page, ['rescale=1']);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  assert.deepEqual(
    (await phases(page)).map((p) => p.reaches),
    [true, true, true, true],
  );
  // λ = 5e-4 with a slider-like burst of inputs: Δ* follows √ of λη at once.
  await page.fill('#f-wd', '0.0004');
  await urlHas(page, ['wd=0.0004']);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  const d = Number(await page.getAttribute('#delta-star', 'data-value'));
  assert.ok(Math.abs(d / (2 * 0.0032444) - 1) < 1e-3, String(d)); // 4× λ → 2× Δ*
  // The URL reopens the same view.
  const shared = page.url();
  assert.match(shared, /#theory\?.*wd=0\.0004.*rescale=1/);
  await page.goto('about:blank');
  await page.goto(shared);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  assert.equal(await page.inputValue('#f-wd'), '0.0004');
  assert.equal(await page.isChecked('#f-rescale'), true);
  // Cosine schedule with warmup: no drops, Δ_t lags the moving Δ* at the end.
  await page.selectOption('#f-decay', 'cosine');
  await page.fill('#f-warmup', '5');
  await urlHas(page, ['decay=cosine', 'warmup=5']);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  assert.match((await page.textContent('#drop-list')) ?? '', /no learning-rate drop/);
  assert.match((await page.textContent('#theory-command')) ?? '', /--schedule warmup:5:0:cosine/);
  // Bad input: one line naming the field; the last good figure stays.
  await page.fill('#f-lr', '-1');
  await page.waitForSelector('#theory[data-state="invalid"]');
  assert.equal(await page.textContent('#theory-status'), 'η must be a number > 0');
  await page.fill('#f-lr', '0.1');
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  // Phone width: the form stacks and the table scrolls inside its box.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url.split('#')[0]);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  const overflow = (await page.evaluate(
    'document.documentElement.scrollWidth - window.innerWidth',
  )) as number;
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
  await screenshot(page, 'explore-theory-phone');
  assert.deepEqual(consoleErrors, []);
});

test('theory view: AdamW and Lion give smd predict --optimizer’s Δ* and follow the switch', async () => {
  const { page, consoleErrors } = s;
  await page.goto('about:blank');
  await page.goto(
    `${url}#theory?opt=adamw&lr=0.001&wd=0.1&decay=constant&epochs=10&stepsPerEpoch=1000`,
  );
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
  assert.equal(await page.isVisible('#f-beta1'), true);
  assert.equal(await page.isVisible('#f-momentum'), false);
  const check = async (opt: string): Promise<number> => {
    const cmd = (await page.textContent('#theory-command')) ?? '';
    assert.match(cmd, new RegExp(`^smd predict --optimizer ${opt} `));
    const want = await predictJson(cmd.split(' ').slice(2));
    const got = Number(await page.getAttribute('#delta-star', 'data-value'));
    assert.ok(Math.abs(got / want.phases[0].deltaStarRad - 1) < 1e-12, `${opt}: ${got}`);
    return got;
  };
  const adamw = await check('adamw');
  // √(2ηλ(1−β1)/(1+β1)) to leading order (docs/optimizers.md)
  assert.ok(Math.abs(adamw / Math.sqrt((2 * 1e-3 * 0.1 * 0.1) / 1.9) - 1) < 0.01, String(adamw));
  // Switching to Lion moves the untouched betas to Lion's (0.9, 0.99) and reruns the recurrence.
  await page.selectOption('#f-optimizer', 'lion');
  await page.waitForSelector('#theory[data-query*="opt=lion"][data-state="done"]', {
    timeout: 60_000,
  });
  assert.equal(await page.inputValue('#f-beta2'), '0.99');
  assert.match((await page.textContent('#theory-command')) ?? '', /--betas 0\.9,0\.99/);
  const lion = await check('lion');
  assert.notEqual(lion, adamw);
  assert.deepEqual(consoleErrors, []);
});

test('theory view: 10⁶ steps of the recurrence on the slider path, measured in Chromium', async () => {
  const { page, consoleErrors } = s;
  // 100 epochs of 10,000 steps: the recurrence runs 10⁶ steps in both modes on every input
  // (OptimizerDynamics.run: one loop per span, a bitwise fixed point held, the steps before the
  // first drop shared by both modes, the last prediction's arrays reused). The issue asks for well
  // under 50 ms; bench/RESULTS.md ("Explorer … slider path") has the measurements and
  // bench/theory-slider/run.mjs the interleaved before/after comparison.
  await page.goto('about:blank');
  await page.goto(`${url}#theory?stepsPerEpoch=10000&epochs=100`);
  await page.waitForSelector('#theory[data-state="done"]', { timeout: 120_000 });
  assert.match(
    (await page.textContent('#theory-command')) ?? '',
    /--steps-per-epoch 10000 --epochs 100$/,
  );
  // Three slider moves, each timed by the page (printed, not asserted: a timed test on a shared
  // machine would fail at random; the bench is the measurement).
  const ms: number[] = [];
  for (const wd of ['0.0002', '0.0003', '0.0004']) {
    await page.fill('#f-wd', wd);
    await page.waitForSelector(`#theory[data-query*="wd=${wd}"]`, { timeout: 120_000 });
    ms.push(Number(await page.getAttribute('#theory', 'data-live-ms')));
  }
  assert.match(
    (await page.textContent('#theory-status')) ?? '',
    /^1,000,000 steps of the recurrence in both modes/,
  );
  assert.ok(
    ms.every((x) => Number.isFinite(x) && x > 0),
    ms.join(', '),
  );
  console.log(
    `theory view, 10⁶ steps × 2 modes, slider path: ${ms.map((x) => x.toFixed(1)).join(', ')} ms`,
  );
  assert.deepEqual(consoleErrors, []);
});

test('smd explore: usage errors are one line with exit code 2', async () => {
  const r = await runCli(['explore']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'smd explore: --out DIR is required (the folder to write index.html into)\n',
  );
  const f = join(dir, 'file');
  await runCli(['explore', '--out', join(dir, 'site2')]);
  const html = readFileSync(join(dir, 'site2', 'index.html'), 'utf8');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(html), 'the page must not load anything');
  rmSync(f, { force: true });
});

test('smd serve serves the explorer at /explore/', async () => {
  const root = mkdtempSync(join(tmpdir(), 'smd-explore-serve-'));
  const dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
  const b = await openBrowser(dash.url);
  b.page.setDefaultTimeout(180_000);
  b.page.setDefaultNavigationTimeout(180_000);
  try {
    const r = await fetch(`${dash.url}explore`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/explore/');
    await b.page.goto(`${dash.url}explore/#theory?wd=0.0004`);
    await b.page.waitForSelector('#theory[data-state="done"]', { timeout: 60_000 });
    const d = Number(await b.page.getAttribute('#delta-star', 'data-value'));
    assert.ok(Math.abs(d / (2 * 0.0032444) - 1) < 1e-3, String(d));
    assert.deepEqual(b.consoleErrors, []);
    assert.deepEqual(b.outsideRequests, []);
  } finally {
    await b.close();
    await dash.close();
    rmSync(root, { recursive: true, force: true });
  }
});
