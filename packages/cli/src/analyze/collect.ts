/**
 * Finding checkpoints on disk for `smd analyze`: a PATH is a checkpoint file (.pt, .pth, .bin,
 * .ckpt, .safetensors), a Hugging Face Trainer folder (checkpoint-N/ with trainer_state.json or
 * optimizer.pt), or a folder holding either kind. Reading turns a formats error into a one-line
 * UsageError (exit 2) naming the file.
 */
import { readFileFast } from '@smd/native';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, readTrainingCheckpoint, type TrainingCheckpoint } from '@smd/formats';
import { labelStep } from '@smd/runs';
import { UsageError } from '../usage-error.js';

/** One checkpoint: a label (file or folder name) and its files (base name → path). */
export interface CheckpointSource {
  label: string;
  path: string;
  files: Map<string, string>;
}

const CHECKPOINT_FILE = /\.(pt|pth|bin|ckpt|safetensors)$/i;
const HF_MARKERS = ['trainer_state.json', 'optimizer.pt'];
const HF_FILES = new Set([
  'model.safetensors',
  'pytorch_model.bin',
  'optimizer.pt',
  'trainer_state.json',
]);

/** True for a Hugging Face Trainer checkpoint folder. */
export function isHfFolder(dir: string): boolean {
  return HF_MARKERS.some((m) => existsSync(join(dir, m)));
}

function hfSource(dir: string): CheckpointSource {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) if (HF_FILES.has(name)) files.set(name, join(dir, name));
  return { label: basename(dir), path: dir, files };
}

/** Checkpoints directly inside `dir` (files and HF folders), in step order (names otherwise). */
export function checkpointsIn(dir: string): CheckpointSource[] {
  const out: CheckpointSource[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // vanished between listing and stat (a job rotating checkpoints)
    }
    if (st.isDirectory() && isHfFolder(p)) out.push(hfSource(p));
    else if (st.isFile() && CHECKPOINT_FILE.test(name)) {
      out.push({ label: name, path: p, files: new Map([[name, p]]) });
    }
  }
  return sortByStep(out);
}

function sortByStep(list: CheckpointSource[]): CheckpointSource[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return list.sort((a, b) => {
    const sa = labelStep(a.label);
    const sb = labelStep(b.label);
    if (sa !== null && sb !== null && sa !== sb) return sa - sb;
    return collator.compare(a.label, b.label);
  });
}

/** Resolve the command's PATH arguments to checkpoints (errors name the path). */
export function collectCheckpoints(paths: string[], cwd: string): CheckpointSource[] {
  const out: CheckpointSource[] = [];
  for (const arg of paths) {
    const p = resolve(cwd, arg);
    if (!existsSync(p)) throw new UsageError(`smd analyze: ${arg}: no such file or folder`);
    const st = statSync(p);
    if (st.isFile()) out.push({ label: basename(p), path: p, files: new Map([[basename(p), p]]) });
    else if (isHfFolder(p)) out.push(hfSource(p));
    else {
      const found = checkpointsIn(p);
      if (found.length === 0) {
        throw new UsageError(
          `smd analyze: ${arg}: no checkpoints in this folder (expected .pt/.pth/.bin/.ckpt/.safetensors files or checkpoint-N/ folders)`,
        );
      }
      out.push(...found);
    }
  }
  return paths.length > 1 ? sortByStep(out) : out;
}

/**
 * Read one file of a checkpoint. Any failure (deleted or rotated away after the listing,
 * permissions, a folder in its place) is a UsageError naming the file: what a user can fix.
 */
function readCheckpointFile(p: string): Uint8Array {
  try {
    return readFileFast(p);
  } catch (e) {
    // native: "<path>: cannot open (No such file or directory)"; node:fs: "ENOENT: …, open '<path>'"
    const msg = e instanceof Error ? e.message : String(e);
    const why = msg.startsWith(`${p}: `)
      ? msg.slice(p.length + 2)
      : msg.replace(`, open '${p}'`, '');
    throw new UsageError(`smd analyze: ${p}: cannot read this checkpoint file (${why})`);
  }
}

/**
 * Read a checkpoint's files and parse them; a file that cannot be read (it vanished after the
 * listing) or does not parse becomes a UsageError (exit 2) naming it.
 */
export function loadCheckpoint(src: CheckpointSource): TrainingCheckpoint {
  const files = new Map<string, Uint8Array>();
  for (const [name, p] of src.files) files.set(name, readCheckpointFile(p));
  try {
    return readTrainingCheckpoint(files, src.label);
  } catch (e) {
    if (e instanceof InputError) {
      throw new UsageError(`smd analyze: ${src.path}: ${e.message}`);
    }
    throw e;
  }
}
