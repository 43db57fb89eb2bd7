/**
 * The same network and step in TensorFlow.js 4.22.0 (tfjs-core ops, no tfjs-layers), for
 * bench/explore-speed: conv3×3 (padding 1, no bias) → batch norm (batch statistics, affine) →
 * ReLU, three times with 8, 16, 32 channels and strides 1, 2, 2; global average pool; fc 32→10;
 * softmax cross-entropy; torch-style SGD with momentum 0.9 and coupled weight decay
 * (v ← αv + g + λw, w ← w − ηv). NHWC layout (TF.js's). Backends 'cpu' and 'wasm' (SIMD, and
 * threads when the page is cross-origin isolated; convs as depth-1 Conv3D there, see below). Bundled by run.mjs; exposes globalThis.tfBench.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const CHANNELS = [8, 16, 32];
const STRIDES = [1, 2, 2];
const EPS = 1e-5;

let step: ((n: number) => Promise<number>) | null = null;

/** Kaiming-uniform-like init from a seeded LCG (the values do not matter for speed). */
function init(shape: number[], fanIn: number, seed: number): tf.Variable {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const b = 1 / Math.sqrt(fanIn);
  const v = new Float32Array(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 * b - b;
  });
  return tf.variable(tf.tensor(v, shape));
}

async function setup(backend: 'cpu' | 'wasm', batch: number, wasmDir: string): Promise<string> {
  if (backend === 'wasm') {
    setWasmPaths(wasmDir);
    // threads: as many as the browser offers (tfjs uses navigator.hardwareConcurrency by default)
    setThreadsCount(navigator.hardwareConcurrency || 1);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const convs: tf.Variable[] = [];
  const gammas: tf.Variable[] = [];
  const betas: tf.Variable[] = [];
  let cin = 1;
  CHANNELS.forEach((c, i) => {
    convs.push(init([3, 3, cin, c], 9 * cin, 11 + i));
    gammas.push(tf.variable(tf.ones([c])));
    betas.push(tf.variable(tf.zeros([c])));
    cin = c;
  });
  const fcW = init([cin, 10], cin, 99);
  const fcB = tf.variable(tf.zeros([10]));
  const params = [...convs, ...gammas, ...betas, fcW, fcB];
  const bufs = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 7);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const lr = tf.scalar(0.1);
  const wd = tf.scalar(5e-4);
  const mom = tf.scalar(0.9);
  // TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel, so a 2-D conv cannot be trained
  // there; it has Conv3D and its two gradients: on wasm the conv is a depth-1 Conv3D (same math).
  const pad: [number, number][] = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  const conv =
    backend === 'wasm'
      ? (h: tf.Tensor4D, w: tf.Tensor, s: number): tf.Tensor4D => {
          const [n, hh, ww, c] = h.shape;
          const x5 = tf.reshape(tf.pad(h, pad), [n, 1, hh + 2, ww + 2, c]) as tf.Tensor5D;
          const w5 = tf.reshape(w, [1, ...w.shape]) as tf.Tensor5D;
          const y = tf.conv3d(x5, w5, [1, s, s], 'valid');
          return tf.reshape(y, [n, y.shape[2], y.shape[3], y.shape[4]]) as tf.Tensor4D;
        }
      : (h: tf.Tensor4D, w: tf.Tensor, s: number): tf.Tensor4D =>
          tf.conv2d(h, w as tf.Tensor4D, s, pad);
  const lossOf = (): tf.Scalar => {
    let h: tf.Tensor4D = x as tf.Tensor4D;
    CHANNELS.forEach((_c, i) => {
      h = conv(h, convs[i], STRIDES[i]);
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, mean, variance, betas[i], gammas[i], EPS));
    });
    const pooled = tf.mean(h, [1, 2]);
    const logits = tf.add(tf.matMul(pooled, fcW), fcB);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  step = async (n: number): Promise<number> => {
    let last: tf.Scalar | null = null;
    for (let i = 0; i < n; i++) {
      last?.dispose();
      last = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossOf, params);
        params.forEach((p, j) => {
          const g = tf.add(grads[p.name], tf.mul(wd, p));
          bufs[j].assign(tf.add(tf.mul(mom, bufs[j]), g));
          p.assign(tf.sub(p, tf.mul(lr, bufs[j])));
        });
        return value;
      });
    }
    return (await last!.data())[0];
  };
  return `${tf.getBackend()}${backend === 'wasm' ? ` (crossOriginIsolated ${String(globalThis.crossOriginIsolated)})` : ''}`;
}

(globalThis as unknown as { tfBench: unknown }).tfBench = {
  setup,
  /** Runs n training steps and waits for the last loss (the work is done when it resolves). */
  steps: (n: number): Promise<number> => step!(n),
};
