// Cost of the SMD probe (packages/smd/src/probe) per optimizer step on the reference ResNet's
// parameters (widths 32/64/128, bench/train-throughput/torch-bench.py): every conv weight, BN
// γ/β and the classifier, SGDM buffers present, sampled every step.
//
//   node --conditions=source --import tsx bench/probe-cost.mjs      (from source)
//   npm run build && node bench/probe-cost.mjs                      (from dist)
//
// Prints the median over steps of ns per element (beforeStep + afterStep including sample records)
// for whole-tensor and per-channel mode, the hook path, and the share of a 250 ms native step.
//
// Measured 2026-11-25 (2 vCPU Zen 5, Node 20, shared and loaded machine, medians of 3 runs each):
//   whole-tensor (beforeStep/afterStep) 2.4–4.1 ns/element = 1.7–2.9 ms/step = 0.66–1.15% of 250 ms
//   per-channel  (beforeStep/afterStep) 2.8–4.0 ns/element = 2.0–2.8 ms/step = 0.79–1.10%
//   hook (fused pass, incl. the optimizer's two copies) 1.9–2.0 ns/element = 0.52–0.56%
//   under load average 7 on the 2 cores, worst runs: 8.8 / 10.6 / 3.8 ns/element (2.4 / 2.95 / 1.1%)
// Budget: 3% of a 250 ms step = 7.5 ms for 0.70M elements (10.8 ns/element).
import { SmdProbe, appendSamples } from '@smd/smd';

function referenceShapes(widths = [32, 64, 128]) {
  const shapes = [['conv1.weight', [widths[0], 1, 3, 3]], ...bn('bn1', widths[0])];
  let cin = widths[0];
  widths.forEach((w, i) => {
    const stride = i === 0 ? 1 : 2;
    for (let b = 0; b < 2; b++) {
      const p = `layers.${i}.${b}`;
      const c = b === 0 ? cin : w;
      shapes.push([`${p}.conv1.weight`, [w, c, 3, 3]], ...bn(`${p}.bn1`, w));
      shapes.push([`${p}.conv2.weight`, [w, w, 3, 3]], ...bn(`${p}.bn2`, w));
      if (b === 0 && (stride !== 1 || c !== w)) {
        shapes.push([`${p}.shortcut.0.weight`, [w, c, 1, 1]], ...bn(`${p}.shortcut.1`, w));
      }
    }
    cin = w;
  });
  shapes.push(['fc.weight', [10, widths[2]]], ['fc.bias', [10]]);
  return shapes;
}

function bn(prefix, c) {
  return [
    [`${prefix}.weight`, [c]],
    [`${prefix}.bias`, [c]],
  ];
}

let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1;

function makeParams() {
  return referenceShapes().map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = Float32Array.from({ length: n }, () => rnd() * 0.1);
    const g = Float32Array.from({ length: n }, () => rnd() * 0.01);
    const v = Float32Array.from({ length: n }, () => rnd() * 0.01);
    const hyper = { lr: 0.1, weightDecay: 5e-4, momentum: 0.9 };
    return {
      w,
      g,
      v,
      p: { name, shape, data: () => w, grad: () => g, momentumBuffer: () => v, hyper: () => hyper },
    };
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function fakeStep(params) {
  // stands in for optimizer.step(); not timed
  for (const { w, g, v } of params) {
    for (let i = 0; i < w.length; i++) {
      v[i] = 0.9 * v[i] + g[i] + 5e-4 * w[i];
      w[i] -= 0.1 * v[i];
    }
  }
}

function run(perChannel, steps) {
  const params = makeParams();
  const elements = params.reduce((s, x) => s + x.w.length, 0);
  const probe = new SmdProbe(
    params.map((x) => x.p),
    { perChannel },
  );
  const times = [];
  let samples = 0;
  for (let t = 0; t < steps; t++) {
    const t0 = process.hrtime.bigint();
    probe.beforeStep(t);
    const t1 = process.hrtime.bigint();
    fakeStep(params);
    const t2 = process.hrtime.bigint();
    samples = probe.afterStep(t).length;
    const t3 = process.hrtime.bigint();
    if (t >= 20) times.push(Number(t1 - t0 + (t3 - t2))); // first 20 steps: JIT warm-up
  }
  const perStepMs = median(times) / 1e6;
  return {
    perChannel,
    params: params.length,
    elements,
    samples,
    perStepMs,
    nsPerElement: (perStepMs * 1e6) / elements,
  };
}

// The onStep-hook path (attachSmdProbe): the optimizer copies w_t and v_{t−1} every step, then
// one fused pass per tensor (measureArrays). Copies are timed too: they exist for the probe.
function runHook(steps) {
  const params = makeParams();
  const elements = params.reduce((s, x) => s + x.w.length, 0);
  const probe = new SmdProbe(params.map((x) => x.p));
  const prevW = params.map((x) => new Float32Array(x.w.length));
  const prevV = params.map((x) => new Float32Array(x.w.length));
  const times = [];
  for (let t = 0; t < steps; t++) {
    const t0 = process.hrtime.bigint();
    params.forEach((x, i) => {
      prevW[i].set(x.w);
      prevV[i].set(x.v);
    });
    const t1 = process.hrtime.bigint();
    fakeStep(params);
    const t2 = process.hrtime.bigint();
    const samples = [];
    params.forEach((x, i) => {
      const m = probe.measureArrays(t, x.p.name, {
        wPrev: prevW[i],
        wNext: x.w,
        grad: x.g,
        momentumPrev: prevV[i],
      });
      if (m !== null) appendSamples(samples, m);
    });
    const t3 = process.hrtime.bigint();
    if (t >= 20) times.push(Number(t1 - t0 + (t3 - t2)));
  }
  const perStepMs = median(times) / 1e6;
  return { perStepMs, nsPerElement: (perStepMs * 1e6) / elements };
}

const stepMs = 250;
for (const perChannel of [false, true]) {
  const r = run(perChannel, 220);
  console.log(
    `${perChannel ? 'per-channel ' : 'whole-tensor'}: ${r.params} tensors, ${r.elements} elements, ` +
      `${r.samples} samples/step: ${r.perStepMs.toFixed(3)} ms/step = ${r.nsPerElement.toFixed(2)} ns/element ` +
      `= ${((100 * r.perStepMs) / stepMs).toFixed(2)}% of a ${stepMs} ms step`,
  );
}
const h = runHook(220);
console.log(
  `hook (fused): ${h.perStepMs.toFixed(3)} ms/step = ${h.nsPerElement.toFixed(2)} ns/element ` +
    `= ${((100 * h.perStepMs) / stepMs).toFixed(2)}% of a ${stepMs} ms step (incl. the optimizer's copies)`,
);
