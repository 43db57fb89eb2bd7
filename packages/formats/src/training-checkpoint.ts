/**
 * A training checkpoint as other frameworks write it, reduced to what SMD needs: the model's
 * tensors by name, the optimizer state matched to those names, the step, and any lr/loss log.
 * Layouts (the first that fits wins; the choice is recorded in `notes`):
 *   - Hugging Face Trainer folder `checkpoint-N/`: model.safetensors or pytorch_model.bin,
 *     optimizer.pt, trainer_state.json (global_step, log_history with learning_rate and loss);
 *   - Lightning: {state_dict, optimizer_states: [..], global_step, epoch, …};
 *   - a plain dict: {model|model_state_dict|state_dict|net: {...}, optimizer|optimizer_state_dict:
 *     {...}, step|global_step|iteration, epoch};
 *   - a bare state_dict (name → tensor).
 * DDP's `module.` (and torch.compile's `_orig_mod.`) prefix is removed when every name has it.
 * Browser-safe: the caller passes the files' bytes by base name.
 */
import { type PyValue } from './pickle.js';
import {
  isOptimizerStateDict,
  matchOptimizerState,
  type OptimizerState,
} from './optimizer-state.js';
import { parseSafetensors, type SafetensorsDtype } from './safetensors.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import {
  TorchFormatError,
  type TorchDtype,
  type TorchTensor,
  isTorchTensor,
  torchTensorFloats,
} from './torch-tensor.js';

/** How the checkpoint was laid out. */
export type CheckpointLayout = 'hf-trainer' | 'lightning' | 'dict' | 'state-dict';

/** One logged row (Hugging Face log_history). */
export interface LogRow {
  step: number;
  lr: number | null;
  loss: number | null;
}

/** See the module comment. */
export interface TrainingCheckpoint {
  label: string;
  layout: CheckpointLayout;
  step: number | null;
  epoch: number | null;
  /** The model's tensors (parameters and buffers) in state_dict order, prefix removed. */
  weights: Map<string, TorchTensor>;
  optimizer: OptimizerState | null;
  log: LogRow[];
  /** Every decision made while reading (layout, prefix, optimizer matching). */
  notes: string[];
}

const MODEL_KEYS = ['state_dict', 'model_state_dict', 'model', 'model_state', 'net', 'network'];
const OPT_KEYS = ['optimizer_states', 'optimizer', 'optimizer_state_dict', 'optim', 'opt'];
const STEP_KEYS = ['global_step', 'step', 'iteration', 'iter', 'steps'];
const HF_MODEL_FILES = ['model.safetensors', 'pytorch_model.bin'];

const ST_DTYPE: Partial<Record<SafetensorsDtype, TorchDtype>> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** Tensors of a safetensors file as contiguous TorchTensors over its bytes. */
function safetensorsWeights(bytes: Uint8Array, file: string): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const [name, t] of parseSafetensors(bytes, file).tensors) {
    const dtype = ST_DTYPE[t.dtype];
    if (!dtype) continue; // unsigned wide ints: never model weights
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const storage = {
      pyKind: 'storage',
      file,
      key: name,
      dtype,
      numel,
      location: 'cpu',
      bytes: t.bytes,
    } as const;
    out.set(name, {
      pyKind: 'tensor',
      dtype,
      shape: t.shape,
      stride,
      storageOffset: 0,
      storage,
      requiresGrad: false,
      parameter: false,
    });
  }
  return out;
}

function asStateDict(v: PyValue | undefined): Map<string, TorchTensor> | null {
  if (!(v instanceof Map) || v.size === 0) return null;
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of v) {
    if (typeof k !== 'string') return null;
    if (isTorchTensor(t)) out.set(k, t);
  }
  return out.size > 0 && out.size >= v.size / 2 ? out : null;
}

function stripPrefix(w: Map<string, TorchTensor>, notes: string[]): Map<string, TorchTensor> {
  for (const prefix of ['module.', '_orig_mod.']) {
    const names = [...w.keys()];
    if (names.length && names.every((n) => n.startsWith(prefix))) {
      notes.push(
        `removed the '${prefix}' prefix from every name (${prefix === 'module.' ? 'DistributedDataParallel' : 'torch.compile'})`,
      );
      w = new Map([...w].map(([n, t]) => [n.slice(prefix.length), t]));
    }
  }
  return w;
}

function first(m: Map<PyValue, PyValue>, keys: string[]): [string, PyValue] | null {
  for (const k of keys) if (m.has(k) && m.get(k) !== null) return [k, m.get(k)!];
  return null;
}

/** Read one training checkpoint from its files (base name → bytes). */
export function readTrainingCheckpoint(
  files: ReadonlyMap<string, Uint8Array>,
  label: string,
): TrainingCheckpoint {
  const fail = (reason: string): never => {
    throw new TorchFormatError(label, reason);
  };
  const notes: string[] = [];
  const read = (t: TorchTensor): ArrayLike<number> => torchTensorFloats(t);
  let layout: CheckpointLayout;
  let weights: Map<string, TorchTensor> | null = null;
  let optDict: PyValue | undefined;
  let step: number | null = null;
  let epoch: number | null = null;
  let log: LogRow[] = [];
  const hfModel = HF_MODEL_FILES.find((n) => files.has(n));
  if (hfModel) {
    layout = 'hf-trainer';
    const bytes = files.get(hfModel)!;
    const file = `${label}/${hfModel}`;
    weights = hfModel.endsWith('.safetensors')
      ? safetensorsWeights(bytes, file)
      : asStateDict(readTorchCheckpoint(bytes, file).root);
    if (!weights) fail(`${hfModel} holds no state_dict of tensors`);
    notes.push(`Hugging Face Trainer folder: weights from ${hfModel}`);
    if (files.has('optimizer.pt'))
      optDict = readTorchCheckpoint(files.get('optimizer.pt')!, `${label}/optimizer.pt`).root;
    const ts = files.get('trainer_state.json');
    if (ts) ({ step, epoch, log } = trainerState(ts, `${label}/trainer_state.json`));
  } else {
    if (files.size !== 1)
      fail(
        `expected one checkpoint file or a Hugging Face folder, got ${[...files.keys()].join(', ')}`,
      );
    const [name, bytes] = [...files][0];
    const root = readTorchCheckpoint(bytes, name === label ? label : `${label}/${name}`).root;
    weights = asStateDict(root);
    if (weights) {
      layout = 'state-dict';
    } else {
      if (!(root instanceof Map))
        fail('expected a dict (state_dict or checkpoint dict) at the top');
      const m = root as Map<PyValue, PyValue>;
      layout =
        m.has('optimizer_states') || m.has('pytorch-lightning_version') ? 'lightning' : 'dict';
      const model = first(m, MODEL_KEYS);
      weights = model ? asStateDict(model[1]) : null;
      if (!weights) {
        fail(
          `found no model state_dict (looked for a dict of tensors under ${MODEL_KEYS.join(', ')})`,
        );
      }
      notes.push(
        `${layout === 'lightning' ? 'Lightning checkpoint' : 'checkpoint dict'}: weights from '${model![0]}'`,
      );
      const opt = first(m, OPT_KEYS);
      if (opt) {
        optDict = Array.isArray(opt[1]) ? (opt[1] as readonly PyValue[])[0] : opt[1];
        if (Array.isArray(opt[1]) && (opt[1] as readonly PyValue[]).length > 1) {
          notes.push(
            `${opt[0]} holds ${(opt[1] as readonly PyValue[]).length} optimizers: the first is used`,
          );
        }
      }
      const s = first(m, STEP_KEYS);
      if (s && typeof s[1] === 'number') step = s[1];
      if (typeof m.get('epoch') === 'number') epoch = m.get('epoch') as number;
    }
  }
  weights = stripPrefix(weights!, notes);
  let optimizer: OptimizerState | null = null;
  if (optDict !== undefined) {
    if (!isOptimizerStateDict(optDict))
      fail('the optimizer entry is not a {state, param_groups} dict');
    optimizer = matchOptimizerState(optDict as Map<PyValue, PyValue>, weights, read, fail);
    notes.push(...optimizer.notes);
  } else notes.push('no optimizer state: the last step cannot be reconstructed');
  return { label, layout: layout!, step, epoch, weights, optimizer, log, notes };
}

/** global_step, epoch and log_history of a Hugging Face trainer_state.json. */
function trainerState(
  bytes: Uint8Array,
  file: string,
): { step: number | null; epoch: number | null; log: LogRow[] } {
  let j: unknown;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TorchFormatError(file, `invalid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof j !== 'object' || j === null)
    throw new TorchFormatError(file, 'expected a JSON object');
  const o = j as Record<string, unknown>;
  const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const log: LogRow[] = [];
  if (Array.isArray(o.log_history)) {
    for (const r of o.log_history as Record<string, unknown>[]) {
      const step = n(r?.step);
      if (step !== null) log.push({ step, lr: n(r.learning_rate), loss: n(r.loss) });
    }
  }
  return { step: n(o.global_step), epoch: n(o.epoch), log };
}
