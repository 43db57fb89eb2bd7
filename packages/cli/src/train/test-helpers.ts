/** Test helpers of the train tests: temp folders, a tiny config, running the CLI as a child. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../run-cli.js';
import { UsageError, type CliResult } from '../usage-error.js';
import { runTrain } from './train-command.js';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

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
): Promise<CliResult & { progress: string }> {
  let stdout = '';
  let stderr = '';
  let progress = '';
  const io = { out: (t: string) => (stdout += t), err: (t: string) => (stderr += t), cwd };
  try {
    const code = await runTrain(argv, io, {
      progress: { write: (t) => (progress += t), isTTY: false },
      env: {},
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
  const main = join(dirname(here), '..', fromSource ? 'main.ts' : 'main.js');
  // tsx resolved from this package, since the child's cwd is a temp folder
  const pre = fromSource ? ['--conditions=source', '--import', import.meta.resolve('tsx')] : [];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...pre, main, ...argv], {
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
