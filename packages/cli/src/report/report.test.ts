import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRun } from '@smd/runs';
import { runCli } from '../run-cli.js';
import {
  buildWebBundle,
  chartsOf,
  openBrowser,
  screenshot,
  writeFixtureRun,
} from '@smd/test-support/cli';
import { loadRunData } from './run-cache.js';

let root = '';
let plain = '';
let rescaled = '';

before(async () => {
  buildWebBundle();
  root = mkdtempSync(join(tmpdir(), 'smd-report-'));
  plain = await writeFixtureRun({ root, name: 'sgdm', steps: 3000, milestones: [1500], seed: 3 });
  rescaled = await writeFixtureRun({
    root,
    name: 'sgdm rescaled',
    steps: 3000,
    milestones: [1500],
    seed: 3,
    rescale: true,
  });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('run data: windowed Δ follows the mean-field prediction; verdicts from compareSmd', () => {
  const d = loadRunData(plain);
  assert.equal(d.cursor, 2999);
  assert.equal(d.lr, 0.010000000000000002);
  assert.deepEqual(
    [d.config.optimizer, d.config.weightDecay, d.config.momentum, d.analysis.verdicts.predictable],
    ['sgd', 5e-4, 0.9, true],
  );
  assert.equal(d.analysis.mode, 'offline');
  assert.equal(d.layers.at(-1), 'fc.weight'); // not scale-invariant: listed last
  for (const row of d.analysis.table.filter((r) => r.param !== 'fc.weight')) {
    // 1500 steps after η ÷ 10 with λη = 5e-6: still below Δ* (transient), on the predicted curve.
    assert.equal(row.verdict, 'transient', row.summary);
    assert.ok(row.deltaRms < 0.6 * row.deltaStar, row.summary);
    assert.ok(
      Math.abs(row.deltaRms / row.deltaPredicted - 1) < 0.05,
      `${row.param} ${row.deltaRms} vs ${row.deltaPredicted}`,
    );
    assert.ok(Math.abs(row.radialCos) < 0.01);
  }
  const fc = d.analysis.table.find((r) => r.param === 'fc.weight')!;
  assert.equal(fc.verdict, 'not_scale_invariant');
  assert.ok(fc.radialCos > 0.2, String(fc.radialCos));
  assert.equal(d.analysis.alerts.length, 0, JSON.stringify(d.analysis.alerts));
  assert.deepEqual(
    d.analysis.assumptions.map((a) => a.id),
    ['lambda-eta-small', 'momentum-range', 'lambda-eta-momentum'],
  );
  assert.ok(
    d.theory['t/*/delta_mf'].x.length > 100 && d.theory['t/*/delta_star_curve'].y.length >= 2,
  );
  // Rescaled run: the trick puts Δ at the new equilibrium at once (within the window's lag).
  const r = loadRunData(rescaled);
  const row = r.analysis.table.find((x) => x.param === 'layer1.0.conv2.weight')!;
  assert.ok(row.deltaRms / row.deltaStar > 0.9, row.summary);
  assert.equal(r.events.filter((e) => e.kind === 'rescale').length, 1);
});

test('smd report writes one offline HTML plus SVG/PNG figures; bad input is one line', async () => {
  const out = join(root, 'out', 'report.html');
  const figs = join(root, 'figs');
  const res = await runCli(['report', plain, rescaled, '--out', out, '--svg', figs, '--png', figs]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /wrote .*report\.html/);
  const html = readFileSync(out, 'utf8');
  assert.ok(html.length < 3_000_000, String(html.length));
  assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(html), 'the report must not load anything');
  for (const id of ['layer', 'all-layers', 'rescale', 'runs']) {
    assert.ok(statSync(join(figs, `fig-${id}.svg`)).size > 5000, id);
    const png = readFileSync(join(figs, `fig-${id}.png`));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  }
  assert.match(readFileSync(join(figs, 'fig-layer.svg'), 'utf8'), /Δ\* = arccos/);
  const bad = await runCli(['report', join(root, 'nope')]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^smd report: RUN ".*nope" must be a run folder containing manifest.json\n$/,
  );
  const badLayer = await runCli(['report', plain, '--layer', 'x', '--out', join(root, 'x.html')]);
  assert.equal(badLayer.code, 2);
  assert.match(badLayer.stderr, /--layer must be a probed tensor/);
  assert.equal((await runCli(['report'])).code, 2);
});

test('a 100k-step run is down-sampled to a small, fast report', async () => {
  const run = createRun(root, {
    name: 'long',
    config: { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 } },
    seed: 1,
    backend: 'ts',
    fallbacks: [],
    versions: {},
    machine: {
      hostname: 'h',
      platform: 'linux',
      arch: 'x64',
      cpus: 1,
      cpuModel: 'c',
      totalMemBytes: 0,
      node: 'v20',
    },
    metrics: { maxPendingRows: 500_000 },
  });
  run.metrics.declareParams([
    { name: 'a.weight', shape: [8], scaleInvariant: true, reason: 'test' },
  ]);
  const n = 100_000;
  for (let t = 0; t < n; t++) {
    const spike = t === 54_321 ? 10 : 1;
    run.metrics.logProbes([
      {
        step: t,
        param: 'a.weight',
        metric: 'delta_rad',
        value: 0.0045 * spike * (1 + 0.1 * Math.sin(t)),
      },
      { step: t, param: 'a.weight', metric: 'norm', value: 3 + Math.sin(t / 5000) },
    ]);
    run.metrics.logScalars(t, { loss: 2 / (1 + t / 1000), lr: 0.1 });
    run.metrics.endStep(t);
  }
  const dir = run.dir;
  run.finish();
  const t0 = performance.now();
  const out = join(root, 'long.html');
  const res = await runCli(['report', dir, '--out', out, '--max-points', '2000']);
  const ms = performance.now() - t0;
  assert.equal(res.code, 0, res.stderr);
  const d = loadRunData(dir, 2000);
  const delta = d.series['p/a.weight/delta_rad'];
  assert.ok(delta.x.length <= 2000 && delta.x.length > 1500, String(delta.x.length));
  assert.ok(
    delta.y.includes(0.0045 * 10 * (1 + 0.1 * Math.sin(54_321))),
    'the one-step spike survives',
  );
  assert.equal(d.series['s/lr'].x.length, 2); // constant: first and last point only
  const size = statSync(out).size;
  assert.ok(size < 1_000_000, `report is ${size} bytes`);
  assert.ok(ms < 15_000, `report took ${ms} ms`);
});

test('the static report opens from file:// with no network, no console errors, all figures', async () => {
  const out = join(root, 'browser', 'report.html');
  assert.equal((await runCli(['report', plain, rescaled, '--out', out])).code, 0);
  assert.ok(existsSync(out));
  const b = await openBrowser('file://');
  try {
    await b.page.goto(pathToFileURL(out).href);
    await b.page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    const charts = await chartsOf(b.page);
    assert.deepEqual(Object.keys(charts).sort(), ['all-layers', 'layer', 'rescale', 'runs']);
    const layer = charts.layer;
    assert.deepEqual(
      layer.panels.map((p) => p.id),
      ['grad', 'norm', 'delta'],
    );
    assert.deepEqual(layer.panels[2].theory, ['Δ* = arccos(1 − λη/(1+α))', 'Δ_t mean-field']);
    assert.deepEqual(layer.panels[1].theory, ['w*_t (from L_t)', '‖w_t‖ mean-field']);
    assert.ok(layer.panels[0].series.includes('h̃_t per step'));
    assert.equal(layer.lastX, 2999);
    const all = charts['all-layers'].panels[0];
    assert.deepEqual(all.series.slice(0, 3), [
      'layer1.0.conv1.weight',
      'layer1.0.conv2.weight',
      'layer2.0.conv2.weight',
    ]);
    assert.deepEqual(all.theory, ['Δ*(η_t)', 'mean-field Δ_t']);
    assert.ok(all.logY);
    assert.deepEqual(charts.rescale.panels[0].series, [
      '‖w_t‖ sgdm',
      'w*_t sgdm',
      '‖w_t‖ sgdm rescaled',
      'w*_t sgdm rescaled',
    ]);
    assert.deepEqual(
      charts.runs.panels.map((p) => p.id),
      ['loss', 'accuracy', 'delta'],
    );
    // Per-layer tables of both runs with verdicts.
    const verdicts = await b.page.$$eval('table.layers tr[data-param]', (rows) =>
      rows.map((r) => r.getAttribute('data-verdict')),
    );
    assert.equal(verdicts.length, 8);
    assert.equal(verdicts.filter((v) => v === 'not_scale_invariant').length, 2);
    // The layer picker redraws figure (a) for another layer; log toggle switches the axes.
    await b.page.selectOption('#layer-picker', 'layer2.0.conv2.weight');
    assert.equal((await chartsOf(b.page)).layer.panels[0].series.length, 2);
    await b.page.uncheck('#log-toggle');
    assert.equal((await chartsOf(b.page))['all-layers'].panels[0].logY, false);
    await b.page.check('#log-toggle');
    await b.page.selectOption('#layer-picker', 'layer1.0.conv2.weight');
    assert.equal(
      await b.page.$eval('figure[data-fig="layer"] h3', (e) => e.textContent),
      'layer1.0.conv2.weight: measured vs predicted',
    );
    // Drag-zoom on one panel of (a) zooms all three; hovering shows values in the legend.
    const over = b.page.locator('figure[data-fig="layer"] .panel[data-panel="delta"] .u-over');
    const box = (await over.boundingBox())!;
    await b.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await b.page.mouse.down();
    await b.page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
    await b.page.mouse.up();
    const ranges = JSON.parse(
      (await b.page.getAttribute('figure[data-fig="layer"]', 'data-x-ranges'))!,
    ) as [number, number][];
    assert.equal(ranges.length, 3);
    for (const r of ranges) assert.deepEqual(r, ranges[0]);
    assert.ok(ranges[0][0] > 1300 && ranges[0][1] < 2400, JSON.stringify(ranges));
    await b.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const values = await b.page.$$eval(
      'figure[data-fig="layer"] .panel[data-panel="delta"] .u-legend .u-value',
      (els) => els.map((e) => e.textContent),
    );
    assert.match(values[0] ?? '', /^\d+$/); // the step under the cursor
    assert.match(values[2] ?? '', /^\d\.\d+e-\d$|^0\.\d+$/); // windowed Δ there
    await b.page.dblclick('figure[data-fig="layer"] .panel[data-panel="delta"] .u-over');
    const shot = await screenshot(b.page, 'report-two-runs');
    assert.ok(statSync(shot).size > 50_000);
    assert.deepEqual(b.consoleErrors, []);
    assert.deepEqual(b.outsideRequests, []);
  } finally {
    await b.close();
  }
});
