/**
 * In-memory image datasets. Images are stored array-backed as one buffer of shape [N, C, H, W]
 * (row-major): raw uint8 pixels (47 MB for Fashion-MNIST's training set instead of 188 MB as
 * float32) or float32 values; `pixelScale` maps a stored value to the model's [0, 1] input
 * (1/255 for uint8). Normalization and augmentation happen when a DataLoader fills a batch.
 */

/** Anything indexable: PyTorch's map-style Dataset. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** One example: `image` is [C, H, W] scaled pixels (not normalized), `label` a class index. */
export interface ImageSample {
  image: Float32Array;
  label: number;
}

/** Fashion-MNIST class names, index = label (as torchvision.datasets.FashionMNIST.classes). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Constructor input for ImageDataset. */
export interface ImageDatasetInit {
  /** [N, C, H, W] row-major. */
  images: Uint8Array | Float32Array;
  /** [N] class indices in [0, numClasses). */
  labels: Int32Array | Uint8Array;
  /** [C, H, W] of one image. */
  imageShape: readonly [number, number, number];
  /** Default: max label + 1. */
  numClasses?: number;
  /** Stored value × pixelScale = input in [0, 1]. Default 1/255 for uint8, 1 for float32. */
  pixelScale?: number;
  classNames?: readonly string[];
  /** For error messages and run manifests, e.g. "fashion-mnist/train". */
  name?: string;
}

/** An array-backed image classification dataset (PyTorch's TensorDataset for images + labels). */
export class ImageDataset implements Dataset<ImageSample> {
  readonly images: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly length: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly numClasses: number;
  readonly pixelScale: number;
  readonly classNames: readonly string[] | null;
  readonly name: string;

  /** Validates sizes and label range; throws a one-line Error naming the dataset otherwise. */
  constructor(init: ImageDatasetInit) {
    const name = init.name ?? 'dataset';
    const [c, h, w] = init.imageShape;
    for (const d of init.imageShape) {
      if (!Number.isInteger(d) || d <= 0) {
        throw new Error(
          `${name}: imageShape must be 3 positive integers [C, H, W], got [${init.imageShape.join(', ')}]`,
        );
      }
    }
    const n = init.labels.length;
    if (init.images.length !== n * c * h * w) {
      throw new Error(
        `${name}: ${n} labels need ${n * c * h * w} image values of [${c}, ${h}, ${w}], got ${init.images.length}`,
      );
    }
    const labels = init.labels instanceof Int32Array ? init.labels : Int32Array.from(init.labels);
    let max = -1;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (l < 0) throw new Error(`${name}: label ${l} at index ${i} is negative`);
      if (l > max) max = l;
    }
    const numClasses = init.numClasses ?? max + 1;
    if (max >= numClasses) {
      throw new Error(`${name}: label ${max} is out of range for ${numClasses} classes`);
    }
    if (init.classNames && init.classNames.length !== numClasses) {
      throw new Error(`${name}: ${init.classNames.length} class names for ${numClasses} classes`);
    }
    this.images = init.images;
    this.labels = labels;
    this.length = n;
    this.channels = c;
    this.height = h;
    this.width = w;
    this.numClasses = numClasses;
    this.pixelScale = init.pixelScale ?? (init.images instanceof Uint8Array ? 1 / 255 : 1);
    this.classNames = init.classNames ?? null;
    this.name = name;
  }

  /** Values per image (C·H·W). */
  get imageSize(): number {
    return this.channels * this.height * this.width;
  }

  /** Example `index` as scaled float32 [C, H, W] (allocates: for inspection, not the hot path). */
  get(index: number): ImageSample {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`${this.name}: index ${index} out of range [0, ${this.length})`);
    }
    const size = this.imageSize;
    const image = new Float32Array(size);
    const src = this.images;
    const o = index * size;
    for (let i = 0; i < size; i++) image[i] = src[o + i] * this.pixelScale;
    return { image, label: this.labels[index] };
  }

  /** A copied dataset of the given example indices (in that order). */
  subset(indices: ArrayLike<number>, name = `${this.name}[subset]`): ImageDataset {
    const size = this.imageSize;
    const images =
      this.images instanceof Uint8Array
        ? new Uint8Array(indices.length * size)
        : new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        throw new RangeError(`${this.name}: subset index ${i} out of range [0, ${this.length})`);
      }
      images.set(this.images.subarray(i * size, (i + 1) * size), k * size);
      labels[k] = this.labels[i];
    }
    return new ImageDataset({
      images,
      labels,
      imageShape: [this.channels, this.height, this.width],
      numClasses: this.numClasses,
      pixelScale: this.pixelScale,
      classNames: this.classNames ?? undefined,
      name,
    });
  }
}
