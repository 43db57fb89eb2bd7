// Parity of smd_torch with smd's engine: the same 8/16/16 ResNet, initial weights and
// Fashion-MNIST batches trained 20 steps in PyTorch (integrations/pytorch/tests/parity_run.py,
// which writes the run store through smd_torch.watch) and in the engine with SmdProbe; every
// probe sample of the Python run is compared with the engine's, and both detectors must pick the
// same scale-invariant tensors. η is halved at step 10 through param_groups in both.
// float64: both trainings run free for 20 steps; every sample agrees to 1e-9 relative (measured
//   ~1e-11), per channel too, for SGDM, Nesterov and AdamW.
// float32: free-running trainings cannot agree to 1e-5: torch float32 and torch float64 already
//   drift apart by 1e-4 (relative, all weights) at step 4 and 3% at step 20 on this net, and Δ_t,
//   a difference of weights, magnifies that ~1000×. So each engine step starts from torch's w_t
//   and v_{t−1} (teacher forcing). With the engine's own float32 gradient, the two backends'
//   gradients differ by up to ~4e-5 in ‖g‖² (conv1), which bounds the gradient-derived metrics
//   (tolerances below, measured ×3); with torch's g_t forced too, every sample agrees to 1e-5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  CrossEntropyLoss,
  SGD,
  Tensor,
  resnet,
  setBackend,
  tsBackend,
  type DType,
} from '@smd/engine';
import {
  parseSafetensors,
  safetensorToFloat64,
  decodeSafetensor,
  type SafetensorsTensor,
} from '@smd/formats';
import { openRun } from '@smd/runs';
import { runPython, SMD_TORCH_DIR } from '@smd/test-support/runs';
import {
  detectScaleInvariance,
  probeForOptimizer,
  probeStep,
  type AnyOptimizer,
  type ProbeSample,
} from '@smd/smd';

const STEPS = 20;
const BATCH = 32;

interface Case {
  label: string;
  dtype: DType;
  optimizer: 'sgdm' | 'nesterov' | 'adamw';
  perChannel: boolean;
  rel: number;
  /** start every engine step from torch's w_t and v_{t−1} ('wv'), and its g_t too ('wvg') */
  forced: 'none' | 'wv' | 'wvg';
  /** per-metric relative tolerances that replace `rel` */
  relOf?: Partial<Record<string, number>>;
}
const CASES: Case[] = [
  {
    label: 'f32-sgdm',
    dtype: 'float32',
    optimizer: 'sgdm',
    perChannel: false,
    rel: 1e-5,
    forced: 'wvg',
  },
  {
    label: 'f32-sgdm-own-grad',
    dtype: 'float32',
    optimizer: 'sgdm',
    perChannel: false,
    rel: 1e-12, // what depends on w_t and η only: ‖w‖, η/‖w‖², Δ*
    forced: 'wv',
    relOf: {
      delta_rad: 1e-4,
      update_rms: 1e-4,
      grad_sq_norm: 1.5e-4,
      unit_grad_sq_norm: 1.5e-4,
      L_window: 1e-4,
      w_star: 3e-5,
      h_tilde: 3e-3,
      v_dot_g: 7e-3,
      radial_cos: 1e-4, // absolute (|cos| ≤ 1): it is ~1e-5, float32 gradient noise
    },
  },
  {
    label: 'f64-sgdm-ch',
    dtype: 'float64',
    optimizer: 'sgdm',
    perChannel: true,
    rel: 1e-9,
    forced: 'none',
  },
  {
    label: 'f64-nesterov',
    dtype: 'float64',
    optimizer: 'nesterov',
    perChannel: false,
    rel: 1e-9,
    forced: 'none',
  },
  {
    label: 'f64-adamw',
    dtype: 'float64',
    optimizer: 'adamw',
    perChannel: false,
    rel: 1e-9,
    forced: 'none',
  },
];

function makeOptimizer(kind: Case['optimizer'], named: [string, Tensor][]): AnyOptimizer {
  if (kind === 'adamw') return new AdamW(named, { lr: 1e-3, weightDecay: 5e-2 }) as AnyOptimizer;
  return new SGD(named, {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    nesterov: kind === 'nesterov',
  }) as unknown as AnyOptimizer;
}

/** The engine's samples for the same 20 steps (η halved from step 10, as the Python run). */
function engineRun(dir: string, c: Case): { samples: ProbeSample[]; invariant: string[] } {
  const file = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'init.safetensors'))));
  const model = resnet({ widths: [8, 16, 16], blocksPerStage: 1, dtype: c.dtype });
  const sd = new Map<string, Tensor>();
  for (const [name, t] of file.tensors) {
    if (name === 'x' || name === 'y') continue;
    sd.set(name, Tensor.from(safetensorToFloat64(t), t.shape, { dtype: c.dtype }));
  }
  const loaded = model.loadStateDict(sd, false);
  assert.deepEqual(loaded.unexpectedKeys, []);
  const x = safetensorToFloat64(file.tensors.get('x')!);
  const y = decodeSafetensor(file.tensors.get('y')!) as Int32Array;
  const per = 28 * 28;
  const batch = (t: number) =>
    Tensor.from(x.subarray(t * BATCH * per, (t + 1) * BATCH * per), [BATCH, 1, 28, 28], {
      dtype: c.dtype,
    });
  const invariant = detectScaleInvariance(model, batch(0))
    .filter((d) => d.scaleInvariant)
    .map((d) => d.param)
    .sort();
  const opt = makeOptimizer(c.optimizer, model.namedParameters());
  const probe = probeForOptimizer(opt, { params: invariant, perChannel: c.perChannel });
  const lossFn = new CrossEntropyLoss();
  const samples: ProbeSample[] = [];
  const states =
    c.forced !== 'none'
      ? parseSafetensors(new Uint8Array(readFileSync(join(dir, 'states.safetensors')))).tensors
      : null;
  for (let t = 0; t < STEPS; t++) {
    if (t === 10) for (const g of opt.paramGroups) g.lr *= 0.5;
    if (states !== null) forceState(model.namedParameters(), opt, states, t, 'w');
    const loss = lossFn.forward(model.forward(batch(t)), y.subarray(t * BATCH, (t + 1) * BATCH));
    opt.zeroGrad();
    loss.backward();
    if (states !== null && c.forced === 'wvg')
      forceState(model.namedParameters(), opt, states, t, 'g');
    samples.push(...probeStep(probe, opt, t));
  }
  return { samples, invariant };
}

/**
 * 'w': overwrites every parameter with torch's w_t and every momentum buffer with its v_{t−1};
 * 'g': every gradient with torch's g_t.
 */
function forceState(
  named: [string, Tensor][],
  opt: AnyOptimizer,
  states: Map<string, SafetensorsTensor>,
  t: number,
  what: 'w' | 'g',
): void {
  for (const [name, p] of named) {
    assert.equal(p.layout, 'contiguous');
    if (what === 'g') {
      assert.equal(p.grad!.layout, 'contiguous');
      p.grad!.data.set(safetensorToFloat64(states.get(`g/${t}/${name}`)!));
      continue;
    }
    p.data.set(safetensorToFloat64(states.get(`w/${t}/${name}`)!));
    const v = states.get(`v/${t}/${name}`);
    const buf = opt.state.get(name)?.momentum_buffer;
    if (v !== undefined && buf !== undefined && typeof buf !== 'number') {
      buf.data.set(safetensorToFloat64(v));
    }
  }
}

test('smd_torch probe values equal smd engine probe values (20 steps, float32 and float64)', () => {
  setBackend(tsBackend);
  const out = mkdtempSync(join(tmpdir(), 'smd-parity-'));
  try {
    const specs = CASES.map((c) => `${c.label}:${c.dtype}:${c.optimizer}:${c.perChannel ? 1 : 0}`);
    const r = runPython([join(SMD_TORCH_DIR, 'tests', 'parity_run.py'), out, ...specs]);
    const dirs = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
    for (const c of CASES) {
      const { samples, invariant } = engineRun(join(out, c.label), c);
      const run = openRun(dirs[c.label]);
      try {
        const params = run.metrics.params();
        const pyInvariant = params
          .filter((p) => p.scaleInvariant)
          .map((p) => p.name)
          .sort();
        assert.deepEqual(pyInvariant, invariant, `${c.label}: detected tensors`);
        assert.equal(invariant.length, 9); // every conv: stem, 3 blocks × 2, 2 projections
        assert.equal(run.metrics.endedStep(), STEPS - 1);
        const py = new Map<string, number>();
        for (const p of run.metrics.dump().probes) {
          py.set(`${p.step}|${p.param}|${p.metric}|${p.channel ?? ''}`, p.value);
        }
        assert.equal(py.size, samples.length, `${c.label}: same number of samples`);
        let worst = 0;
        let where = '';
        for (const s of samples) {
          const key = `${s.step}|${s.param}|${s.metric}|${s.channel ?? ''}`;
          const v = py.get(key);
          assert.ok(v !== undefined, `${c.label}: python run lacks ${key}`);
          // radial cos is ~1e-7 (noise around 0): compared absolutely
          const scale = s.metric === 'radial_cos' ? 1 : Math.abs(s.value);
          const rel =
            (Math.abs(v - s.value) / Math.max(scale, 1e-300) / (c.relOf?.[s.metric] ?? c.rel)) *
            c.rel;
          if (rel > worst) [worst, where] = [rel, `${key}: torch ${v} engine ${s.value}`];
        }
        assert.ok(worst <= c.rel, `${c.label}: worst relative difference ${worst} at ${where}`);
        const metrics = new Set(samples.map((s) => s.metric));
        const sgdm = c.optimizer !== 'adamw';
        assert.equal(metrics.has('h_tilde'), sgdm);
        assert.equal(metrics.has('delta_star'), c.optimizer === 'sgdm');
        console.log(
          `${c.label}: ${samples.length} samples, worst relative difference ${worst.toExponential(2)}`,
        );
      } finally {
        run.close();
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
