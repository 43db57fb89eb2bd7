/**
 * `smd analyze --watch DIR`: poll DIR, and analyze each checkpoint once it is complete — its
 * files' sizes and mtimes unchanged over one poll interval (a writer still streaming a 200 MB
 * torch.save is not read half-written), and for a Hugging Face folder once trainer_state.json
 * exists (the Trainer writes it last). A checkpoint that fails to parse after it looked stable
 * is retried at the next change, then reported once and skipped.
 *
 * Rerunning the same `--watch DIR` command (same --out and --name) after a kill or Ctrl-C
 * continues its run: `findWatchRun` finds it, the writer reopens it, and checkpoints it already
 * holds are skipped by label.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '@smd/runs';
import { UsageError } from '../usage-error.js';
import type { TrainingCheckpoint } from '@smd/formats';
import type { AnalyzeRunWriter } from './analyze-run.js';
import { checkpointsIn, loadCheckpoint, type CheckpointSource } from './collect.js';

/** Options of {@link watchCheckpoints}. */
export interface WatchOptions {
  pollMs: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

function fingerprint(src: CheckpointSource): string | null {
  const parts: string[] = [];
  for (const [name, p] of src.files) {
    try {
      const st = statSync(p);
      parts.push(`${name}:${st.size}:${st.mtimeMs}`);
    } catch {
      return null;
    }
  }
  return parts.sort().join('|');
}

/**
 * The run an earlier `smd analyze --watch dir --name name` wrote under `out` (the newest, if
 * several), or null. Folders that are not readable runs are passed over.
 */
export function findWatchRun(out: string, name: string, dir: string): string | null {
  let best: { dir: string; createdAt: string } | null = null;
  let names: string[];
  try {
    names = readdirSync(out);
  } catch {
    return null; // no runs folder yet
  }
  for (const id of names) {
    if (id.startsWith('.')) continue; // a run being created, or a crashed creation
    try {
      const m = readManifest(join(out, id));
      const c = m.config;
      if (m.name !== name || c.source !== 'smd analyze' || c.watch !== dir) continue;
      if (!best || m.createdAt > best.createdAt)
        best = { dir: join(out, id), createdAt: m.createdAt };
    } catch {
      continue;
    }
  }
  return best?.dir ?? null;
}

/** The checkpoint labelled `label` in `dir`, read again (null when it is gone or unreadable). */
export function reloadCheckpoint(dir: string, label: string): TrainingCheckpoint | null {
  const src = checkpointsIn(dir).find((s) => s.label === label);
  if (!src) return null;
  try {
    return loadCheckpoint(src);
  } catch (e) {
    if (e instanceof UsageError) return null;
    throw e;
  }
}

/** Follow `dir` until SIGINT/SIGTERM or `signal`; each complete new checkpoint goes to `writer`. */
export async function watchCheckpoints(
  dir: string,
  writer: AnalyzeRunWriter,
  o: WatchOptions,
): Promise<void> {
  const done = new Set<string>();
  const seen = new Map<string, string>();
  const failed = new Map<string, string>();
  let stop = false;
  const onStop = (): void => {
    stop = true;
  };
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  o.signal?.addEventListener('abort', onStop, { once: true });
  o.log(`smd analyze: watching ${dir} (Ctrl-C to stop)`);
  try {
    while (!stop) {
      for (const src of checkpointsIn(dir)) {
        if (done.has(src.path)) continue;
        if (writer.stored.has(src.label)) {
          done.add(src.path); // stored by an earlier watch of this run
          continue;
        }
        const fp = fingerprint(src);
        const hfIncomplete = src.files.has('optimizer.pt') && !src.files.has('trainer_state.json');
        const stable = fp !== null && seen.get(src.path) === fp && !hfIncomplete;
        if (fp !== null) seen.set(src.path, fp);
        if (!stable || failed.get(src.path) === fp) continue;
        try {
          const a = writer.add(loadCheckpoint(src), writer.stored.size + 1);
          if (a) o.log(`smd analyze: ${src.label}: step ${a.step} added to ${writer.run!.dir}`);
          done.add(src.path);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          failed.set(src.path, fp!);
          o.log(`${e.message} (will retry if it changes)`);
        }
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, o.pollMs);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
  }
}
