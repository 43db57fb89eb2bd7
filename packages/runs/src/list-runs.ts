/** `smd runs`: one summary line per run folder under a root. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunStatus } from './browser/manifest-schema.js';
import { MANIFEST_FILE, METRICS_FILE } from './layout.js';
import { MetricStore } from './metric-store.js';
import { readManifest } from './run.js';
import { deriveStatus } from './run-lock.js';

/** One row of `smd runs`. */
export interface RunSummary {
  id: string;
  name: string;
  dir: string;
  createdAt: string;
  status: RunStatus;
  /** Highest logged step, or null if nothing was logged. */
  lastStep: number | null;
  backend: string;
}

/** A folder under the root that looks like a run but cannot be read. */
export interface InvalidRun {
  dir: string;
  error: string;
}

/**
 * Summaries of every run folder under `root` (folders with a manifest.json; hidden staging
 * folders skipped), oldest first. Unreadable runs are reported in `invalid`, not thrown.
 */
export function listRuns(root: string): { runs: RunSummary[]; invalid: InvalidRun[] } {
  const abs = resolve(root);
  const runs: RunSummary[] = [];
  const invalid: InvalidRun[] = [];
  if (!existsSync(abs)) return { runs, invalid };
  for (const name of readdirSync(abs).sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(abs, name);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, MANIFEST_FILE))) continue;
    try {
      const m = readManifest(dir);
      const store = MetricStore.open(join(dir, METRICS_FILE), { readonly: true });
      let lastStep: number | null;
      try {
        lastStep = store.latestStep();
      } finally {
        store.close();
      }
      runs.push({
        id: m.id,
        name: m.name,
        dir,
        createdAt: m.createdAt,
        status: deriveStatus(dir),
        lastStep,
        backend: m.backend,
      });
    } catch (e) {
      invalid.push({ dir, error: (e as Error).message });
    }
  }
  runs.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  return { runs, invalid };
}
