/**
 * Per-channel input normalization x' = (x − mean_c) / std_c, applied to scaled pixels in [0, 1]
 * (torchvision's ToTensor then Normalize).
 */
import type { ImageDataset } from './dataset.js';

/** Per-channel mean and standard deviation of scaled pixels. */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** The usual Fashion-MNIST statistics (training set: mean 0.28604, std 0.35302). */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

/** The usual MNIST statistics. */
export const MNIST_NORMALIZATION: Normalization = { mean: [0.1307], std: [0.3081] };

/**
 * Per-channel mean and population standard deviation of a dataset's scaled pixels,
 * accumulated in float64 (sums per image, then across images, to keep rounding small).
 */
export function computeNormalization(dataset: ImageDataset): Normalization {
  const { channels: c, length: n, images, pixelScale } = dataset;
  const hw = dataset.height * dataset.width;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const o = (i * c + ch) * hw;
      let s = 0;
      let s2 = 0;
      for (let p = 0; p < hw; p++) {
        const v = images[o + p];
        s += v;
        s2 += v * v;
      }
      sum[ch] += s;
      sumSq[ch] += s2;
    }
  }
  const count = n * hw;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const m = sum[ch] / count;
    mean.push(m * pixelScale);
    std.push(Math.sqrt(Math.max(0, sumSq[ch] / count - m * m)) * pixelScale);
  }
  return { mean, std };
}

/**
 * The affine map stored value → normalized input, per channel: x' = v·scale[c] + bias[c].
 * Throws a one-line Error if the normalization's channel count or std is invalid.
 */
export function normalizationAffine(
  norm: Normalization | null,
  channels: number,
  pixelScale: number,
): { scale: Float64Array; bias: Float64Array } {
  const scale = new Float64Array(channels).fill(pixelScale);
  const bias = new Float64Array(channels);
  if (norm === null) return { scale, bias };
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new Error(
      `normalize: mean and std need ${channels} values (one per channel), got ${norm.mean.length} and ${norm.std.length}`,
    );
  }
  for (let c = 0; c < channels; c++) {
    const s = norm.std[c];
    if (!(s > 0) || !Number.isFinite(s))
      throw new Error(`normalize: std[${c}] must be > 0, got ${s}`);
    scale[c] = pixelScale / s;
    bias[c] = -norm.mean[c] / s;
  }
  return { scale, bias };
}
