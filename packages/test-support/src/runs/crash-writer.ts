/**
 * Test fixture (used by crash.test.ts and concurrent-reader.test.ts, run as a child process):
 * a deterministic fake trainer that logs scalars, probes, events and checkpoints exactly as
 * `smd train` will, and resumes from the latest valid checkpoint. Not exported by the package.
 *
 *   node crash-writer.js <json options>   (see WriterOptions)
 * stdout: "step <n>" after each committed step, "paused <tmp>" when pausing, "done" at the end.
 */
import { fileURLToPath } from 'node:url';
import {
  createRun,
  PROBE_METRICS,
  resumeRun,
  saveCheckpoint,
  type ProbeMetric,
  type Run,
} from '@smd/runs';
import { runOptions } from './test-helpers.js';

/** What a training probe emits: every metric but smd analyze's checkpoint angle. */
type TrainMetric = Exclude<ProbeMetric, 'checkpoint_angle_rad'>;
const TRAIN_METRICS = PROBE_METRICS.filter((m): m is TrainMetric => m !== 'checkpoint_angle_rad');

/** Options of one writer process. */
export interface WriterOptions {
  /** 'create': new run under `root`; 'resume': reopen `dir` from its latest checkpoint. */
  mode: 'create' | 'resume';
  root?: string;
  dir?: string;
  /** Last step (steps are 1..steps). */
  steps: number;
  ckptEvery: number;
  /** Probed parameters (each gets every training probe metric). */
  params: number;
  /** Elements of the un-probed 'big.weight' tensor (makes checkpoint writes take time). */
  bigElements: number;
  /** Block forever between writing the temp checkpoint and renaming it, at this step. */
  pauseAtCheckpoint?: number;
  /** Sleep this many ms after each step (slows the writer for live-reader tests). */
  sleepMsPerStep?: number;
  /** Commit every this many steps. */
  batchSteps?: number;
}

/** mulberry32: the fixture's deterministic RNG; state is one uint32. */
function nextRandom(s: { rng: number }): number {
  s.rng = (s.rng + 0x6d2b79f5) >>> 0;
  let t = s.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const PARAM_SIZE = 64;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs the fake trainer in this process; returns the run's folder. */
export function runWriter(o: WriterOptions, out: (line: string) => void = () => {}): string {
  let run: Run;
  let weights: Float32Array[];
  let big: Float32Array;
  const st = { rng: 12345, lWindow: 0 };
  let start = 1;
  if (o.mode === 'create') {
    run = createRun(
      o.root!,
      runOptions({ name: 'crash', metrics: { batchSteps: o.batchSteps ?? 1 } }),
    );
    weights = Array.from({ length: o.params }, (_, i) =>
      new Float32Array(PARAM_SIZE).fill(1 + i / 10),
    );
    big = new Float32Array(o.bigElements);
    run.metrics.declareParams(
      weights.map((_, i) => ({
        name: `layer${i}.conv.weight`,
        shape: [4, 16],
        scaleInvariant: true,
        reason: 'feeds BatchNorm2d',
      })),
    );
  } else {
    const resumed = resumeRun(o.dir!, { metrics: { batchSteps: o.batchSteps ?? 1 } });
    run = resumed.run;
    const ck = resumed.checkpoint;
    if (!ck) throw new Error('crash-writer: no valid checkpoint to resume from');
    weights = Array.from(
      { length: o.params },
      (_, i) => ck.tensors.get(`layer${i}.conv.weight`)!.data as Float32Array,
    );
    big = ck.tensors.get('big.weight')!.data as Float32Array;
    st.rng = ck.state.rng as number;
    st.lWindow = ck.state.lWindow as number;
    start = resumed.nextStep;
  }
  const m = run.metrics;
  for (let t = start; t <= o.steps; t++) {
    const lr = t > o.steps / 2 ? 0.01 : 0.1;
    if (t === Math.floor(o.steps / 2) + 1) m.logEvent(t, 'lr_drop', 'lr 0.1 -> 0.01');
    let loss = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      let n0 = 0;
      let gg = 0;
      let wg = 0;
      let dot = 0;
      let n1 = 0;
      const g = new Float64Array(PARAM_SIZE);
      for (let k = 0; k < PARAM_SIZE; k++) {
        g[k] = nextRandom(st) - 0.5;
        n0 += w[k] * w[k];
        gg += g[k] * g[k];
        wg += w[k] * g[k];
      }
      for (let k = 0; k < PARAM_SIZE; k++) {
        const old = w[k];
        w[k] = Math.fround(old - lr * (g[k] + 1e-4 * old));
        dot += old * w[k];
        n1 += w[k] * w[k];
      }
      const norm = Math.sqrt(n0);
      const delta = Math.acos(Math.min(1, dot / Math.sqrt(n0 * n1)));
      st.lWindow = 0.99 * st.lWindow + 0.01 * gg * n0;
      const v: Record<TrainMetric, number> = {
        norm,
        delta_rad: delta,
        grad_sq_norm: gg,
        unit_grad_sq_norm: gg * n0,
        h_tilde: gg * n0,
        v_dot_g: 0,
        radial_cos: wg / (norm * Math.sqrt(gg)),
        lr_effective: lr / n0,
        L_window: st.lWindow,
        delta_star: Math.sqrt(2e-4 * lr),
        w_star: Math.pow((st.lWindow * lr) / 2e-4, 0.25),
        update_rms: (delta * norm) / Math.sqrt(PARAM_SIZE),
        rotation_spread: 0,
      };
      for (const metric of TRAIN_METRICS)
        m.logProbe({ step: t, param: `layer${i}.conv.weight`, metric, value: v[metric] });
      if (i === 0) {
        for (let c = 0; c < 4; c++)
          m.logProbe({
            step: t,
            param: 'layer0.conv.weight',
            metric: 'delta_rad',
            value: delta * (1 + c / 8),
            channel: c,
          });
      }
      loss += gg;
    }
    big[t % big.length] += 1;
    m.logScalars(t, { loss, lr, accuracy: t / o.steps, images_per_s: 1000 + (t % 7) });
    if (t % 97 === 0) m.logScalar(t, 'grad_overflow', NaN); // NaN must round-trip too
    m.endStep(t);
    if (t % o.ckptEvery === 0) {
      const tensors: Record<string, { data: Float32Array; shape: number[] }> = {
        'big.weight': { data: big, shape: [big.length] },
      };
      weights.forEach((w, i) => (tensors[`layer${i}.conv.weight`] = { data: w, shape: [4, 16] }));
      saveCheckpoint(
        run,
        t,
        {
          tensors,
          state: { rng: st.rng, lWindow: st.lWindow, step: t, loader: { epoch: 0, index: t } },
        },
        {
          beforeRename: (tmp) => {
            if (o.pauseAtCheckpoint === t) {
              out(`paused ${tmp}`);
              for (;;) sleep(1000);
            }
          },
        },
      );
    }
    out(`step ${t}`);
    if (o.sleepMsPerStep) sleep(o.sleepMsPerStep);
  }
  const dir = run.dir;
  run.finish();
  out('done');
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = JSON.parse(process.argv[2]) as WriterOptions;
  runWriter(opts, (line) => process.stdout.write(line + '\n'));
}
