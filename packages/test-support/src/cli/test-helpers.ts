/** Test helpers of the train tests: temp folders, a tiny config, running the CLI as a child. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricStore, latestCheckpoint, type MetricDump } from '@smd/runs';
import { runCli, runTrain, UsageError, type CliResult } from '@smd/cli';

const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');

/** The smd entry point and the node flags to run it: from source via tsx (tsx resolved from
 * this package, since a child's cwd is often a temp folder), or the built dist/main.js. */
export const SMD_MAIN = {
  script: fileURLToPath(
    new URL(`../../../cli/${fromSource ? 'src/main.ts' : 'dist/main.js'}`, import.meta.url),
  ),
  pre: fromSource ? ['--conditions=source', '--import', import.meta.resolve('tsx')] : [],
};

/** A fresh temp folder. */
export function tempDir(prefix = 'smd-train-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Flags of a tiny synthetic run on the TS backend (16 steps at 8 per epoch). */
export const TINY = [
  '--data',
  'synthetic',
  '--synthetic-size',
  '128',
  '--model',
  'convstack',
  '--widths',
  '4,8',
  '--batch-size',
  '16',
  '--epochs',
  '2',
  '--window',
  '5',
  '--checkpoint-every',
  '4',
  '--backend',
  'ts',
];

/** `smd <argv>` in-process (train/runs/export/doctor print nothing live except train's progress). */
export async function smd(argv: string[], cwd: string): Promise<CliResult> {
  return runCli(argv, { cwd });
}

/** `smd train <argv>` in-process with progress captured into `progress`. */
export async function train(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult & { progress: string }> {
  let stdout = '';
  let stderr = '';
  let progress = '';
  const io = { out: (t: string) => (stdout += t), err: (t: string) => (stderr += t), cwd };
  try {
    const code = await runTrain(argv, io, {
      progress: { write: (t) => (progress += t), isTTY: false },
      env,
    });
    return { code, stdout, stderr, progress };
  } catch (e) {
    if (e instanceof UsageError) return { code: e.exitCode, stdout, stderr: e.message, progress };
    throw e;
  }
}

/** `smd <argv>` as a child process (from source via tsx, or from dist). */
export function smdChild(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...SMD_MAIN.pre, SMD_MAIN.script, ...argv], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Machine-dependent scalars (timing), excluded from run comparisons. */
const TIMING = new Set(['images_per_s', 'elapsed_s']);

/** The one run folder under `root`. */
export function runDir(root: string): string {
  const ids = readdirSync(root).filter((n) => !n.startsWith('.'));
  assert.equal(ids.length, 1, `one run under ${root}: ${ids.join(', ')}`);
  return join(root, ids[0]);
}

/** Every row of a run's store, timing scalars left out. */
export function dump(dir: string): MetricDump {
  const s = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    const d = s.dump();
    return { ...d, scalars: d.scalars.filter((r) => !TIMING.has(r.name)) };
  } finally {
    s.close();
  }
}

/** Events as "step:kind:message" lines. */
export const ev = (x: MetricDump): string[] =>
  x.events.map((e) => `${e.step}:${e.kind}:${e.message}`);

/**
 * Asserts that the run in `dir` equals the uninterrupted reference run `refDir` bit for bit:
 * every scalar (timing aside), probe, param and event row, each of `steps` steps exactly once,
 * and the last checkpoint's weights.
 */
export function assertSameRun(dir: string, refDir: string, steps: number): void {
  const got = dump(dir);
  const want = dump(refDir);
  assert.equal(got.scalars.length, want.scalars.length);
  assert.deepEqual(got.scalars, want.scalars);
  assert.equal(got.probes.length, want.probes.length);
  assert.ok(want.probes.length > 100);
  // bit-for-bit: deepEqual compares numbers with Object.is
  assert.deepEqual(got.probes, want.probes);
  assert.deepEqual(got.params, want.params);
  assert.deepEqual(ev(got), ev(want));
  const lossSteps = got.scalars.filter((r) => r.name === 'loss').map((r) => r.step);
  assert.deepEqual(
    lossSteps,
    Array.from({ length: steps }, (_, i) => i),
  );
  const w1 = latestCheckpoint(dir)!;
  const w0 = latestCheckpoint(refDir)!;
  assert.equal(w1.step, steps - 1);
  assert.deepEqual([...w1.tensors.keys()].sort(), [...w0.tensors.keys()].sort());
  for (const [k, t] of w0.tensors) {
    const u = w1.tensors.get(k)!;
    assert.deepEqual(u.shape, t.shape);
    const bytes = (a: typeof t.data): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    assert.ok(bytes(u.data).equals(bytes(t.data)), `tensor ${k} differs`);
  }
}

/** 64 steps of a small convstack on the native backend, a checkpoint every 4 steps (the kill campaign's run). */
export const KILL_FLAGS = [
  '--data',
  'synthetic',
  '--synthetic-size',
  '512',
  '--model',
  'convstack',
  '--widths',
  '8,16',
  '--batch-size',
  '32',
  '--epochs',
  '4',
  '--window',
  '5',
  '--checkpoint-every',
  '4',
  '--schedule',
  'multistep:2:0.1',
  '--rescale',
  '--backend',
  'native',
];

/**
 * GET `<url>api/runs/<id>/data` of a running `smd serve` until its background analysis is in
 * the answer (analysis not null; polls every 50 ms, at most `timeoutMs`).
 */
export async function analyzedData<T>(url: string, id: string, timeoutMs = 300_000): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const r = await fetch(`${url}api/runs/${encodeURIComponent(id)}/data`);
    const body = (await r.json()) as { analysis?: unknown; error?: string };
    if (r.status !== 200) throw new Error(`${r.status}: ${body.error}`);
    if (body.analysis !== null) return body as T;
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`no analysis of run ${id} after ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
