// Replays steps S+1..S+K of an smd run from its checkpoint step-S (weights + momentum buffers),
// with the run's own DataLoader batches, and compares Δ_t per conv with the run's stored probe
// values (delta_rad). Confirms the probe's Δ is ∠(w_t, w_{t+1}) of the step it is logged at.
// Usage: node --conditions=source --import tsx bench/reference-run/probe-replay.mjs RUN_DIR S [K] [ts|native]
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  Tensor,
  resnet,
  CrossEntropyLoss,
  SGD,
  DataLoader,
  FASHION_MNIST_NORMALIZATION,
  setBackend,
} from '@smd/engine';
import { nativeBackend } from '@smd/native';
import { parseSafetensors, safetensorToFloat64 } from '@smd/formats';
import { DEFAULT_DATA_DIR, loadIdxDataset } from '../../packages/cli/src/data/index.ts';

const [runDir, sArg, kArg, be] = process.argv.slice(2);
const S = Number(sArg),
  K = Number(kArg ?? 5);
if ((be ?? 'native') === 'native') setBackend(nativeBackend());
const ck = `${runDir}/checkpoints/step-${S}.safetensors`;
const file = parseSafetensors(new Uint8Array(readFileSync(ck)), ck);
const tensors = file.tensors instanceof Map ? file.tensors : new Map(Object.entries(file.tensors));
const m = resnet({ widths: [16, 32, 64] });
const sd = new Map();
for (const [k] of m.stateDict()) {
  const t = tensors.get(`model.${k}`);
  if (t) sd.set(k, Tensor.from(safetensorToFloat64(t), t.shape));
}
m.loadStateDict(sd, false);
const named = m.namedParameters();
const opt = new SGD(named, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
for (const [n, p] of named) {
  const b = tensors.get(`optim.${n}.momentum_buffer`);
  opt.state.set(n, {
    momentum_buffer: Tensor.from(safetensorToFloat64(b), b.shape, { layout: p.layout }),
  });
}
const train = loadIdxDataset(DEFAULT_DATA_DIR, 'train');
const seed = JSON.parse(readFileSync(`${runDir}/manifest.json`, 'utf8')).seed;
const dl = new DataLoader(train, {
  batchSize: 128,
  shuffle: true,
  dropLast: true,
  seed,
  normalize: FASHION_MNIST_NORMALIZATION,
});
for (let i = 0; i <= S; i++) dl.next();
const db = new Database(`${runDir}/metrics.sqlite`, { readonly: true });
const q = db.prepare(
  "select value from probes join params on params.id=param_id join probe_metrics pm on pm.id=metric_id where params.name=? and pm.name='delta_rad' and channel=-1 and step=?",
);
const lossQ = db.prepare("select value from scalars where name='loss' and step=?");
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const lossFn = new CrossEntropyLoss();
for (let t = S + 1; t <= S + K; t++) {
  const b = dl.next();
  const loss = lossFn.forward(m.forward(new Tensor(b.images, [...b.shape])), b.labels);
  opt.zeroGrad();
  loss.backward();
  const prev = new Map(named.map(([n, p]) => [n, Float64Array.from(p.contiguous().data)]));
  opt.step();
  let maxRel = 0,
    where = '';
  for (const [n, p] of named) {
    if (p.ndim !== 4) continue;
    const w0 = prev.get(n),
      w1 = Float64Array.from(p.contiguous().data);
    const d = Math.acos(Math.min(1, dot(w0, w1) / Math.sqrt(dot(w0, w0) * dot(w1, w1))));
    const stored = q.get(n, t)?.value;
    const rel = Math.abs(d - stored) / stored;
    if (rel > maxRel) {
      maxRel = rel;
      where = `${n}: replay ${d.toExponential(6)} stored ${stored.toExponential(6)}`;
    }
  }
  console.log(
    `step ${t} loss replay ${loss.item().toPrecision(8)} stored ${lossQ.get(t)?.value.toPrecision(8)}; max rel Δ diff ${maxRel.toExponential(2)} (${where})`,
  );
}
