/**
 * Writing one example into a batch buffer, with optional augmentation, fused with the
 * normalization affine map so each pixel is touched once. Semantics follow torchvision's
 * RandomCrop(size=H×W, padding=p, fill=0) followed by RandomHorizontalFlip(0.5):
 *   crop:  top-left (oy, ox) ∈ [0, 2p]² in the zero-padded image, i.e. shift dy = oy − p, dx = ox − p
 *   flip:  out[y][x] = cropped[y][W−1−x]
 * so out[c][y][x] = src[c][y+dy][x'+dx] with x' = flip ? W−1−x : x, and padding (raw value 0)
 * becomes bias[c] after normalization.
 */
import type { Rng } from '../rng.js';

/** Augmentations applied per example when a DataLoader fills a batch. */
export interface AugmentOptions {
  /** Random crop back to H×W after zero-padding each side by this many pixels (0 = off). */
  cropPadding?: number;
  /** Mirror left-right with probability 1/2. */
  horizontalFlip?: boolean;
}

/** The random choices for one example. */
export interface AugmentDraw {
  dy: number;
  dx: number;
  flip: boolean;
}

/**
 * Draw one example's augmentation from `rng` in a fixed order: crop row offset, crop column
 * offset (only if cropPadding > 0), then flip (only if horizontalFlip). Writes into `out`.
 */
export function drawAugment(rng: Rng, options: AugmentOptions, out: AugmentDraw): AugmentDraw {
  const p = options.cropPadding ?? 0;
  out.dy = p > 0 ? rng.int(2 * p + 1) - p : 0;
  out.dx = p > 0 ? rng.int(2 * p + 1) - p : 0;
  out.flip = options.horizontalFlip === true ? rng.random() < 0.5 : false;
  return out;
}

/**
 * dst[dstOffset + (c·H + y)·W + x] = src[srcOffset + (c·H + y+dy)·W + x'+dx]·scale[c] + bias[c]
 * (x' = flip ? W−1−x : x; out-of-range source pixels read as 0). dst and src are [C, H, W].
 */
export function writeExample(
  dst: Float32Array,
  dstOffset: number,
  src: Uint8Array | Float32Array,
  srcOffset: number,
  channels: number,
  height: number,
  width: number,
  scale: Float64Array,
  bias: Float64Array,
  dy: number,
  dx: number,
  flip: boolean,
): void {
  const hw = height * width;
  if (dy === 0 && dx === 0 && !flip) {
    // Fast path: a straight affine copy.
    for (let c = 0; c < channels; c++) {
      const s = scale[c];
      const b = bias[c];
      const so = srcOffset + c * hw;
      const d0 = dstOffset + c * hw;
      for (let i = 0; i < hw; i++) dst[d0 + i] = src[so + i] * s + b;
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const s = scale[c];
    const b = bias[c];
    for (let y = 0; y < height; y++) {
      const d0 = dstOffset + c * hw + y * width;
      const sy = y + dy;
      if (sy < 0 || sy >= height) {
        dst.fill(b, d0, d0 + width);
        continue;
      }
      const srow = srcOffset + c * hw + sy * width;
      for (let x = 0; x < width; x++) {
        const sx = (flip ? width - 1 - x : x) + dx;
        dst[d0 + x] = sx >= 0 && sx < width ? src[srow + sx] * s + b : b;
      }
    }
  }
}
