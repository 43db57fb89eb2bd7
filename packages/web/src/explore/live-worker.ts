/**
 * The explorer's training worker: trains LIVE_NET on the shipped Fashion-MNIST subset with the
 * engine's TypeScript backend, probes every scale-invariant weight after each step (SmdProbe:
 * Δ_t, ‖w_t‖, ‖g̃_t‖², h̃_t) and posts chunks of ~100 ms to the page, handling pause, lr drops
 * (with or without the rescaling trick), λ changes and reset between chunks. Bundled as its own
 * script and started from a blob: URL, so it runs from file:// too.
 */
import {
  CrossEntropyLoss,
  DataLoader,
  FASHION_MNIST_NORMALIZATION,
  ImageDataset,
  SGD,
  Tensor,
  convStack,
  setBackend,
  tsBackend,
  Rng,
  type ConvStack,
} from '@smd/engine';
import {
  detectScaleInvariance,
  rescaleScaleInvariant,
  type ScaleInvarianceResult,
  probeForOptimizer,
  probeStep,
  type SmdProbe,
} from '@smd/smd';
import {
  LIVE_NET,
  type FromWorker,
  type LayerChunk,
  type LiveConfig,
  type LiveData,
  type ToWorker,
} from './live-protocol.js';

/** Wall time of one chunk of steps before the worker reports and reads its messages. */
const CHUNK_MS = 100;

interface Session {
  model: ConvStack;
  opt: SGD;
  probe: SmdProbe;
  loader: DataLoader;
  detection: ScaleInvarianceResult[];
  layers: string[];
  step: number;
}

const post = (m: FromWorker): void => (self as unknown as Worker).postMessage(m);
const lossFn = new CrossEntropyLoss();
let data: LiveData | null = null;
let session: Session | null = null;
let paused = false;
let timer: ReturnType<typeof setTimeout> | null = null;

function build(d: LiveData, c: LiveConfig): Session {
  const dataset = new ImageDataset({
    images: d.images,
    labels: d.labels,
    imageShape: [1, 28, 28],
    numClasses: 10,
    name: 'fashion-mnist subset',
  });
  const model = convStack({
    channels: LIVE_NET.channels,
    strides: LIVE_NET.strides,
    norm: 'batch',
    rng: new Rng(c.seed),
  });
  const loader = new DataLoader(dataset, {
    batchSize: c.batchSize,
    shuffle: true,
    seed: c.seed,
    dropLast: true,
    normalize: FASHION_MNIST_NORMALIZATION,
  });
  const probeBatch = loader.next();
  const detection = detectScaleInvariance(
    model,
    new Tensor(probeBatch.images.slice(), [...probeBatch.shape]),
  );
  const layers = detection.filter((r) => r.scaleInvariant).map((r) => r.param);
  const opt = new SGD(model.namedParameters(), {
    lr: c.lr,
    momentum: c.momentum,
    weightDecay: c.wd,
  });
  const probe = probeForOptimizer(opt, { params: layers, every: 1, windowSteps: 200 });
  post({
    type: 'ready',
    layers,
    params: detection.map((r) => ({
      name: r.param,
      scaleInvariant: r.scaleInvariant,
      reason: r.reason,
    })),
    numParams: model.namedParameters().reduce((s, [, p]) => s + p.data.length, 0),
  });
  return { model, opt, probe, loader, detection, layers, step: 0 };
}

/** Runs steps for ~CHUNK_MS and posts them. */
function chunk(s: Session): void {
  const t0 = performance.now();
  const firstStep = s.step;
  const lr: number[] = [];
  const wd: number[] = [];
  const loss: number[] = [];
  const acc: number[] = [];
  const layers: LayerChunk[] = s.layers.map((name) => ({
    name,
    delta: [],
    norm: [],
    unitGradSq: [],
    hTilde: [],
  }));
  const index = new Map(s.layers.map((n, i) => [n, i]));
  let images = 0;
  do {
    const b = s.loader.next();
    s.opt.zeroGrad();
    const logits = s.model.forward(new Tensor(b.images, [...b.shape]));
    const l = lossFn.forward(logits, b.labels);
    l.backward();
    const g = s.opt.paramGroups[0];
    lr.push(g.lr);
    wd.push(g.weightDecay);
    loss.push(l.data[0]);
    acc.push(batchAccuracy(logits.data, b.labels, b.size));
    for (const x of probeStep(s.probe, s.opt, s.step)) {
      const i = index.get(x.param);
      if (i === undefined) continue;
      if (x.metric === 'delta_rad') layers[i].delta.push(x.value);
      else if (x.metric === 'norm') layers[i].norm.push(x.value);
      else if (x.metric === 'unit_grad_sq_norm') layers[i].unitGradSq.push(x.value);
      else if (x.metric === 'h_tilde') layers[i].hTilde.push(x.value);
    }
    images += b.size;
    s.step++;
  } while (performance.now() - t0 < CHUNK_MS);
  const sec = (performance.now() - t0) / 1000;
  post({
    type: 'progress',
    firstStep,
    lr,
    wd,
    loss,
    acc,
    layers,
    imagesPerSec: images / sec,
    paused,
  });
}

function batchAccuracy(logits: ArrayLike<number>, labels: Int32Array, n: number): number {
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
    if (best === labels[i]) right++;
  }
  return right / n;
}

function loop(): void {
  timer = null;
  if (!session || paused) return;
  try {
    chunk(session);
  } catch (e) {
    paused = true;
    post({ type: 'error', message: (e as Error).message.split('\n')[0] });
    return;
  }
  timer = setTimeout(loop, 0);
}

function kick(): void {
  if (timer === null && !paused) timer = setTimeout(loop, 0);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'start':
      case 'reset': {
        if (m.type === 'start') data = m.data;
        if (!data) throw new Error('reset before start: no data');
        session = build(data, m.config);
        paused = false;
        if (m.type === 'reset')
          post({ type: 'event', event: { step: 0, kind: 'reset', message: 'reset' } });
        kick();
        break;
      }
      case 'pause':
        paused = true;
        if (session)
          post({
            type: 'progress',
            firstStep: session.step,
            lr: [],
            wd: [],
            loss: [],
            acc: [],
            layers: [],
            imagesPerSec: 0,
            paused,
          });
        break;
      case 'resume':
        paused = false;
        kick();
        break;
      case 'drop': {
        if (!session) break;
        const g = session.opt.paramGroups[0];
        g.lr /= m.k;
        post({
          type: 'event',
          event: {
            step: session.step,
            kind: 'drop',
            k: m.k,
            message: `η ÷ ${m.k} → ${+g.lr.toPrecision(4)}`,
          },
        });
        if (m.rescale) {
          const names = rescaleScaleInvariant(session.opt, session.detection, m.k);
          post({
            type: 'event',
            event: {
              step: session.step,
              kind: 'rescale',
              k: m.k,
              message: `${names.length} scale-invariant weights × ${+Math.pow(m.k, -0.25).toPrecision(4)}`,
            },
          });
        }
        break;
      }
      case 'set-wd': {
        if (!session) break;
        session.opt.paramGroups[0].weightDecay = m.wd;
        post({ type: 'event', event: { step: session.step, kind: 'wd', message: `λ → ${m.wd}` } });
        break;
      }
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).message.split('\n')[0] });
  }
};

setBackend(tsBackend);
