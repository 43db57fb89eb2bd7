import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '@smd/formats';
import { Rng } from '@smd/engine';
import { deltaStarExact } from '@smd/smd';
import { runCli } from '../run-cli.js';
import { loadRun } from '../reproduce/load-run.js';
import {
  openExploreSite,
  screenshot,
  writeFixtureRun,
  type BrowserSession,
} from '@smd/test-support/cli';

// The "your files" tab of smd explore in headless Chromium: safetensors, PyTorch checkpoints
// and an smd export dropped onto the page, analyzed in the page.

// Fixtures of packages/formats/src/fixtures/torch/make_torch_fixtures.py (python3-torch 1.13).
const RUNS = fileURLToPath(new URL('../../../formats/src/fixtures/torch/runs/', import.meta.url));
const EXPECTED = JSON.parse(readFileSync(join(RUNS, 'expected.json'), 'utf8')) as Record<
  string,
  { step: number; params: Record<string, { delta: number; norm: number }> }[]
>;

let dir = '';
let url = '';
let s: BrowserSession;

before(async () => {
  ({ dir, url, session: s } = await openExploreSite('smd-explore-files-'));
});
after(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until element `sel`'s text contains `text`. */
async function waitText(sel: string, text: string): Promise<void> {
  await s.page.waitForFunction(
    (a: { sel: string; text: string }) =>
      (
        (globalThis as unknown as { document: Doc }).document.querySelector(a.sel)?.textContent ??
        ''
      ).includes(a.text),
    { sel, text },
    { timeout: 120_000, polling: 200 },
  );
}

/** The DOM as seen from page functions (this package compiles without the DOM lib). */
type Doc = {
  querySelector(sel: string): { textContent: string | null } | null;
};

/** Drops `files` on the drop zone as a real drag-and-drop would (DataTransfer of File objects). */
async function drop(files: { name: string; buffer: Buffer }[]): Promise<void> {
  await s.page.evaluate(
    `((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })(${JSON.stringify(files.map((f) => ({ name: f.name, b64: f.buffer.toString('base64') })))})`,
  );
}

/** A table row as seen from page functions. */
type Row = { getAttribute(n: string): string | null; getAttributeNames(): string[] };

/** The data-* numbers of the rows of table `id`, by the row's `key` attribute. */
async function tableRows(id: string, key: string): Promise<Record<string, Record<string, string>>> {
  return s.page.$$eval(
    `#${id} tbody tr`,
    (rows, k) =>
      Object.fromEntries(
        (rows as unknown as Row[]).map((r) => [
          r.getAttribute(k) ?? '',
          Object.fromEntries(r.getAttributeNames().map((n) => [n, r.getAttribute(n) ?? ''])),
        ]),
      ),
    key,
  );
}

async function openFiles(): Promise<void> {
  await s.page.setViewportSize({ width: 1280, height: 900 });
  await s.page.goto(`${url}#files`);
  await s.page.waitForSelector('body[data-ready="1"]');
}

/** A tiny smd-style checkpoint: one conv weight and its momentum buffer, optimizer state. */
function checkpoint(step: number, w: Float32Array, v: Float32Array, lr: number): Uint8Array {
  return writeSafetensors(
    {
      'model.conv.weight': { data: w, shape: [4, 2, 3, 3] },
      'model.bn.weight': { data: new Float32Array(4).fill(1), shape: [4] },
      'optim.conv.weight.momentum_buffer': { data: v, shape: [4, 2, 3, 3] },
    },
    {
      'smd.step': String(step),
      'smd.state': JSON.stringify({
        optimizer: { param_groups: [{ lr, momentum: 0.9, weightDecay: 5e-4 }] },
      }),
    },
  );
}

test('dropping a safetensors series shows per-tensor ‖w‖ and the exact Δ_t of each checkpoint', async () => {
  const { page, consoleErrors } = s;
  await openFiles();
  const rng = new Rng(7);
  const files: { name: string; mimeType: string; buffer: Buffer }[] = [];
  const want: { norm: number; delta: number }[] = [];
  const lr = 0.1;
  for (const step of [300, 100, 200]) {
    const w = new Float32Array(72).map(() => rng.normal());
    const v = new Float32Array(72).map(() => 0.05 * rng.normal());
    // Independent float64 reference: w_t = w_{t+1} + η v_t, Δ = arccos(cos) of the two.
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < 72; i++) {
      const a = w[i] + lr * v[i];
      ab += a * w[i];
      aa += a * a;
      bb += w[i] * w[i];
    }
    want[step] = { norm: Math.sqrt(bb), delta: Math.acos(Math.min(1, ab / Math.sqrt(aa * bb))) };
    files.push({
      name: `ckpt-${step}.safetensors`,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(checkpoint(step, w, v, lr)),
    });
  }
  await drop(files);
  await page.waitForSelector('#files[data-state="done"]');
  const row = await page.$eval('#files-table tr[data-tensor="conv.weight"]', (r) => ({
    delta: Number(r.getAttribute('data-delta')),
    star: Number(r.getAttribute('data-delta-star')),
    norm: Number(r.getAttribute('data-norm')),
  }));
  // The last checkpoint by step is 300, whatever the drop order.
  assert.ok(Math.abs(row.delta / want[300].delta - 1) < 1e-6, `${row.delta} vs ${want[300].delta}`);
  assert.ok(Math.abs(row.norm / want[300].norm - 1) < 1e-9);
  assert.ok(Math.abs(row.star / deltaStarExact({ lr, wd: 5e-4, momentum: 0.9 }) - 1) < 1e-12);
  assert.match(
    (await page.textContent('#files-out')) ?? '',
    /Checkpoints by step: 100 \(ckpt-100\.safetensors\), 200 .*, 300/,
  );
  // bn.weight is 1-D: not a weight tensor of the analysis.
  assert.equal(await page.$$eval('#files-table tbody tr', (r) => r.length), 1);
  await screenshot(page, 'explore-files-laptop');
  // A broken file is named in one line; the others still show.
  await page.setInputFiles('#files-input', [
    files[0],
    {
      name: 'broken.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([1, 2, 3]),
    },
    { name: 'model.pt', mimeType: 'application/octet-stream', buffer: Buffer.from([80, 75]) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
  ]);
  await waitText('#files-status', 'broken.safetensors');
  const status = (await page.textContent('#files-status')) ?? '';
  assert.match(status, /safetensors broken\.safetensors: truncated/);
  assert.match(status, /torch checkpoint model\.pt: not a PyTorch checkpoint/);
  assert.match(status, /notes\.txt: not a checkpoint/);
  assert.deepEqual(consoleErrors, []);
});

test('dropping PyTorch checkpoints shows the analysis of smd analyze (PyTorch’s own Δ_t)', async () => {
  const { page, consoleErrors } = s;
  await openFiles();
  // Dropped out of order; the page orders them by step (30, 59, 60).
  await drop(
    ['ckpt-60.pt', 'ckpt-30.pt', 'ckpt-59.pt'].map((n) => ({
      name: n,
      buffer: readFileSync(join(RUNS, 'sgdm', n)),
    })),
  );
  await page.waitForSelector('#files[data-state="done"]');
  assert.match(
    (await page.textContent('#torch-summary')) ?? '',
    /Checkpoints by step: 30 \(ckpt-30\.pt\), 59 \(ckpt-59\.pt\), 60 \(ckpt-60\.pt\)\. Last: sgdm, η = 0\.01/,
  );
  const rows = await tableRows('torch-table', 'data-tensor');
  const want = EXPECTED.sgdm[2].params;
  assert.deepEqual(Object.keys(rows).sort(), Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const r = rows[name];
    assert.ok(Math.abs(Number(r['data-norm']) / w.norm - 1) < 1e-6, `${name} ‖w‖`);
    const tol = name.includes('bn') || name.endsWith('bias') ? 1e-4 : 1e-5;
    assert.ok(
      Math.abs(Number(r['data-delta']) / w.delta - 1) < tol,
      `${name} Δ ${r['data-delta']} vs ${w.delta}`,
    );
  }
  // The same scale-invariance verdicts and Δ* as smd analyze prints for this folder.
  const cli = await runCli(['analyze', join(RUNS, 'sgdm'), '--out', join(dir, 'analyzed')]);
  assert.equal(cli.code, 0, cli.stderr);
  for (const [name, r] of Object.entries(rows)) {
    const line = cli.stdout.split('\n').find((l) => l.startsWith(`${name} `))!;
    const [, si, , , star] = line.trim().split(/\s+/);
    assert.equal(r['data-si'], si === 'yes' ? 'true' : 'false', line);
    if (si === 'yes')
      assert.equal(Number(Number(r['data-delta-star']).toPrecision(4)), Number(star));
  }
  assert.equal(rows['conv2.weight']['data-si'], 'true');
  await screenshot(page, 'explore-files-torch');
  assert.deepEqual(consoleErrors, []);
});

test('dropping an smd export shows the per-layer analysis of smd report (analyzeRun offline)', async () => {
  const { page, consoleErrors } = s;
  const runs = join(dir, 'runs');
  const runDir = await writeFixtureRun({
    root: runs,
    name: 'dropped',
    steps: 600,
    milestones: [300],
    seed: 4,
  });
  const out = join(dir, 'export.json');
  const r = await runCli([
    'export',
    basename(runDir),
    '--format',
    'json',
    '--out',
    out,
    '--runs',
    runs,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const want = loadRun(runDir).analysis;
  await openFiles();
  await drop([{ name: 'export.json', buffer: readFileSync(out) }]);
  await page.waitForSelector('#files[data-state="done"]');
  assert.match((await page.textContent('#files-out')) ?? '', /smd export of run “dropped”/);
  const rows = await tableRows('export-table', 'data-layer');
  assert.deepEqual(
    Object.keys(rows),
    want.layers.map((l) => l.param),
  );
  for (const l of want.layers) {
    const got = rows[l.param];
    assert.equal(got['data-si'], String(l.scaleInvariant));
    assert.equal(got['data-verdict'], l.verdict);
    for (const [attr, v] of [
      ['data-delta-rms', l.deltaRms],
      ['data-delta-star', l.deltaStar],
      ['data-delta-predicted', l.deltaPredicted],
    ] as const)
      assert.ok(
        Number.isNaN(v) ? got[attr] === 'NaN' : Math.abs(Number(got[attr]) / v - 1) < 1e-12,
        `${l.param} ${attr}`,
      );
  }
  assert.ok(want.layers.some((l) => l.scaleInvariant && Number.isFinite(l.deltaRms)));
  // A CSV export lacks the run config: one line saying which export to drop.
  await drop([{ name: 'run.csv', buffer: Buffer.from('step,param,metric,channel,value\n') }]);
  await waitText('#files-status', 'run.csv');
  assert.match(
    (await page.textContent('#files-status')) ?? '',
    /run\.csv: this page reads the JSON export/,
  );
  await screenshot(page, 'explore-files-export');
  assert.deepEqual(consoleErrors, []);
});
