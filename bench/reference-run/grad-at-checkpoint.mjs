// Gradient accuracy of the native float32 backend at a trained smd checkpoint: per batch, the
// same weights in a float64 TS-backend model (== torch float64, see lockstep.mjs) and a float32
// native model; per conv, ‖g32 − g64‖/‖g64‖, and the radial cosine ⟨w,g⟩/(‖w‖‖g‖) of each.
// Usage: node --conditions=source --import tsx bench/reference-run/grad-at-checkpoint.mjs CKPT [batches] [lockstep-dir]
import { readFileSync } from 'node:fs';
import { Tensor, resnet, CrossEntropyLoss, withBackend, tsBackend, SGD } from '@smd/engine';
import { nativeBackend } from '@smd/native';
import { parseSafetensors, safetensorToFloat64 } from '@smd/formats';

const ckpt = process.argv[2];
const nb = Number(process.argv[3] ?? 10);
const dir = process.argv[4] ?? '/tmp/lockstep32';
const file = parseSafetensors(new Uint8Array(readFileSync(ckpt)), ckpt);
const tensors = file.tensors instanceof Map ? file.tensors : new Map(Object.entries(file.tensors));
const build = (dtype) => {
  const m = resnet({ widths: [16, 32, 64], dtype });
  const sd = new Map();
  for (const [k] of m.stateDict()) {
    const t = tensors.get(`model.${k}`) ?? tensors.get(k);
    if (!t) continue;
    sd.set(k, Tensor.from(safetensorToFloat64(t), t.shape, { dtype }));
  }
  const r = m.loadStateDict(sd, false);
  if (r.missingKeys.filter((k) => !k.endsWith('num_batches_tracked')).length)
    throw new Error('missing ' + r.missingKeys);
  return m;
};
const f64 = (p) => {
  const b = readFileSync(p);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
};
const X = f64(`${dir}/x.bin`);
const yb = readFileSync(`${dir}/y.bin`);
const Y = new Int32Array(yb.buffer, yb.byteOffset, yb.byteLength / 4);
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const grads = (backend, dtype, t) =>
  withBackend(backend, () => {
    const m = build(dtype);
    const x = Tensor.from(X.subarray(t * 100352, (t + 1) * 100352), [128, 1, 28, 28], { dtype });
    const loss = new CrossEntropyLoss().forward(m.forward(x), Y.subarray(t * 128, (t + 1) * 128));
    loss.backward();
    const out = new Map();
    for (const [n, p] of m.namedParameters())
      out.set(n, [
        Float64Array.from(p.contiguous().data),
        Float64Array.from(p.grad.contiguous().data),
      ]);
    // one SGDM step from the checkpoint's momentum buffers: Δ per conv
    const named = m.namedParameters();
    const opt = new SGD(named, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
    for (const [n, p] of named) {
      const b = tensors.get(`optim.${n}.momentum_buffer`);
      if (!b) throw new Error(`no momentum buffer for ${n}`);
      opt.state.set(n, {
        momentum_buffer: Tensor.from(safetensorToFloat64(b), b.shape, { dtype, layout: p.layout }),
      });
    }
    opt.step();
    const delta = new Map();
    for (const [n, p] of named) {
      const w0 = out.get(n)[0];
      const w1 = Float64Array.from(p.contiguous().data);
      delta.set(n, Math.acos(Math.min(1, dot(w0, w1) / Math.sqrt(dot(w0, w0) * dot(w1, w1)))));
    }
    return { loss: loss.item(), out, delta };
  });
const acc = new Map();
for (let t = 0; t < nb; t++) {
  const a = grads(tsBackend, 'float64', t);
  const b = grads(nativeBackend(), 'float32', t);
  for (const [n, [w, g]] of a.out) {
    if (w.length < 100 || n.startsWith('fc')) continue;
    const g2 = b.out.get(n)[1];
    const d = g2.map((v, i) => v - g[i]);
    const rel = Math.sqrt(dot(d, d) / dot(g, g));
    const nw = Math.sqrt(dot(w, w));
    const rc64 = dot(w, g) / (nw * Math.sqrt(dot(g, g)));
    const rc32 = dot(w, g2) / (nw * Math.sqrt(dot(g2, g2)));
    const ratio = Math.sqrt(dot(g2, g2) / dot(g, g));
    const e = acc.get(n) ?? { rel: 0, ratio: 0, rc64: 0, rc32: 0, d64: 0, d32: 0 };
    e.d64 += a.delta.get(n) / nb;
    e.d32 += b.delta.get(n) / nb;
    e.rel = Math.max(e.rel, rel);
    e.ratio += ratio / nb;
    e.rc64 += Math.abs(rc64) / nb;
    e.rc32 += Math.abs(rc32) / nb;
    acc.set(n, e);
  }
  console.log(`batch ${t} loss f64 ${a.loss.toPrecision(10)} native f32 ${b.loss.toPrecision(10)}`);
}
console.log(
  'param | max rel grad err | mean ‖g32‖/‖g64‖ | mean |radial cos| f64 | f32 | mean one-step Δ/Δ* f64 | f32',
);
for (const [n, e] of acc)
  console.log(
    `${n} | ${e.rel.toExponential(2)} | ${e.ratio.toFixed(6)} | ${e.rc64.toExponential(2)} | ${e.rc32.toExponential(2)} | ${(e.d64 / 0.0072548).toFixed(6)} | ${(e.d32 / 0.0072548).toFixed(6)}`,
  );
