// `smd serve` shows a PyTorch run live while smd_torch writes it from a child process (the
// Fashion-MNIST example, integrations/pytorch/examples/fashion_mnist.py), in headless Chromium;
// then `smd report` draws the finished run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, SMD_TORCH_DIR, pythonEnv } from '@smd/test-support/runs';
import { runCli } from '../run-cli.js';
import {
  buildWebBundle,
  chartsOf,
  openBrowser,
  screenshot,
  waitForLastX,
} from '@smd/test-support/cli';
import { startDashboard, type Dashboard } from '../serve/server.js';

let root = '';
let dash: Dashboard;

before(async () => {
  buildWebBundle();
  root = mkdtempSync(join(tmpdir(), 'smd-torch-serve-'));
  dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
});

test('smd serve shows a PyTorch run live; smd report draws it', async () => {
  const script = join(SMD_TORCH_DIR, 'examples', 'fashion_mnist.py');
  const args = [script, '--out', root, '--steps', '400', '--drop', '300', '--delay', '0.05'];
  const child = spawn(PYTHON, args, { env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
  const b = await openBrowser(dash.url);
  try {
    const { id, dir } = await new Promise<{ id: string; dir: string }>((ok, fail) => {
      child.stdout!.once('data', (d: Buffer) => ok(JSON.parse(d.toString().split('\n')[0])));
      child.once('exit', (c) => fail(new Error(`fashion_mnist.py exited with ${c}: ${stderr}`)));
    });
    await b.page.goto(`${dash.url}#/`);
    await b.page.waitForSelector(`tr[data-run="${id}"]`, { timeout: 60_000 });
    await b.page.click(`tr[data-run="${id}"] a`);
    await b.page.waitForSelector('body[data-ready="1"] figure[data-fig="layer"]', {
      timeout: 120_000,
    });
    const first = (await chartsOf(b.page)).layer.lastX;
    await waitForLastX(b.page, 'layer', first + 20, 180_000);
    const later = await chartsOf(b.page);
    assert.ok(later.layer.lastX > first + 20, `${first} → ${later.layer.lastX}`);
    // the three BN-fed convs of the Sequential, named as PyTorch names them
    assert.equal(await b.page.inputValue('#layer-picker'), '0.weight');
    const panel = later['all-layers'].panels[0];
    assert.ok(panel.series.includes('Δ*(η_t)'), panel.series.join(', '));
    assert.deepEqual(panel.series.filter((s) => s.endsWith('.weight')).sort(), [
      '0.weight',
      '3.weight',
      '6.weight',
    ]);
    assert.match(
      (await b.page.textContent('#live-status')) ?? '',
      /fashion-mnist-torch: step \d+ \(running\)/,
    );
    await screenshot(b.page, 'dashboard-pytorch-live');
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(b.consoleErrors, []);
    assert.deepEqual(b.outsideRequests, []);

    const figs = join(root, 'figs');
    const out = join(root, 'report.html');
    const res = await runCli(['report', dir, '--out', out, '--svg', figs]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /0\.weight: transient/);
    for (const fig of ['layer', 'all-layers', 'runs']) {
      assert.ok(statSync(join(figs, `fig-${fig}.svg`)).size > 5000, fig);
    }
    assert.match(readFileSync(join(figs, 'fig-layer.svg'), 'utf8'), /Δ\* = arccos/);
  } finally {
    child.kill('SIGTERM');
    await b.close();
  }
});
