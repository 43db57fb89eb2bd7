/**
 * Assembles a training run's parts from a TrainConfig: data, loader, model, optimizer, LR
 * scheduler, scale-invariance detection and the SMD probe over the scale-invariant tensors
 * (which owns its resumable L_t windows).
 */
import {
  DataLoader,
  Tensor,
  scheduleDrops,
  type LRScheduler,
  type Module,
  type Schedule,
  type ScheduleDrop,
} from '@smd/engine';
import {
  detectScaleInvariance,
  probeForOptimizer,
  type AnyOptimizer,
  type ScaleInvarianceResult,
  type SmdProbe,
} from '@smd/smd';
import {
  buildModel,
  buildOptimizer,
  buildSchedule,
  buildScheduler,
  loadData,
  runLength,
  trainLoader,
  type TrainData,
} from './build.js';
import type { TrainConfig } from './train-options.js';

/** Everything the training loop works on. */
export interface TrainParts {
  cfg: TrainConfig;
  data: TrainData;
  loader: DataLoader;
  model: Module;
  opt: AnyOptimizer;
  sched: LRScheduler;
  schedule: Schedule;
  drops: ScheduleDrop[];
  perEpoch: number;
  total: number;
  detection: ScaleInvarianceResult[];
  /** probes the scale-invariant tensors (null when there are none) */
  probe: SmdProbe | null;
}

/** A small fixed batch (the first 8 training images, normalized) for detection. */
function detectionBatch(data: TrainData): Tensor {
  const n = Math.min(8, data.train.length);
  const loader = new DataLoader(data.train, {
    batchSize: n,
    shuffle: false,
    normalize: data.normalize,
  });
  const b = loader.next();
  return new Tensor(b.images.slice(), [...b.shape]);
}

/** Builds every part (weights freshly initialized from cfg.seed). */
export function setupTraining(cfg: TrainConfig, cwd: string, data?: TrainData): TrainParts {
  const d = data ?? loadData(cfg, cwd);
  const loader = trainLoader(cfg, d);
  const { perEpoch, total } = runLength(cfg, loader);
  const schedule = buildSchedule(cfg, perEpoch, total);
  const model = buildModel(cfg, d);
  model.train();
  const opt = buildOptimizer(cfg, model);
  const sched = buildScheduler(opt, schedule);
  const detection = detectScaleInvariance(model, detectionBatch(d));
  const invariant = detection.filter((r) => r.scaleInvariant).map((r) => r.param);
  const probe =
    invariant.length === 0
      ? null
      : probeForOptimizer(opt, {
          params: invariant,
          every: cfg.probeEvery,
          perChannel: cfg.perChannel,
          windowSteps: cfg.windowSteps,
        });
  return {
    cfg,
    data: d,
    loader,
    model,
    opt,
    sched,
    schedule,
    drops: scheduleDrops(schedule, total),
    perEpoch,
    total,
    detection,
    probe,
  };
}
