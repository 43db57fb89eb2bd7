/**
 * A seeded synthetic image-classification dataset for tests and demos without downloads:
 * class k is a bright Gaussian blob centred on a ring at angle 2πk/K plus a bar whose
 * orientation also depends on k, randomly shifted by up to `jitter` pixels, with Gaussian
 * pixel noise, stored as uint8 like MNIST. A linear model separates the classes well; a small
 * convnet learns them in a few hundred steps.
 */
import { Rng } from '../rng.js';
import { ImageDataset } from './dataset.js';

/** Options for makeSyntheticImageDataset. */
export interface SyntheticImageOptions {
  /** Number of examples. */
  length: number;
  /** Default 10. */
  numClasses?: number;
  /** Default 28. */
  height?: number;
  /** Default 28. */
  width?: number;
  /** Default 1; extra channels get the same pattern at decreasing brightness. */
  channels?: number;
  /** Default 0. */
  seed?: number;
  /** Pixel noise std in [0, 1] units (default 0.15). */
  noise?: number;
  /** Maximum shift in pixels, uniform in [−jitter, jitter] per axis (default 2). */
  jitter?: number;
}

/**
 * Build the dataset. Labels are balanced (each class appears ⌊N/K⌋ or ⌈N/K⌉ times) in a
 * seeded random order. The same options always give the same bytes.
 */
export function makeSyntheticImageDataset(options: SyntheticImageOptions): ImageDataset {
  const n = options.length;
  const k = options.numClasses ?? 10;
  const h = options.height ?? 28;
  const w = options.width ?? 28;
  const c = options.channels ?? 1;
  const noise = options.noise ?? 0.15;
  const jitter = options.jitter ?? 2;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`synthetic: length must be a positive integer, got ${n}`);
  if (!Number.isInteger(k) || k < 2)
    throw new Error(`synthetic: numClasses must be an integer >= 2, got ${k}`);
  if (h < 8 || w < 8) throw new Error(`synthetic: height and width must be >= 8, got ${h}x${w}`);
  const rng = new Rng(options.seed ?? 0);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % k;
  rng.shuffle(labels);

  const images = new Uint8Array(n * c * h * w);
  const sigma2 = 2 * (Math.min(h, w) / 9) ** 2;
  const ringR = Math.min(h, w) * 0.28;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const angle = (2 * Math.PI * label) / k;
    const sy = rng.int(2 * jitter + 1) - jitter;
    const sx = rng.int(2 * jitter + 1) - jitter;
    const cy = (h - 1) / 2 + ringR * Math.sin(angle) + sy;
    const cx = (w - 1) / 2 + ringR * Math.cos(angle) + sx;
    // The bar passes through the image centre (shifted) with a class-dependent direction.
    const barAngle = (Math.PI * label) / k;
    const ux = Math.cos(barAngle);
    const uy = Math.sin(barAngle);
    const my = (h - 1) / 2 + sy;
    const mx = (w - 1) / 2 + sx;
    for (let ch = 0; ch < c; ch++) {
      const gain = 1 / (1 + ch);
      const o = (i * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const blob = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / sigma2);
          const dist = Math.abs((x - mx) * uy - (y - my) * ux); // distance to the bar's line
          const bar = dist < 1.2 ? 0.6 : 0;
          const v = gain * Math.min(1, blob + bar) + noise * rng.normal();
          images[o + y * w + x] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
      }
    }
  }
  return new ImageDataset({
    images,
    labels,
    imageShape: [c, h, w],
    numClasses: k,
    name: `synthetic(seed=${options.seed ?? 0})`,
  });
}
