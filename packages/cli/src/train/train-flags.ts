/** `smd train`'s flags, their defaults and the generated `--help` text (see flag-spec.ts). */
import { DEFAULT_WD_RATIO, PAPER_WINDOW_STEPS } from '@smd/smd';
import { commandHelp, type CommandSpec } from '../flag-spec.js';

/** Every optimizer `smd train` builds, in help order. */
export const OPTIMIZER_NAMES = [
  'sgd',
  'sgdm',
  'adam',
  'adamw',
  'lion',
  'sgdp',
  'adamp',
  'rv-sgdm',
  'rv-adamw',
  'rv-lion',
] as const;

/** The flags of `smd train`; a config file may hold the same fields (flags win). */
export const TRAIN_SPEC = {
  command: 'train',
  usage: ['train [config.yaml|config.json] [flags]', 'train --resume RUN [--out DIR]'],
  about: `Train a normalized network with SMD probes on every scale-invariant tensor, in a crash-safe
run folder (<out>/<id>/: manifest.json, metrics.sqlite, checkpoints/, run.log). A config file
may hold the same fields (e.g. "batch-size", "batchSize" or "batch_size"); flags override it.`,
  flags: [
    {
      section: 'Model',
      name: 'model',
      type: 'string',
      choices: ['resnet', 'convstack'],
      default: 'resnet',
      help: 'network (resnet: CIFAR-style ResNet, 2 blocks per stage)',
    },
    {
      name: 'widths',
      type: 'string',
      arg: 'W1,W2,…',
      default: [16, 32, 64],
      defaultCases: { by: 'model', cases: [[['convstack'], [32, 64, 128]]] },
      help: 'stage widths (resnet: 3 values) or conv widths (convstack)',
    },
    {
      name: 'norm',
      type: 'string',
      choices: ['batch', 'group', 'layer'],
      default: 'batch',
      help: 'normalization after every conv',
    },
    {
      name: 'weight-norm',
      type: 'string',
      choices: ['none', 'convs', 'all'],
      default: 'none',
      help: 'weight normalization',
    },
    {
      section: 'Optimizer',
      name: 'optimizer',
      type: 'string',
      choices: OPTIMIZER_NAMES,
      default: 'sgdm',
      help: `lion: Chen et al. 2023; sgdp/adamp: Heo et al. 2021 (radial part
of the step removed on scale-invariant weights); rv-*: Kosson et
al. 2024 rotational variants (every neuron turns by the inner
optimizer's equilibrium Δ* from step 0, no decay on wrapped tensors)`,
    },
    {
      name: 'lr',
      type: 'string',
      arg: '<η>',
      default: 0.1,
      defaultCases: {
        by: 'optimizer',
        cases: [
          [['adam', 'adamw', 'adamp', 'rv-adamw'], 1e-3],
          [['lion', 'rv-lion'], 1e-4],
        ],
      },
      help: 'base learning rate',
    },
    {
      name: 'momentum',
      type: 'string',
      arg: '<α>',
      default: 0,
      defaultCases: { by: 'optimizer', cases: [[['sgdm', 'sgdp', 'rv-sgdm'], 0.9]] },
      help: 'momentum in [0, 1) (sgd, sgdm, sgdp, rv-sgdm)',
    },
    {
      name: 'betas',
      type: 'string',
      arg: '<β1,β2>',
      default: [0.9, 0.999],
      defaultCases: {
        by: 'optimizer',
        cases: [
          [
            ['lion', 'rv-lion'],
            [0.9, 0.99],
          ],
        ],
      },
      help: 'adam, adamw, adamp, rv-adamw, lion, rv-lion',
    },
    {
      name: 'rotation',
      type: 'string',
      choices: ['neuron', 'layer'],
      default: 'neuron',
      help: 'rv-*: one rotation per output channel or per tensor',
    },
    {
      name: 'delta',
      type: 'string',
      arg: '<δ>',
      default: 0.1,
      help: 'sgdp/adamp: cosine threshold δ/√dim of the projection',
    },
    {
      name: 'wd-ratio',
      type: 'string',
      arg: '<r>',
      default: DEFAULT_WD_RATIO,
      help: 'sgdp/adamp: decay multiplier on projected tensors',
    },
    {
      name: 'wd',
      type: 'string',
      arg: '<λ>',
      default: 5e-4,
      help: `weight decay, on ALL parameters like
torch.optim.SGD(model.parameters(), weight_decay=λ)`,
    },
    {
      name: 'no-decay-bn-bias',
      type: 'boolean',
      help: 'no weight decay on BN/GN/LN γ, β and biases',
    },
    {
      name: 'nesterov',
      type: 'boolean',
      help: 'Nesterov momentum (sgdm, sgdp, adamp, rv-sgdm)',
    },
    {
      name: 'schedule',
      type: 'string',
      arg: '<text>',
      default: 'constant',
      help: `lr schedule, times in epochs:
constant | multistep:3,5:0.1 | step:2:0.1 | cosine | warmup:1:<schedule>`,
    },
    {
      section: 'Data and length',
      name: 'data',
      type: 'string',
      arg: 'fashion-mnist|synthetic|DIR',
      default: 'fashion-mnist',
      help: `dataset (fashion-mnist from /usr/share/datasets/fashion-mnist;
DIR = folder of IDX files, or of CIFAR-10 binary batches:
data_batch_<n>.bin, test_batch.bin)`,
    },
    {
      name: 'synthetic-size',
      type: 'string',
      arg: '<n>',
      default: 2048,
      help: 'examples of the synthetic dataset (test set n/4)',
    },
    { name: 'epochs', type: 'string', arg: '<n>', default: 2, help: 'epochs' },
    {
      name: 'steps',
      type: 'string',
      arg: '<n>',
      help: 'stop after n optimizer steps (default: epochs × steps per epoch)',
    },
    {
      name: 'batch-size',
      type: 'string',
      arg: '<n>',
      default: 128,
      help: 'the last incomplete batch is dropped',
    },
    {
      name: 'augment',
      type: 'string',
      choices: ['none', 'crop', 'flip', 'crop-flip'],
      default: 'none',
      help: 'random 2-pixel crop / horizontal flip',
    },
    {
      name: 'seed',
      type: 'string',
      arg: '<n>',
      default: 0,
      help: 'init, shuffling and augmentation seed',
    },
    {
      section: 'SMD',
      name: 'probe-every',
      type: 'string',
      arg: '<n>',
      default: 1,
      help: 'probe every n-th step',
    },
    { name: 'per-channel', type: 'boolean', help: 'also measure per output channel' },
    {
      name: 'window',
      type: 'string',
      arg: '<n>',
      default: PAPER_WINDOW_STEPS,
      help: 'window in steps of L_t and of the summary means',
    },
    {
      name: 'rescale',
      type: 'boolean',
      help: 'at every lr drop by k divide scale-invariant weights by k^(1/4)',
    },
    {
      section: 'Run folder',
      name: 'out',
      type: 'string',
      arg: '<dir>',
      default: 'runs',
      help: 'runs root',
    },
    {
      name: 'name',
      type: 'string',
      arg: '<text>',
      help: 'run name, part of the id (default: resnet-<widths> or convstack)',
    },
    {
      name: 'checkpoint-every',
      type: 'string',
      arg: '<n>',
      default: 500,
      help: 'checkpoint every n steps and at the end',
    },
    {
      name: 'eval-every',
      type: 'string',
      arg: '<n>',
      default: 0,
      help: 'also evaluate on the test set every n steps (0: epoch ends only)',
    },
    {
      name: 'keep-checkpoints',
      type: 'string',
      arg: '<n>',
      default: 3,
      help: 'newest checkpoints kept',
    },
    {
      name: 'backend',
      type: 'string',
      choices: ['auto', 'native', 'ts'],
      default: 'auto',
      help: 'kernels (auto: native when it loads, else TS)',
    },
    {
      name: 'threads',
      type: 'string',
      arg: '<n>',
      default: 0,
      help: "native OpenMP threads (0: the library's default)",
    },
    {
      name: 'resume',
      type: 'string',
      arg: 'RUN',
      help: `continue RUN (an id under --out, or a folder) from its last
checkpoint; the result equals an uninterrupted run bit for bit`,
    },
  ],
  footer:
    'Exit codes: 0 finished, 2 bad flag / config, 3 diverged (NaN/Inf loss or weights), 1 other error.',
} as const satisfies CommandSpec;

/** The `smd train --help` text. */
export const TRAIN_HELP = commandHelp(TRAIN_SPEC);
