// Lockstep check, smd side (see lockstep.py): load torch's initial weights and batches from
// OUTDIR, run the same SGDM steps in smd, compare per step with OUTDIR/torch.json.
// Usage: node --conditions=source --import tsx bench/reference-run/lockstep.mjs [outdir] [ts|native] [float64|float32]
import { readFileSync, writeFileSync } from 'node:fs';
import { Tensor, resnet, SGD, CrossEntropyLoss, setBackend } from '@smd/engine';

const dir = process.argv[2] ?? '/tmp/lockstep';
const backendName = process.argv[3] ?? 'ts';
const dtype = process.argv[4] ?? 'float64';
if (backendName === 'native') {
  const { nativeBackend } = await import('@smd/native');
  setBackend(nativeBackend());
}
const meta = JSON.parse(readFileSync(`${dir}/torch.json`, 'utf8'));
const f64 = (p) => {
  const b = readFileSync(p);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
};
const init = f64(`${dir}/init.bin`);
const X = f64(`${dir}/x.bin`);
const yb = readFileSync(`${dir}/y.bin`);
const Y = new Int32Array(yb.buffer, yb.byteOffset, yb.byteLength / 4);
// the norm and λ lockstep.py used (older dumps have neither: BatchNorm, 5e-4)
const norm = meta.norm ?? 'batch';
const wd = meta.wd ?? 5e-4;
const model = resnet({ widths: [16, 32, 64], dtype, norm });
const sd = new Map();
let off = 0;
for (const { name, shape } of meta.params) {
  const n = shape.reduce((a, b) => a * b, 1);
  sd.set(name, Tensor.from(init.subarray(off, off + n), shape, { dtype }));
  off += n;
}
const lr = model.loadStateDict(sd, false);
if (lr.unexpectedKeys.length) throw new Error('unexpected ' + lr.unexpectedKeys);
const named = model.namedParameters();
const opt = new SGD(named, { lr: 0.1, momentum: 0.9, weightDecay: wd });
const lossFn = new CrossEntropyLoss();
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const per = 128 * 784;
const worst = {};
// per conv weight: Δ_t of every step, ours and torch's (for the paired long-run summary)
const deltas = new Map();
// LOCKSTEP_DUMP=file.json: every step's compared values (kind, name, ours, torch) for offline study
const dump = process.env.LOCKSTEP_DUMP ? [] : null;
for (let t = 0; t < meta.steps; t++) {
  const x = Tensor.from(X.subarray(t * per, (t + 1) * per), [128, 1, 28, 28], { dtype });
  const labels = Y.subarray(t * 128, (t + 1) * 128);
  const loss = lossFn.forward(model.forward(x), labels);
  opt.zeroGrad();
  loss.backward();
  const ref = meta.steps_rec[t];
  const prev = new Map();
  const rows = [];
  for (const [n, p] of named) {
    const w = Float64Array.from(p.contiguous().data);
    prev.set(n, w);
    const g = Float64Array.from(p.grad.contiguous().data);
    const gn = Math.sqrt(dot(g, g));
    rows.push(['gnorm', n, gn, ref.gnorm[n]]);
    const st = opt.state.get(n);
    const buf = st?.momentum_buffer;
    if (buf && ref.gv[n] !== undefined) {
      const v = Float64Array.from(buf.contiguous().data);
      const gw = g.map((gi, i) => gi + wd * w[i]);
      rows.push(['gv', n, dot(gw, v), ref.gv[n]]);
    }
  }
  opt.step();
  for (const [n, p] of named) {
    if (p.ndim !== 4) continue;
    const w0 = prev.get(n);
    const w1 = Float64Array.from(p.contiguous().data);
    const c = dot(w0, w1) / Math.sqrt(dot(w0, w0) * dot(w1, w1));
    const d = Math.acos(Math.max(-1, Math.min(1, c)));
    rows.push(['delta', n, d, ref.delta[n]]);
    if (!deltas.has(n)) deltas.set(n, { ours: [], torch: [] });
    deltas.get(n).ours.push(d);
    deltas.get(n).torch.push(ref.delta[n]);
  }
  rows.push(['loss', '', loss.item(), ref.loss]);
  if (dump) dump.push(rows.map(([k, n, a, e]) => [k, n, a, e]));
  let line = `step ${t} loss ${loss.item().toPrecision(10)} torch ${ref.loss.toPrecision(10)}`;
  let maxr = 0,
    where = '';
  for (const [k, n, a, e] of rows) {
    const r = Math.abs(a - e) / (Math.abs(e) + 1e-12);
    if (r > maxr) {
      maxr = r;
      where = `${k} ${n} ours ${a.toExponential(6)} torch ${e.toExponential(6)}`;
    }
    const key = `${k} ${n}`;
    worst[key] = Math.max(worst[key] ?? 0, r);
  }
  console.log(`${line}  maxrel ${maxr.toExponential(2)} at ${where}`);
}
// BatchNorm running statistics after the last step (eval mode's normalization)
if (meta.buffers_final) {
  const sdNow = model.stateDict();
  for (const [k, want] of Object.entries(meta.buffers_final)) {
    const got = sdNow.get(k).contiguous().data;
    let r = 0;
    for (let i = 0; i < want.length; i++)
      r = Math.max(r, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 1e-12));
    worst[`buffer ${k}`] = r;
  }
}
const top = Object.entries(worst)
  .filter(
    ([k]) => process.env.LOCKSTEP_ONLY === undefined || k.startsWith(process.env.LOCKSTEP_ONLY),
  )
  .sort((a, b) => b[1] - a[1])
  .slice(0, 12);
console.log(
  `worst relative differences over all steps (${norm} norm, λ ${wd}, ${backendName}, ${dtype}):`,
);
for (const [k, v] of top) console.log(`  ${k}: ${v.toExponential(2)}`);

if (dump) writeFileSync(process.env.LOCKSTEP_DUMP, JSON.stringify(dump));
// Paired long run (--steps in the hundreds or more): per conv weight, mean Δ_t over the last W
// steps ÷ Δ*, ours and torch's, from the same init and the same batches — only floating-point
// rounding separates the two trajectories, so seed-to-seed noise does not enter the difference.
if (meta.steps >= 1000) {
  // ours, for paired-noise.mjs: every conv weight's Δ_t series
  const threads = backendName === 'native' ? (process.env.SMD_NATIVE_THREADS ?? 'default') : '1';
  const out = `${dir}/ours-${backendName}-${dtype}-t${threads}.json`;
  const series = Object.fromEntries([...deltas].map(([n, d]) => [n, d.ours]));
  writeFileSync(
    out,
    JSON.stringify({ backend: backendName, dtype, threads, norm, wd, delta: series }),
  );
  console.log(`wrote ${out}`);
  const dStar = Math.acos(1 - (0.1 * wd) / 1.9);
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const diffs = { 200: [], 500: [] };
  console.log(`paired windows (Δ* ${dStar.toPrecision(5)}): layer, then W: torch ours diff`);
  for (const [n, { ours, torch }] of deltas) {
    const cells = [200, 500].map((w) => {
      const a = mean(torch.slice(-w)) / dStar;
      const b = mean(ours.slice(-w)) / dStar;
      diffs[w].push(b - a);
      return `${w}: ${a.toFixed(3)} ${b.toFixed(3)} ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(3)}`;
    });
    console.log(`  ${n.padEnd(30)} ${cells.join('   ')}`);
  }
  for (const w of [200, 500]) {
    const d = diffs[w].slice().sort((x, y) => x - y);
    const maxAbs = Math.max(...d.map(Math.abs));
    console.log(
      `  W ${w}: median diff ${d[d.length >> 1].toFixed(3)}, largest |diff| ${maxAbs.toFixed(3)}`,
    );
  }
}
