import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { runCli } from '../run-cli.js';
import {
  analyzedData,
  buildWebBundle,
  chartsOf,
  openBrowser,
  screenshot,
  waitForLastX,
  writeFixtureRun,
} from '@smd/test-support/cli';
import { startDashboard, type Dashboard } from './server.js';

let root = '';
let finished = '';
let dash: Dashboard;

before(async () => {
  buildWebBundle();
  root = mkdtempSync(join(tmpdir(), 'smd-serve-'));
  finished = await writeFixtureRun({ root, name: 'done', steps: 1200, milestones: [600], seed: 5 });
  dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
});

/** Raw GET (no URL normalisation, unlike fetch): status and body. */
function rawGet(
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(dash.url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        ok({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

const idOf = (dir: string): string => dir.slice(dir.lastIndexOf('/') + 1);

test('binds 127.0.0.1; serves the page, the bundle and the run JSON', async () => {
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await rawGet('/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<script src="app.js" defer>/);
  assert.equal((await rawGet('/app.js')).type, 'text/javascript; charset=utf-8');
  const list = JSON.parse((await rawGet('/api/runs')).body);
  assert.deepEqual(
    list.runs.map((r: { id: string }) => r.id),
    [idOf(finished)],
  );
  assert.equal(list.runs[0].status, 'finished');
  assert.equal(list.runs[0].lastStep, 1199);
  // the analysis arrives from the worker thread (the first answers may say it is pending)
  const data = await analyzedData<{ cursor: number; analysis: { table: unknown[] } }>(
    dash.url,
    idOf(finished),
  );
  assert.equal(data.cursor, 1199);
  assert.equal(data.analysis.table.length, 4);
  const since = JSON.parse((await rawGet(`/api/runs/${idOf(finished)}/since?step=1100`)).body);
  assert.equal(since.from, 1100);
  assert.equal(since.rewound, false);
  assert.deepEqual(
    since.series['s/loss'].x,
    Array.from({ length: 99 }, (_, i) => 1101 + i),
  );
  const none = JSON.parse((await rawGet(`/api/runs/${idOf(finished)}/since?step=1199`)).body);
  assert.deepEqual(none.series, {});
});

test('path traversal, unknown ids, bad queries and methods get JSON errors, not files', async () => {
  for (const p of [
    '/../../../../etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/api/runs/..%2F..%2Fetc/data',
    '/api/runs/%2e%2e/data',
    '/api/runs/../../package.json',
    `/api/runs/${idOf(finished)}/../../manifest.json`,
    `/api/runs/${idOf(finished)}/manifest.json`,
    `/${idOf(finished)}/manifest.json`,
    `/${idOf(finished)}/metrics.sqlite`,
    '/api/runs/does-not-exist/data',
    '/api/runs/.hidden/data',
    '/node_modules/uplot/package.json',
    '/src/app/main.ts',
  ]) {
    const r = await rawGet(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.type, 'application/json', p);
    assert.match(JSON.parse(r.body).error, /not found|no run|bad run id/, p);
    assert.ok(!r.body.includes('root:') && !r.body.includes('"format"'), p);
  }
  const bad = await rawGet(`/api/runs/${idOf(finished)}/since?step=abc`);
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).error, /query field "step" must be an integer >= -1/);
  assert.equal((await rawGet('/api/runs', 'POST')).status, 405);
});

test('a run deleted while served gives a 404 JSON error and the server keeps going', async () => {
  const dir = await writeFixtureRun({
    root,
    name: 'doomed',
    steps: 300,
    milestones: [150],
    seed: 7,
  });
  assert.equal((await rawGet(`/api/runs/${idOf(dir)}/data`)).status, 200);
  rmSync(dir, { recursive: true, force: true });
  const r = await rawGet(`/api/runs/${idOf(dir)}/since?step=10`);
  assert.equal(r.status, 404);
  assert.match(JSON.parse(r.body).error, /no run with id/);
  assert.equal((await rawGet('/api/runs')).status, 200);
});

test('smd serve flags: bad port, missing folder, --help', async () => {
  const r = await runCli(['serve', root, '--port', '70000']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'smd serve: --port must be an integer in [0, 65535] (got "70000")\n');
  const m = await runCli(['serve', join(root, 'missing')]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /RUNS_DIR ".*missing" must be an existing folder of runs/);
  assert.match((await runCli(['serve', '--help'])).stdout, /--host H/);
});

test('the live page shows new steps as a child process writes them', async () => {
  const script = fileURLToPath(import.meta.resolve('@smd/test-support/cli/fixture-main'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...process.execArgv.filter((a) => !a.startsWith('--test')),
      script,
      JSON.stringify({
        root,
        name: 'live',
        steps: 4000,
        milestones: [1500],
        seed: 9,
        delayMs: 60,
        chunk: 40,
        undeclared: true,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const b = await openBrowser(dash.url);
  try {
    const id = await new Promise<string>((ok, fail) => {
      child.stdout!.once('data', (d: Buffer) => ok(JSON.parse(d.toString().split('\n')[0]).id));
      child.once('exit', (c) => fail(new Error(`fixture writer exited with ${c}`)));
    });
    await b.page.goto(`${dash.url}#/`);
    await b.page.waitForSelector(`tr[data-run="${id}"]`, { timeout: 20_000 });
    await b.page.click(`tr[data-run="${id}"] td:nth-child(2) a`);
    await b.page.waitForSelector('body[data-ready="1"] figure[data-fig="layer"]', {
      timeout: 20_000,
    });
    const first = (await chartsOf(b.page)).layer.lastX;
    // Wait for the chart to advance by at least 200 steps (the writer does ~600 steps/s).
    await waitForLastX(b.page, 'layer', first + 200, 30_000);
    // The analysis comes from the worker thread (slow on a loaded machine); the defaulted layer
    // follows it. Undeclared tensors: fc.weight is judged not scale-invariant by its radial cosine.
    await b.page.waitForSelector('.verdicts:not(.pending)', { timeout: 60_000 });
    const later = await chartsOf(b.page);
    assert.equal(await b.page.inputValue('#layer-picker'), 'layer1.0.conv1.weight');
    assert.ok(!later['all-layers'].panels[0].series.includes('fc.weight'));
    assert.ok(later.layer.lastX > first + 200, `${first} → ${later.layer.lastX}`);
    assert.deepEqual(later['all-layers'].panels[0].theory, ['Δ*(η_t)', 'mean-field Δ_t']);
    const status = await b.page.textContent('#live-status');
    // Running, unless a loaded machine let the writer finish all 4000 steps first.
    assert.match(status ?? '', /live: step (\d+ \(running\)|3999 \(finished\))/);
    // Let it pass the lr drop, then screenshot the live page.
    await waitForLastX(b.page, 'layer', 2200, 40_000);
    // fc.weight was not declared: its radial cosine raises an alert with the likely cause.
    const alert = await b.page.textContent('.alert[data-param="fc.weight"]');
    assert.match(
      alert ?? '',
      /mean \|radial cosine\| 0\.\d+ over the last window .*Likely cause: the gradient has a radial component/,
    );
    assert.equal(
      await b.page.getAttribute('.alert[data-param="fc.weight"]', 'data-kind'),
      'not_scale_invariant',
    );
    await screenshot(b.page, 'dashboard-live');
    // The run list: one analyzed row per run, sortable and filterable; pick two runs to compare.
    await b.page.goto(`${dash.url}#/`);
    await b.page.waitForSelector(`tr[data-run="${idOf(finished)}"]`, { timeout: 20_000 });
    const cells = await b.page.$$eval(`tr[data-run="${idOf(finished)}"] td`, (tds) =>
      tds.map((td) => td.textContent ?? ''),
    );
    // [box, name, status, optimizer, η/schedule, λ, α, last step, loss, test acc, Δ/Δ*, mf error, alerts, created]
    assert.deepEqual(cells.slice(1, 8), [
      'done',
      'finished',
      'sgd',
      '0.1000 {"kind":"multistep","milestones":[600],"gamma":0.1}',
      '5.000e-4',
      '0.9000',
      '1199',
    ]);
    assert.match(cells[10], /^(0\.\d{4}|\d\.\d{3})$/); // num(): 4 significant digits
    assert.match(cells[11], /^\d+\.\d%$/);
    await b.page.fill('#run-filter', 'status:finished');
    await b.page.waitForFunction(
      "document.querySelectorAll('table.run-list tbody tr').length === 1",
    );
    await b.page.fill('#run-filter', '');
    await b.page.click('th[data-key="name"]');
    const names = await b.page.$$eval('table.run-list tbody tr td:nth-child(2)', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(names, ['live', 'done']); // name, descending
    await b.page.check(`input[data-select="${idOf(finished)}"]`);
    await b.page.check(`input[data-select="${id}"]`);
    assert.match((await b.page.textContent('#compare-selected')) ?? '', /compare selected \(2\)/);
    await b.page.click('#compare-selected');
    await b.page.waitForSelector('body[data-ready="1"] figure[data-fig="rescale"]', {
      timeout: 20_000,
    });
    assert.equal(await b.page.locator('.run-col').count(), 2);
    assert.deepEqual(b.consoleErrors, []);
    assert.deepEqual(b.outsideRequests, []);
  } finally {
    child.kill('SIGTERM');
    await b.close();
  }
});

test('`smd serve --port 0` prints its URL, serves, warns for a public --host, stops on SIGTERM', async () => {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const main = join(here, '..', '..', `main${ext}`);
  const start = (host: string): Promise<{ child: ChildProcess; url: string; err: string }> =>
    new Promise((ok, fail) => {
      const child = spawn(
        process.execPath,
        [
          ...process.execArgv.filter((a) => !a.startsWith('--test')),
          main,
          'serve',
          root,
          '--port',
          '0',
          '--host',
          host,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /at (http:\/\/\S+) /.exec(err);
        if (m) ok({ child, url: m[1], err });
      });
      child.once('exit', (c) => fail(new Error(`smd serve exited with ${c}: ${err}`)));
    });
  const { child, url, err } = await start('127.0.0.1');
  assert.doesNotMatch(err, /warning/);
  const list = (await (await fetch(`${url}api/runs`)).json()) as { runs: { id: string }[] };
  assert.ok(list.runs.some((r) => r.id === idOf(finished)));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((ok) => {
    child.once('exit', (c) => ok(c));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
  assert.match(out, /smd serve: stopped/);
  const pub = await start('0.0.0.0');
  assert.match(pub.err, /warning: binding 0\.0\.0\.0 makes your runs readable by anyone/);
  pub.child.kill('SIGTERM');
});
