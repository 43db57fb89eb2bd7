/**
 * Checkpoints: `checkpoints/step-<n>.safetensors`, tensors plus JSON state in __metadata__:
 *   smd.format  'smd-checkpoint/1'
 *   smd.step    decimal step
 *   smd.state   JSON (optimizer hyperparameters, RNG states, data-loader and schedule position)
 *   smd.sha256  hex SHA-256 over step, state and every tensor (name, dtype, shape, bytes) in
 *               name order, so a file whose header parses but whose data changed is rejected.
 * Written atomically (tmp + fsync + rename + fsync dir); the last `keep` files are kept.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  InputError,
  type SafetensorsArray,
  type SafetensorsDtype,
  type SafetensorsTensor,
  type SafetensorsWritable,
  decodeSafetensor,
  parseSafetensors,
  writeSafetensors,
} from '@smd/formats';
import { type Json, firstNonJson } from './browser/manifest-schema.js';
import { fsyncDir, writeFileAtomic } from './fs-atomic.js';
import { CHECKPOINT_DIR } from './layout.js';
import type { Run } from './run.js';

/** Value of the smd.format metadata key. */
export const CHECKPOINT_FORMAT = 'smd-checkpoint/1';

const NAME = /^step-(\d+)\.safetensors$/;
const TEMP = /\.safetensors\.tmp-\d+$/;

/** Inputs of {@link saveCheckpoint}. */
export interface CheckpointData {
  /** Parameters and buffers (state_dict keys), row-major `data` of `shape`. */
  tensors: Record<string, SafetensorsWritable>;
  /** Everything else needed to resume bit-exactly, as JSON data. */
  state: { [key: string]: Json };
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** How many checkpoints to keep (newest steps). Default 3. */
  keep?: number;
  /** Called with the synced temp file before it is renamed into place (crash tests). */
  beforeRename?: (tmpPath: string) => void;
}

/** A loaded, validated checkpoint. */
export interface LoadedCheckpoint {
  step: number;
  path: string;
  tensors: Map<string, { data: SafetensorsArray; shape: number[] }>;
  state: { [key: string]: Json };
}

/** A checkpoint file found on disk and whether it validated. */
export interface CheckpointEntry {
  step: number;
  path: string;
  /** null if valid, else why it was rejected (one line). */
  error: string | null;
}

/** `checkpoints/step-<n>.safetensors` of `run` (or of a run folder path). */
export function checkpointPath(run: Run | string, step: number): string {
  const dir = typeof run === 'string' ? run : run.dir;
  return join(dir, CHECKPOINT_DIR, `step-${step}.safetensors`);
}

/** The dtype writeSafetensors picks for an array when none is given. */
function defaultDtype(data: SafetensorsWritable['data']): SafetensorsDtype {
  const byType: [new (n: number) => unknown, SafetensorsDtype][] = [
    [Float64Array, 'F64'],
    [Float32Array, 'F32'],
    [BigInt64Array, 'I64'],
    [Int32Array, 'I32'],
    [Int16Array, 'I16'],
    [Int8Array, 'I8'],
    [BigUint64Array, 'U64'],
    [Uint32Array, 'U32'],
    [Uint16Array, 'U16'],
  ];
  for (const [ctor, dtype] of byType) if (data instanceof ctor) return dtype;
  return 'U8';
}

interface DigestPart {
  name: string;
  dtype: string;
  shape: readonly number[];
  bytes: Uint8Array;
}

/** The checksum stored in smd.sha256 (tensors little-endian, as stored in the file). */
function digest(step: number, stateJson: string, parts: DigestPart[]): string {
  const h = createHash('sha256');
  h.update(`${CHECKPOINT_FORMAT}\n${step}\n${stateJson}\n`);
  const sorted = [...parts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of sorted) {
    h.update(`${p.name}\0${p.dtype}\0${p.shape.join(',')}\0${p.bytes.byteLength}\0`);
    h.update(p.bytes);
  }
  return h.digest('hex');
}

/**
 * Saves a checkpoint for `step`. Metrics logged so far are committed and synced first, and a
 * 'checkpoint' event is logged at `step`, so the store holds every row up to `step` before the
 * file appears (resume then truncates after `step`). Call it last in the step. Returns the path.
 */
export function saveCheckpoint(
  run: Run,
  step: number,
  data: CheckpointData,
  opts: SaveCheckpointOptions = {},
): string {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`saveCheckpoint: step must be a non-negative integer, got ${step}`);
  }
  const keep = opts.keep ?? 3;
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new RangeError(`saveCheckpoint: keep must be a positive integer, got ${keep}`);
  }
  const bad = firstNonJson(data.state, 'state');
  if (bad) throw new TypeError(`saveCheckpoint: ${bad} is not JSON data (finite numbers only)`);
  const stateJson = JSON.stringify(data.state);
  const parts: DigestPart[] = Object.entries(data.tensors).map(([name, t]) => ({
    name,
    dtype: t.dtype ?? defaultDtype(t.data),
    shape: t.shape,
    bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  }));
  const path = checkpointPath(run, step);
  run.metrics.logEvent(step, 'checkpoint', `step-${step}.safetensors`);
  run.metrics.flush();
  run.metrics.syncToDisk();
  const bytes = writeSafetensors(data.tensors, {
    'smd.format': CHECKPOINT_FORMAT,
    'smd.step': String(step),
    'smd.state': stateJson,
    'smd.sha256': digest(step, stateJson, parts),
  });
  writeFileAtomic(path, bytes, { beforeRename: opts.beforeRename });
  run.log(`checkpoint step ${step} (${bytes.byteLength} bytes)`);
  pruneCheckpoints(run.checkpointDir, keep);
  return path;
}

/** Deletes all but the `keep` highest-step checkpoints and any stale temp files. */
function pruneCheckpoints(dir: string, keep: number): void {
  const names = readdirSync(dir);
  const steps = names
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], step: Number(m[1]) }))
    .sort((a, b) => b.step - a.step);
  const doomed = [...steps.slice(keep).map((s) => s.name), ...names.filter((n) => TEMP.test(n))];
  for (const n of doomed) unlinkSync(join(dir, n));
  if (doomed.length) fsyncDir(dir);
}

/**
 * Loads and validates one checkpoint file: safetensors header, smd.format, smd.step, JSON
 * state and the checksum. Throws a one-line error naming the file.
 */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const fail = (why: string): never => {
    throw new InputError(`checkpoint ${path}: ${why}`);
  };
  // A plain Uint8Array, not a Buffer: Buffer#slice is a view, and decodeSafetensor copies with slice().
  const buf = readFileSync(path);
  const file = parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
  const md = file.metadata ?? fail('no __metadata__');
  if (md['smd.format'] !== CHECKPOINT_FORMAT) fail(`smd.format must be '${CHECKPOINT_FORMAT}'`);
  const step = Number(md['smd.step']);
  if (!/^\d+$/.test(md['smd.step'] ?? '')) fail('smd.step must be a decimal step');
  const stateJson = md['smd.state'] ?? fail('smd.state missing');
  let state: { [key: string]: Json } = {};
  try {
    state = JSON.parse(stateJson) as { [key: string]: Json };
  } catch {
    fail('smd.state is not valid JSON');
  }
  const parts = [...file.tensors.values()].map((t: SafetensorsTensor) => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    bytes: t.bytes,
  }));
  if (digest(step, stateJson, parts) !== md['smd.sha256']) fail('checksum mismatch (corrupt file)');
  const tensors = new Map<string, { data: SafetensorsArray; shape: number[] }>();
  for (const t of file.tensors.values())
    tensors.set(t.name, { data: decodeSafetensor(t), shape: t.shape });
  return { step, path, tensors, state };
}

/** Every `step-<n>.safetensors` of the run, newest first, each validated. */
export function listCheckpoints(run: Run | string): CheckpointEntry[] {
  const dir = join(typeof run === 'string' ? run : run.dir, CHECKPOINT_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => b.step - a.step)
    .map((c) => {
      try {
        const ck = loadCheckpoint(c.path);
        if (ck.step !== c.step)
          return { ...c, error: `file name says step ${c.step}, metadata says ${ck.step}` };
        return { ...c, error: null };
      } catch (e) {
        return { ...c, error: (e as Error).message };
      }
    });
}

/** The newest checkpoint that validates (partial or corrupt files are skipped), or null. */
export function latestCheckpoint(run: Run | string): LoadedCheckpoint | null {
  const dir = join(typeof run === 'string' ? run : run.dir, CHECKPOINT_DIR);
  if (!existsSync(dir)) return null;
  const candidates = readdirSync(dir)
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => b.step - a.step);
  for (const c of candidates) {
    try {
      const ck = loadCheckpoint(c.path);
      if (ck.step === c.step) return ck;
    } catch {
      // partial or corrupt: fall back to the next older one
    }
  }
  return null;
}
