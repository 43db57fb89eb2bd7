/**
 * Builds what a TrainConfig describes: datasets (Fashion-MNIST, a folder of IDX files, a folder
 * of CIFAR-10 binary batches, or the seeded synthetic set), loaders, the model (seeded init), the optimizer with its param groups,
 * and the schedule in steps.
 */
import { resolve } from 'node:path';
import {
  Adam,
  AdamP,
  AdamW,
  DataLoader,
  FASHION_MNIST_NORMALIZATION,
  LRScheduler,
  Lion,
  RVAdamW,
  RVLion,
  RVSGDM,
  Rng,
  SGD,
  SGDP,
  computeNormalization,
  convStack,
  makeSyntheticImageDataset,
  parseSchedule,
  resnet,
  splitDecayParams,
  type ImageDataset,
  type Module,
  type Normalization,
  type Schedule,
} from '@smd/engine';
import type { AnyOptimizer } from '@smd/smd';
import {
  DEFAULT_DATA_DIR,
  cifar10Folder,
  loadCifar10Dataset,
  loadIdxDataset,
} from '../data/index.js';
import { UsageError } from '../usage-error.js';
import type { TrainConfig } from './train-options.js';

/** Train and test splits with the normalization the loaders apply. */
export interface TrainData {
  train: ImageDataset;
  test: ImageDataset;
  normalize: Normalization;
  /** e.g. "fashion-mnist (/usr/share/datasets/fashion-mnist)" */
  description: string;
}

/** Loads the config's dataset. Missing files → DatasetError (one line, exit 1). */
export function loadData(cfg: TrainConfig, cwd: string): TrainData {
  if (cfg.data === 'synthetic') {
    const n = cfg.syntheticSize;
    const train = makeSyntheticImageDataset({ length: n, seed: cfg.seed + 1 });
    const test = makeSyntheticImageDataset({ length: Math.max(16, n >> 2), seed: cfg.seed + 2 });
    return {
      train,
      test,
      normalize: computeNormalization(train),
      description: `synthetic (${n} train, ${test.length} test)`,
    };
  }
  const dir = cfg.data === 'fashion-mnist' ? DEFAULT_DATA_DIR : resolve(cwd, cfg.data);
  const cifar = cfg.data === 'fashion-mnist' ? null : cifar10Folder(dir);
  if (cifar !== null) {
    const train = loadCifar10Dataset(cifar, 'train');
    return {
      train,
      test: loadCifar10Dataset(cifar, 'test'),
      normalize: computeNormalization(train),
      description: `cifar-10 (${cifar})`,
    };
  }
  const train = loadIdxDataset(dir, 'train');
  const test = loadIdxDataset(dir, 'test');
  const normalize =
    cfg.data === 'fashion-mnist' ? FASHION_MNIST_NORMALIZATION : computeNormalization(train);
  return {
    train,
    test,
    normalize,
    description: `${cfg.data === 'fashion-mnist' ? 'fashion-mnist' : 'idx'} (${dir})`,
  };
}

/** The training loader (shuffled, drop_last, seeded) for `cfg`. */
export function trainLoader(cfg: TrainConfig, data: TrainData): DataLoader {
  const a = cfg.augment;
  if (data.train.length < cfg.batchSize) {
    throw new UsageError(
      `smd train: --batch-size ${cfg.batchSize} is larger than the training set (${data.train.length} examples)`,
    );
  }
  return new DataLoader(data.train, {
    batchSize: cfg.batchSize,
    shuffle: true,
    dropLast: true,
    seed: cfg.seed,
    normalize: data.normalize,
    augment:
      a === 'none'
        ? null
        : { cropPadding: a.includes('crop') ? 2 : 0, horizontalFlip: a.includes('flip') },
  });
}

/** The model with weights drawn from a generator seeded by cfg.seed. */
export function buildModel(cfg: TrainConfig, data: TrainData): Module {
  const rng = new Rng(cfg.seed);
  const common = {
    norm: cfg.norm,
    weightNorm: cfg.weightNorm,
    rng,
    inChannels: data.train.channels,
    numClasses: data.train.numClasses,
  } as const;
  if (cfg.model === 'resnet') {
    const [a, b, c] = cfg.widths;
    return resnet({ ...common, widths: [a, b, c] });
  }
  return convStack({ ...common, channels: cfg.widths });
}

/** The optimizer; with decayBnBias false, 1-D parameters and biases get λ = 0. */
export function buildOptimizer(cfg: TrainConfig, model: Module): AnyOptimizer {
  const named = model.namedParameters();
  const params = cfg.decayBnBias
    ? named
    : splitDecayParams(named).map((g) => ({ ...g, params: g.params }));
  const any = (o: unknown): AnyOptimizer => o as AnyOptimizer;
  const betas = cfg.betas ?? (cfg.optimizer.endsWith('lion') ? [0.9, 0.99] : [0.9, 0.999]);
  const lr = cfg.lr;
  const weightDecay = cfg.weightDecay;
  const projection = { delta: cfg.delta ?? 0.1, wdRatio: cfg.wdRatio ?? 0.1 };
  const rotational = {
    lr,
    weightDecay,
    betas,
    momentum: cfg.momentum,
    nesterov: cfg.nesterov,
    perNeuron: (cfg.rotation ?? 'neuron') === 'neuron',
  };
  switch (cfg.optimizer) {
    case 'sgd':
    case 'sgdm':
      return any(
        new SGD(params, { lr, momentum: cfg.momentum, weightDecay, nesterov: cfg.nesterov }),
      );
    case 'adam':
      return any(new Adam(params, { lr, weightDecay, betas }));
    case 'adamw':
      return any(new AdamW(params, { lr, weightDecay, betas }));
    case 'lion':
      return any(new Lion(params, { lr, weightDecay, betas }));
    case 'sgdp':
      return any(
        new SGDP(params, {
          lr,
          weightDecay,
          momentum: cfg.momentum,
          nesterov: cfg.nesterov,
          ...projection,
        }),
      );
    case 'adamp':
      return any(
        new AdamP(params, { lr, weightDecay, betas, nesterov: cfg.nesterov, ...projection }),
      );
    case 'rv-sgdm':
      return any(new RVSGDM(params, rotational));
    case 'rv-adamw':
      return any(new RVAdamW(params, rotational));
    case 'rv-lion':
      return any(new RVLion(params, rotational));
  }
}

/** Steps per epoch and total steps of the run. */
export function runLength(
  cfg: TrainConfig,
  loader: DataLoader,
): { perEpoch: number; total: number } {
  const perEpoch = loader.batchesPerEpoch;
  const total = cfg.steps ?? Math.max(1, Math.round(cfg.epochs * perEpoch));
  return { perEpoch, total };
}

/** The schedule in steps; a bad schedule text is a UsageError naming --schedule. */
export function buildSchedule(cfg: TrainConfig, perEpoch: number, total: number): Schedule {
  try {
    return parseSchedule(cfg.schedule, perEpoch, total);
  } catch (e) {
    throw new UsageError(`smd train: --schedule: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The LR scheduler over `opt`. */
export function buildScheduler(opt: AnyOptimizer, schedule: Schedule): LRScheduler {
  return new LRScheduler(opt, schedule);
}
