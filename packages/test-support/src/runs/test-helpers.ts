/** Shared helpers of this package's tests (not exported from the package index). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateRunOptions } from '@smd/runs';

/** A fresh temp folder and a function removing it. */
export function tempRoot(prefix = 'smd-runs-'): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

/** Valid createRun options with fixed values (tests override fields). */
export function runOptions(over: Partial<CreateRunOptions> = {}): CreateRunOptions {
  return {
    name: 'Test Run',
    config: {
      model: 'resnet8',
      optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
      epochs: 2,
    },
    seed: 42,
    backend: 'ts',
    fallbacks: [],
    versions: { '@smd/runs': '0.1.0', node: process.version },
    gitSha: 'abc1234',
    machine: {
      hostname: 'test-host',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'test cpu',
      totalMemBytes: 1024,
      node: process.version,
    },
    now: new Date('2026-11-25T04:00:00.000Z'),
    ...over,
  };
}
