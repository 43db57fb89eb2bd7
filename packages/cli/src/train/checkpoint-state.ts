/**
 * Everything a resumed run needs to continue bit for bit, to and from a checkpoint:
 *   tensors  model.<state_dict key>            parameters and buffers (row-major, torch order)
 *            optim.<param>.<buffer>            optimizer buffers (momentum_buffer, exp_avg, …)
 *   state    step, optimizer hyper-parameters and scalar state, LR scheduler, data-loader
 *            position (epoch, batch, augmentation RNG), the probe's L_t windows (its stateDict)
 * The probe's copy of w_t lives only within one step, so nothing else of it is saved.
 */
import {
  Tensor,
  type DataLoaderState,
  type LRSchedulerStateDict,
  type OptimizerStateDict,
  type ParamState,
  permuteData,
} from '@smd/engine';
import type { CheckpointData, LoadedCheckpoint } from '@smd/runs';
import type { SafetensorsWritable } from '@smd/formats';
import type { RingWindowState } from '@smd/smd';
import type { TrainParts } from './setup.js';

/** Row-major copy-free view (or permuted copy) of a tensor for writing. */
function rowMajor(t: Tensor): SafetensorsWritable {
  const data = t.layout === 'contiguous' ? t.data : permuteData(t, 'contiguous');
  return { data, shape: [...t.shape] };
}

/** The checkpoint payload after step `step` (all post-step state). */
export function captureCheckpoint(parts: TrainParts, step: number): CheckpointData {
  const tensors: Record<string, SafetensorsWritable> = {};
  for (const [k, t] of parts.model.stateDict()) tensors[`model.${k}`] = rowMajor(t);
  const osd = parts.opt.stateDict();
  const scalarState: Record<string, Record<string, number>> = {};
  for (const [name, st] of Object.entries(osd.state)) {
    for (const [k, v] of Object.entries(st)) {
      if (typeof v === 'number') (scalarState[name] ??= {})[k] = v;
      else tensors[`optim.${name}.${k}`] = rowMajor(v);
    }
  }
  const windows = parts.probe?.stateDict() ?? {};
  const state = {
    step,
    optimizer: {
      param_groups: osd.param_groups,
      step_count: osd.step_count ?? 0,
      scalar_state: scalarState,
      tensor_state: Object.keys(tensors).filter((k) => k.startsWith('optim.')),
    },
    scheduler: parts.sched.stateDict(),
    loader: parts.loader.getState(),
    windows,
  };
  return { tensors, state: JSON.parse(JSON.stringify(state)) as CheckpointData['state'] };
}

interface SavedState {
  step: number;
  optimizer: {
    param_groups: OptimizerStateDict['param_groups'];
    step_count: number;
    scalar_state: Record<string, Record<string, number>>;
    tensor_state: string[];
  };
  scheduler: LRSchedulerStateDict;
  loader: DataLoaderState;
  windows: Record<string, RingWindowState>;
}

/** Restores a loaded checkpoint into freshly built parts; returns the checkpoint's step. */
export function restoreCheckpoint(parts: TrainParts, ck: LoadedCheckpoint): number {
  const s = ck.state as unknown as SavedState;
  const tensor = (key: string): Tensor => {
    const t = ck.tensors.get(key);
    if (t === undefined) throw new Error(`checkpoint ${ck.path}: tensor '${key}' missing`);
    const data = t.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new Error(`checkpoint ${ck.path}: tensor '${key}' is not float32/float64`);
    }
    return new Tensor(data, t.shape);
  };
  const sd = new Map<string, Tensor>();
  for (const k of parts.model.stateDict().keys()) sd.set(k, tensor(`model.${k}`));
  parts.model.loadStateDict(sd);
  const state: Record<string, ParamState> = {};
  for (const [name, st] of Object.entries(s.optimizer.scalar_state)) state[name] = { ...st };
  for (const key of s.optimizer.tensor_state) {
    const rest = key.slice('optim.'.length);
    const dot = rest.lastIndexOf('.');
    (state[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = tensor(key);
  }
  parts.opt.loadStateDict({
    state,
    param_groups: s.optimizer.param_groups,
    step_count: s.optimizer.step_count,
  });
  parts.sched.loadStateDict(s.scheduler);
  parts.loader.setState(s.loader);
  parts.probe?.loadStateDict(s.windows ?? {}, `checkpoint ${ck.path}`);
  return s.step;
}
