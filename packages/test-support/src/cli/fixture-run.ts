/**
 * Synthetic-but-plausible SMD runs for tests and demos, written through the runs API: a few
 * scale-invariant "layers" (vectors w ∈ R^d with gradients drawn on the tangent plane, so
 * ⟨w, g⟩ = 0 as Lemma 1 says, scaled so ‖g̃‖² ≈ L_t with a slowly falling L_t) plus one
 * non-scale-invariant tensor (a radial gradient component), trained with torch SGD/SGDM
 * (coupled decay) under a multistep schedule, measured by the real SmdProbe, with loss,
 * lr, test accuracy and images/s scalars and lr_drop / rescale events.
 */
import { Rng } from '@smd/engine';
import { createRun, type Run } from '@smd/runs';
import { appendSamples, SmdProbe, type ProbedParam } from '@smd/smd';

/** Options of {@link writeFixtureRun}. */
export interface FixtureOptions {
  root: string;
  name?: string;
  steps?: number;
  /** Steps where η is divided by `gamma` (default [steps/2]). */
  milestones?: number[];
  gamma?: number;
  lr?: number;
  wd?: number;
  momentum?: number;
  seed?: number;
  /** Apply the rescaling trick (w ← w·k^{-1/4}) at every drop. */
  rescale?: boolean;
  /** Probe every n-th step (default 1). */
  every?: number;
  /** Sleep this long every `chunk` steps (a slow live writer). Default 0. */
  delayMs?: number;
  chunk?: number;
  /** Declare every tensor's scale invariance as unknown (detection left to the radial cosine). */
  undeclared?: boolean;
  /** Called with the run once it exists (e.g. to print its id). */
  onCreated?: (run: Run) => void;
}

interface Layer {
  name: string;
  d: number;
  L0: number;
  /** Radial fraction of the gradient (0 for scale-invariant tensors). */
  radial: number;
  w: Float64Array;
  v: Float64Array;
  g: Float64Array;
  wPrev: Float64Array;
  vPrev: Float64Array;
  started: boolean;
}

const LAYERS: [string, number, number, number][] = [
  ['layer1.0.conv1.weight', 400, 1.0, 0],
  ['layer1.0.conv2.weight', 900, 2.0, 0],
  ['layer2.0.conv2.weight', 1600, 0.5, 0],
  ['fc.weight', 300, 1.0, 0.4],
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes one fixture run under `root` and returns its folder. */
export async function writeFixtureRun(o: FixtureOptions): Promise<string> {
  const steps = o.steps ?? 4000;
  const milestones = o.milestones ?? [Math.floor(steps / 2)];
  const gamma = o.gamma ?? 0.1;
  const lr0 = o.lr ?? 0.1;
  const wd = o.wd ?? 5e-4;
  const momentum = o.momentum ?? 0.9;
  const every = o.every ?? 1;
  const rng = new Rng(o.seed ?? 1);
  const layers: Layer[] = LAYERS.map(([name, d, L0, radial]) => {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) w[i] = rng.normal() * (3 / Math.sqrt(d));
    return {
      name,
      d,
      L0,
      radial,
      w,
      v: new Float64Array(d),
      g: new Float64Array(d),
      wPrev: new Float64Array(d),
      vPrev: new Float64Array(d),
      started: false,
    };
  });
  let lr = lr0;
  const probed: ProbedParam[] = layers.map((l) => ({
    name: l.name,
    shape: [l.d],
    data: () => l.w,
    grad: () => l.g,
    momentumBuffer: () => (momentum > 0 && l.started ? l.v : null),
    hyper: () => ({ lr, weightDecay: wd, momentum }),
  }));
  const probe = new SmdProbe(probed, { every, windowSteps: 200 });
  const run = createRun(o.root, {
    name: o.name ?? 'fixture',
    config: {
      model: 'synthetic-smd',
      optimizer: { name: 'sgd', lr: lr0, momentum, weightDecay: wd },
      schedule: { kind: 'multistep', milestones, gamma },
      steps,
      rescale: o.rescale ?? false,
      probes: { every, windowSteps: 200 },
    },
    seed: o.seed ?? 1,
    backend: 'ts',
    fallbacks: [],
    versions: { '@smd/cli': '0.1.0', node: process.version },
    machine: {
      hostname: 'fixture',
      platform: process.platform,
      arch: process.arch,
      cpus: 1,
      cpuModel: 'synthetic',
      totalMemBytes: 0,
      node: process.version,
    },
  });
  o.onCreated?.(run);
  const m = run.metrics;
  m.declareParams(
    layers.map((l) => ({
      name: l.name,
      shape: [l.d],
      scaleInvariant: o.undeclared ? null : l.radial === 0,
      reason:
        l.radial === 0
          ? 'conv feeds BatchNorm2d (synthetic)'
          : 'final classifier, no norm after it',
    })),
  );
  let loss = 2.3;
  for (let t = 0; t < steps; t++) {
    if (milestones.includes(t)) {
      const before = lr;
      lr *= gamma;
      m.logEvent(t, 'lr_drop', `η ${+before.toPrecision(6)} → ${+lr.toPrecision(6)}`);
      if (o.rescale) {
        const f = Math.pow(1 / gamma, -0.25);
        for (const l of layers) if (l.radial === 0) for (let i = 0; i < l.d; i++) l.w[i] *= f;
        m.logEvent(t, 'rescale', `scale-invariant weights × ${f.toFixed(4)}`);
      }
    }
    const Lscale = 0.6 + 0.4 * Math.exp(-t / (steps / 2));
    for (const l of layers) {
      let wn2 = 0;
      for (let i = 0; i < l.d; i++) wn2 += l.w[i] * l.w[i];
      const wn = Math.sqrt(wn2);
      let dot = 0;
      for (let i = 0; i < l.d; i++) {
        l.g[i] = rng.normal();
        dot += l.g[i] * l.w[i];
      }
      // Project on the tangent plane, scale so ‖g‖² ≈ L/‖w‖², add the radial part.
      const s = Math.sqrt((l.L0 * Lscale) / l.d) / wn;
      for (let i = 0; i < l.d; i++) {
        l.g[i] =
          s * (l.g[i] - (dot / wn2) * l.w[i]) + l.radial * s * Math.sqrt(l.d) * (l.w[i] / wn);
      }
      l.wPrev.set(l.w);
      l.vPrev.set(l.v);
      const hadV = l.started;
      for (let i = 0; i < l.d; i++) {
        l.v[i] = momentum * l.v[i] + l.g[i] + wd * l.w[i];
        l.w[i] -= lr * l.v[i];
      }
      l.started = true;
      const meas = probe.measureArrays(t, l.name, {
        wPrev: l.wPrev,
        wNext: l.w,
        grad: l.g,
        momentumPrev: momentum > 0 && hadV ? l.vPrev : null,
      });
      if (meas) m.logProbes(appendSamples([], meas));
    }
    loss = 0.995 * loss + 0.005 * (0.25 + 1.6 * Math.exp(-t / 1500) * (lr / lr0) ** 0.3);
    m.logScalars(t, {
      loss: loss * (1 + 0.05 * rng.normal()),
      lr,
      images_per_s: 1200 + 40 * rng.normal(),
    });
    if (t % 200 === 199 || t === steps - 1) {
      m.logScalar(
        t,
        'test_accuracy',
        Math.min(0.97, Math.max(0.1, 0.1 + 0.85 * (1 - loss / 2.3) + 0.005 * rng.normal())),
      );
    }
    m.endStep(t);
    if (o.delayMs && t % (o.chunk ?? 50) === (o.chunk ?? 50) - 1) await sleep(o.delayMs);
  }
  const dir = run.dir;
  run.finish();
  return dir;
}
