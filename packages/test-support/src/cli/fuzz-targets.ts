/**
 * The parsers of user bytes that smd ships, each as a FuzzTarget fed through the same entry
 * point a user's file takes: IDX (+ gzip) and CIFAR-10 binary through the data-set loader, safetensors through the
 * checkpoint loader, YAML/JSON configs through `smd train`'s argument parser, and a run folder's
 * manifest.json and metrics.sqlite through `smd export`, a Hugging Face Trainer folder's
 * trainer_state.json through the checkpoint-folder reader. Seeds are real files: Debian's
 * Fashion-MNIST labels and a tiny run that `smd train` writes in `prepareFuzzTargets`.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  InputError,
  decodeSafetensor,
  isTorchTensor,
  parseSafetensors,
  readTorchCheckpoint,
  readTrainingCheckpoint,
  torchTensorFloats,
  unpickle,
  writeCifar10,
  writeIdx,
  writeSafetensors,
} from '@smd/formats';
import { loadCheckpoint } from '@smd/runs';
import {
  DEFAULT_DATA_DIR,
  loadCifar10Dataset,
  parseTrainArgs,
  readIdxFile,
  runCli,
} from '@smd/cli';
import { TINY } from './test-helpers.js';
import type { FuzzTarget } from './fuzz-run.js';

const enc = new TextEncoder();
/** packages/formats/src/fixtures (torch fixtures made by make_torch_fixtures.py). */
const FORMATS_FIXTURES = fileURLToPath(new URL('../../../formats/src/fixtures', import.meta.url));

/** A run folder written by a tiny `smd train`, and a scratch folder for the inputs. */
export interface FuzzWorkspace {
  dir: string;
  run: string;
}

/** Trains a 16-step synthetic run in `dir` (the seeds of the run-folder targets). */
export async function prepareFuzzWorkspace(dir: string): Promise<FuzzWorkspace> {
  const r = await runCli(['train', ...TINY, '--name', 'seed', '--out', join(dir, 'runs')], {
    cwd: dir,
  });
  if (r.code !== 0) throw new Error(`fuzz seed run failed: ${r.stderr}`);
  const id = readdirSync(join(dir, 'runs'))[0];
  return { dir, run: join(dir, 'runs', id) };
}

/** Turns a CLI result into the fuzz criteria: exit 0 passes, exit 2 with one line is a clean rejection. */
function cliOutcome(r: { code: number; stderr: string }): void {
  if (r.code === 0) return;
  const line = r.stderr.trimEnd();
  if (r.code === 2 && line.length > 0 && !line.includes('\n')) throw new InputError(line);
  throw new Error(`exit ${r.code}: ${r.stderr}`);
}

const CONFIG_FIELDS = [
  'lr',
  'wd',
  'momentum',
  'epochs',
  'batch-size',
  'widths',
  'schedule',
  'model',
  'norm',
  'optimizer',
  'data',
  'seed',
  'window',
  'rescale',
  'decay-bn-bias',
  'name',
  'threads',
  'synthetic-size',
];
const yamlValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '0.1',
    '1e999',
    '-1',
    'multistep:3,5:0.1',
    'cosine',
    '16,32',
    'resnet',
    '[1, 2]',
    '{a: 1}',
    '&a x',
    '*a',
    '!!binary AA==',
  ),
);

/** Every target, given a prepared workspace. */
export function fuzzTargets(ws: FuzzWorkspace): FuzzTarget[] {
  const scratch = join(ws.dir, 'in');
  mkdirSync(scratch, { recursive: true });
  const run = (name: string): string => join(scratch, name);

  const smallIdx = writeIdx({
    shape: [3, 4, 4],
    data: Uint8Array.from({ length: 48 }, (_, i) => i),
  });
  const labelsGz = join(DEFAULT_DATA_DIR, 't10k-labels-idx1-ubyte.gz');
  const idx: FuzzTarget = {
    name: 'idx+gzip (data set loader)',
    seeds: () => [
      smallIdx,
      new Uint8Array(gzipSync(smallIdx)),
      writeIdx({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]), dtype: 'float32' }),
      ...(existsSync(labelsGz) ? [new Uint8Array(readFileSync(labelsGz))] : []),
    ],
    run(bytes) {
      writeFileSync(run('data.idx'), bytes);
      readIdxFile(run('data.idx'));
    },
  };

  const ckptDir = join(ws.run, 'checkpoints');
  const ckpt = readdirSync(ckptDir).filter((f) => f.endsWith('.safetensors'))[0];
  const dtypes = [
    'F64',
    'F32',
    'F16',
    'BF16',
    'I64',
    'I32',
    'I16',
    'I8',
    'U8',
    'BOOL',
    'X9',
    7,
  ] as const;
  const safetensors: FuzzTarget = {
    name: 'safetensors (checkpoint loader)',
    seeds: () => [
      new Uint8Array(readFileSync(join(ckptDir, ckpt))),
      writeSafetensors(
        new Map([
          ['a', { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
          ['b', { dtype: 'F16', shape: [3], data: new Uint16Array([1, 2, 3]) }],
        ]),
      ),
    ],
    // Headers with random fields over a random data buffer (the reader's validation paths).
    structured: fc
      .tuple(
        fc.dictionary(
          fc.string({ maxLength: 6 }),
          fc.record(
            {
              dtype: fc.constantFrom(...dtypes),
              shape: fc.array(fc.oneof(fc.nat(8), fc.constantFrom(-1, 1e12, 2 ** 53, 0.5)), {
                maxLength: 4,
              }),
              data_offsets: fc.tuple(fc.nat(64), fc.oneof(fc.nat(64), fc.constant(1e15))),
            },
            { requiredKeys: [] },
          ),
          { maxKeys: 4 },
        ),
        fc.uint8Array({ maxLength: 64 }),
      )
      .map(([header, data]) => {
        const h = enc.encode(JSON.stringify(header));
        const out = new Uint8Array(8 + h.length + data.length);
        new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
        out.set(h, 8);
        out.set(data, 8 + h.length);
        return out;
      }),
    run(bytes) {
      writeFileSync(run('ckpt.safetensors'), bytes);
      try {
        loadCheckpoint(run('ckpt.safetensors'));
      } catch (e) {
        // Not an smd checkpoint but a valid safetensors file: decode it the way analyze would.
        if (!(e instanceof InputError) || !/smd\.|__metadata__|checksum/.test(e.message)) throw e;
        for (const t of parseSafetensors(bytes, 'x').tensors.values()) decodeSafetensor(t);
      }
    },
  };

  const configText = readFileSync(join(ws.run, 'manifest.json'), 'utf8');
  const config: FuzzTarget = {
    name: 'YAML/JSON config (smd train)',
    seeds: () => [
      enc.encode(
        'lr: 0.1\nwd: 5e-4\nmomentum: 0.9\nepochs: 2\nschedule: multistep:1:0.1\nwidths: 16,32\n',
      ),
      enc.encode(JSON.stringify({ lr: 0.05, epochs: 3, model: 'convstack', rescale: true })),
    ],
    structured: fc
      .tuple(
        fc.dictionary(fc.constantFrom(...CONFIG_FIELDS, 'nope', ''), yamlValue, { maxKeys: 6 }),
        fc.boolean(),
      )
      .map(([o, json]) =>
        enc.encode(
          json
            ? JSON.stringify(o)
            : Object.entries(o)
                .map(([k, v]) => `${k}: ${String(v)}`)
                .join('\n'),
        ),
      ),
    run(bytes) {
      // The first byte picks the parser, so both see every mutation.
      const name = bytes[0] === 0x7b ? 'c.json' : 'c.yaml';
      writeFileSync(run(name), bytes);
      parseTrainArgs([name], scratch);
    },
  };

  const runDir = run('run');
  mkdirSync(runDir, { recursive: true });
  const exportRun = async (): Promise<void> =>
    cliOutcome(
      await runCli(['export', runDir, '--format', 'json', '--out', run('out.json')], {
        cwd: scratch,
      }),
    );
  const manifest: FuzzTarget = {
    name: 'manifest.json (smd export)',
    seeds: () => [enc.encode(configText)],
    async run(bytes) {
      copyFileSync(join(ws.run, 'metrics.sqlite'), join(runDir, 'metrics.sqlite'));
      writeFileSync(join(runDir, 'manifest.json'), bytes);
      await exportRun();
    },
  };
  const metrics: FuzzTarget = {
    name: 'metrics.sqlite (smd export)',
    seeds: () => [new Uint8Array(readFileSync(join(ws.run, 'metrics.sqlite')))],
    async run(bytes) {
      writeFileSync(join(runDir, 'manifest.json'), configText);
      for (const f of ['metrics.sqlite-wal', 'metrics.sqlite-shm'])
        rmSync(join(runDir, f), { force: true });
      writeFileSync(join(runDir, 'metrics.sqlite'), bytes);
      await exportRun();
    },
  };
  const torchDir = join(FORMATS_FIXTURES, 'torch');
  const torchSeeds = [
    'values.pt',
    'runs/sgdm/ckpt-30.pt',
    'runs/adam/epoch=0-step=30.ckpt',
    'runs/adamw/checkpoint-30/optimizer.pt',
    'malicious/os-system.pt',
  ].map((f) => join(torchDir, f));
  const torch: FuzzTarget = {
    name: 'PyTorch .pt zip + pickle (torch checkpoint reader)',
    seeds: () => torchSeeds.map((f) => new Uint8Array(readFileSync(f))),
    run(bytes) {
      // Read and decode every tensor, as analyze does.
      const ck = readTorchCheckpoint(bytes, 'x.pt');
      const walk = (v: unknown, depth: number): void => {
        if (depth > 64 || v === null || typeof v !== 'object') return;
        if (isTorchTensor(v)) {
          torchTensorFloats(v);
          return;
        }
        for (const x of v instanceof Map ? v.values() : Object.values(v)) walk(x, depth + 1);
      };
      walk(ck.root, 0);
    },
  };
  const malicious = join(torchDir, 'malicious');
  // Pickle opcodes the unpickler knows (and a few it refuses), for structure-aware streams.
  const OPS = [
    0x80, 0x28, 0x29, 0x2e, 0x30, 0x4b, 0x4d, 0x4e, 0x51, 0x52, 0x5d, 0x61, 0x62, 0x63, 0x65, 0x68,
    0x69, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8c, 0x93, 0x94, 0x95,
  ];
  const pickle: FuzzTarget = {
    name: 'pickle (restricted unpickler)',
    seeds: () =>
      readdirSync(malicious)
        .filter((f) => f.endsWith('.pkl'))
        .map((f) => new Uint8Array(readFileSync(join(malicious, f)))),
    structured: fc
      .array(fc.tuple(fc.constantFrom(...OPS), fc.uint8Array({ maxLength: 4 })), { maxLength: 40 })
      .map((ops) => Uint8Array.from([0x80, 2, ...ops.flatMap(([op, arg]) => [op, ...arg]), 0x2e])),
    run(bytes) {
      unpickle(bytes, 'x.pkl');
    },
  };
  const cifarDir = run('cifar');
  mkdirSync(cifarDir, { recursive: true });
  const cifar: FuzzTarget = {
    name: 'CIFAR-10 binary (data set loader)',
    seeds: () => [
      writeCifar10({
        images: Uint8Array.from({ length: 2 * 3072 }, (_, i) => (i * 7) % 256),
        labels: [3, 9],
      }),
    ],
    run(bytes) {
      writeFileSync(join(cifarDir, 'data_batch_1.bin'), bytes);
      loadCifar10Dataset(cifarDir, 'train');
    },
  };
  // A Hugging Face Trainer folder: the fixture's weights with a fuzzed trainer_state.json.
  const hfDir = join(torchDir, 'runs', 'adamw', 'checkpoint-30');
  const hfWeights = new Uint8Array(readFileSync(join(hfDir, 'pytorch_model.bin')));
  const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -0, 2 ** 63, NaN));
  const json = fc.oneof(num, fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
  const trainerState: FuzzTarget = {
    name: 'HF trainer_state.json (checkpoint folder reader)',
    seeds: () => [new Uint8Array(readFileSync(join(hfDir, 'trainer_state.json')))],
    structured: fc
      .record({
        global_step: json,
        epoch: json,
        log_history: fc.oneof(
          json,
          fc.array(
            fc.oneof(
              json,
              fc.record({ step: json, learning_rate: json, loss: json }, { requiredKeys: [] }),
            ),
            { maxLength: 30 },
          ),
        ),
      })
      .map((o) => enc.encode(JSON.stringify(o))),
    run(bytes) {
      const files = new Map([
        ['pytorch_model.bin', hfWeights],
        ['trainer_state.json', bytes],
      ]);
      const ck = readTrainingCheckpoint(files, 'checkpoint-30');
      for (const row of ck.log) {
        if (!Number.isFinite(row.step)) throw new Error(`non-finite log step ${row.step}`);
      }
    },
  };
  return [idx, safetensors, config, manifest, metrics, torch, pickle, cifar, trainerState];
}
