/**
 * The PyTorch adapter (integrations/pytorch, package smd_torch) seen from Node: where it is and
 * how to run Python with it importable. Tests and benches use this; CI installs Debian's
 * python3-torch (scripts/setup.sh), so a missing torch is a failure, never a skip.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Python interpreter with torch: $SMD_PYTHON, else Debian's /usr/bin/python3. */
export const PYTHON = process.env.SMD_PYTHON ?? '/usr/bin/python3';

/** integrations/pytorch (same relative place from src/ and dist/). */
export const SMD_TORCH_DIR = fileURLToPath(
  new URL('../../../../integrations/pytorch', import.meta.url),
);

/** Environment for a Python child that imports smd_torch from the repository. */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = process.env.PYTHONPATH;
  return {
    ...process.env,
    PYTHONPATH: path ? `${SMD_TORCH_DIR}:${path}` : SMD_TORCH_DIR,
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1',
    ...extra,
  };
}

/** Runs `python args…` to completion; throws with its stderr when it exits non-zero. */
export function runPython(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(PYTHON, args, {
    cwd: opts.cwd,
    env: pythonEnv(opts.env),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${PYTHON} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(
      `${PYTHON} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}\n${r.stdout}`,
    );
  }
  return r;
}
