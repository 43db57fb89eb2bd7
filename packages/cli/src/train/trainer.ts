/**
 * The training loop: per step forward, loss, backward, probe around optimizer.step(), LR
 * schedule, divergence check, rescaling trick at drops, test evaluation at epoch ends, rows
 * into the metric store, checkpoints. Everything that changes a number is restored by a resume
 * (checkpoint-state.ts), so a resumed run's rows and weights equal an uninterrupted run's.
 *
 * Rows of step s: scalars loss, acc (this batch), lr (η used); probe samples of step s; at an
 * epoch's last step (and every cfg.evalEvery steps) test_loss, test_acc, and the timing scalars images_per_s, elapsed_s (the
 * only rows that depend on the machine, not on the seed).
 */
import { CrossEntropyLoss, DataLoader, Tensor, noGrad, type Module } from '@smd/engine';
import { appendSamples, type ProbeSample } from '@smd/smd';
import { saveCheckpoint, type Run } from '@smd/runs';
import { captureCheckpoint } from './checkpoint-state.js';
import type { Progress } from './progress.js';
import { applyRescale } from './rescale.js';
import { firstNonFinite, injectIntoParam, type FaultInjection } from './fault-inject.js';
import type { TrainParts } from './setup.js';
import type { TrainData } from './build.js';

/** How a training call ended. */
export interface TrainOutcome {
  status: 'finished' | 'diverged';
  /** last step whose rows are in the store */
  lastStep: number;
  /** "step 12: loss is NaN" when diverged */
  divergence: string | null;
  /** test accuracy at the last evaluation (NaN if none in this process) */
  testAcc: number;
  /** training throughput of this process (images/s, evaluation excluded) */
  imagesPerSec: number;
}

/** Options of trainLoop. */
export interface TrainLoopOptions {
  progress: Progress;
  /** Test hook: SIGKILL this process inside the checkpoint write of this step (temp file written, not renamed). */
  killInCheckpointAt?: number;
  /** Test hook: SIGKILL this process right after step n's rows were handed to the store. */
  killAfterStep?: number;
  /** Test hook: a NaN/Inf put into the loss, a gradient or a weight at one step. */
  inject?: FaultInjection;
}

/** Accuracy and mean loss of `model` (eval mode, no grad) over a dataset. */
export function evaluate(
  model: Module,
  data: TrainData,
  batchSize = 500,
): { acc: number; loss: number } {
  const loader = new DataLoader(data.test, {
    batchSize,
    shuffle: false,
    normalize: data.normalize,
  });
  const lossFn = new CrossEntropyLoss({ reduction: 'sum' });
  let correct = 0;
  let lossSum = 0;
  model.eval();
  try {
    noGrad(() => {
      for (const b of loader.epochBatches()) {
        const logits = model.forward(new Tensor(b.images, [...b.shape])).contiguous();
        lossSum += lossFn.forward(logits, b.labels.subarray(0, b.size)).item();
        correct += countCorrect(logits.data, b.labels, b.size, logits.shape[1]);
      }
    });
  } finally {
    model.train();
  }
  return { acc: correct / data.test.length, loss: lossSum / data.test.length };
}

/** Number of rows of logits [n, c] whose argmax equals the label. */
function countCorrect(logits: ArrayLike<number>, labels: Int32Array, n: number, c: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/** Runs steps `startStep … total−1`, logging to `run`. */
export function trainLoop(
  parts: TrainParts,
  run: Run,
  startStep: number,
  opts: TrainLoopOptions,
): TrainOutcome {
  const { cfg, model, opt, sched, loader, probe, total, perEpoch } = parts;
  const store = run.metrics;
  const lossFn = new CrossEntropyLoss();
  const drops = new Map(parts.drops.map((d) => [d.step, d.ratio] as const));
  const epochs = Math.ceil(total / perEpoch);
  const t0 = performance.now();
  let trainMs = 0;
  let images = 0;
  let testAcc = NaN;
  let lastStep = startStep - 1;
  for (let step = startStep; step < total; step++) {
    const ts = performance.now();
    const batch = loader.next();
    const x = new Tensor(batch.images, [...batch.shape]);
    const logits = model.forward(x);
    const loss = lossFn.forward(logits, batch.labels);
    const inject = opts.inject?.step === step ? opts.inject : undefined;
    const lossValue = inject?.kind === 'loss' ? inject.value : loss.item();
    const lr = opt.paramGroups[0].lr;
    if (!Number.isFinite(lossValue)) {
      const bad = firstNonFinite(model, 'weight');
      const where = bad === null ? 'all weights finite' : `weights of ${bad} are NaN/Inf`;
      return diverge(run, step, `loss is ${lossValue} (${where})`, lossValue, lr, opts, testAcc);
    }
    opt.zeroGrad();
    loss.backward();
    if (inject?.kind === 'grad') injectIntoParam(model, inject);
    // Checked before the update, so the weights (and the last checkpoint) stay finite.
    const badGrad = firstNonFinite(model, 'grad');
    if (badGrad !== null) {
      return diverge(run, step, `gradient of ${badGrad} is NaN/Inf`, lossValue, lr, opts, testAcc);
    }
    const lg = logits.contiguous();
    const acc = countCorrect(lg.data, batch.labels, batch.size, lg.shape[1]) / batch.size;
    probe?.beforeStep(step);
    opt.step();
    if (inject?.kind === 'weight') injectIntoParam(model, inject);
    const bad = firstNonFinite(model, 'weight');
    if (bad !== null) {
      return diverge(run, step, `weights of ${bad} became NaN/Inf`, lossValue, lr, opts, testAcc);
    }
    const samples: ProbeSample[] = [];
    for (const m of probe?.measure(step) ?? []) appendSamples(samples, m);
    sched.step();
    store.logScalars(step, { loss: lossValue, acc, lr });
    store.logProbes(samples);
    const k = drops.get(step + 1);
    if (k !== undefined) {
      store.logEvent(
        step,
        'lr_drop',
        `lr ${lr} -> ${opt.paramGroups[0].lr} from step ${step + 1} (k = ${k})`,
      );
      if (cfg.rescale && k > 1) {
        const names = applyRescale(model, opt, parts.detection, k);
        store.logEvent(
          step,
          'rescale',
          `divided ${names.length} scale-invariant weights by k^(1/4) = ${Math.pow(k, 0.25)}`,
        );
      }
    }
    trainMs += performance.now() - ts;
    images += batch.size;
    const ips = (images / trainMs) * 1000;
    const epochEnd = (step + 1) % perEpoch === 0 || step === total - 1;
    const evalNow = epochEnd || (cfg.evalEvery > 0 && (step + 1) % cfg.evalEvery === 0);
    const progressState = {
      step: step + 1,
      total,
      epoch: Math.floor(step / perEpoch) + 1,
      epochs,
      loss: lossValue,
      acc,
      imagesPerSec: ips,
      etaSec: ((total - step - 1) * trainMs) / (step + 1 - startStep) / 1000,
    };
    if (evalNow) {
      const ev = evaluate(model, parts.data);
      testAcc = ev.acc;
      store.logScalars(step, {
        test_acc: ev.acc,
        test_loss: ev.loss,
        images_per_s: ips,
        elapsed_s: (performance.now() - t0) / 1000,
      });
      opts.progress.update(progressState, epochEnd);
      if (epochEnd) {
        opts.progress.line(
          `smd train: epoch ${progressState.epoch} (step ${step + 1}): test acc ${(ev.acc * 100).toFixed(2)}%, test loss ${ev.loss.toFixed(4)}`,
        );
      }
    } else opts.progress.update(progressState);
    store.endStep(step);
    lastStep = step;
    if (opts.killAfterStep === step) process.kill(process.pid, 'SIGKILL');
    if ((step + 1) % cfg.checkpointEvery === 0 || step === total - 1) {
      const kill = opts.killInCheckpointAt === step;
      saveCheckpoint(run, step, captureCheckpoint(parts, step), {
        keep: cfg.keepCheckpoints,
        beforeRename: kill ? () => process.kill(process.pid, 'SIGKILL') : undefined,
      });
    }
  }
  opts.progress.done();
  return {
    status: 'finished',
    lastStep,
    divergence: null,
    testAcc,
    imagesPerSec: trainMs > 0 ? (images / trainMs) * 1000 : NaN,
  };
}

function diverge(
  run: Run,
  step: number,
  what: string,
  loss: number,
  lr: number,
  opts: TrainLoopOptions,
  testAcc: number,
): TrainOutcome {
  const msg = `step ${step}: ${what}`;
  run.metrics.logScalars(step, { loss, lr });
  run.metrics.logEvent(step, 'divergence', msg);
  run.metrics.endStep(step);
  run.log(`diverged at ${msg}`, 'error');
  opts.progress.done();
  return { status: 'diverged', lastStep: step, divergence: msg, testAcc, imagesPerSec: NaN };
}
