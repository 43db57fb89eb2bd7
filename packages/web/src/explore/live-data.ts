/**
 * The Fashion-MNIST subset shipped inside the explorer page: `smd explore` packs the first
 * `count` training images and labels (uint8, images then labels) gzipped and base64-encoded into
 * the page's JSON block; the page unpacks it here. Browser-safe.
 */
import { gunzip } from '@smd/formats';
import type { LiveData } from './live-protocol.js';

/** Images shipped with the page (a few thousand: ~1.5 MB of page). */
export const LIVE_IMAGES = 3000;

/** Side of a Fashion-MNIST image. */
export const IMAGE_SIDE = 28;

/** Where the data came from and under which license (shown on the page). */
export const FASHION_MNIST_NOTICE =
  'Fashion-MNIST © 2017 Zalando SE, MIT License (https://github.com/zalandoresearch/fashion-mnist); the first training images, from Debian’s dataset-fashion-mnist.';

/** The page's JSON block for the data. */
export interface ShippedDataJson {
  count: number;
  /** base64 of gzip(images [count×28×28] ‖ labels [count]). */
  gzBase64: string;
  notice: string;
}

/** The bytes the page ships: images then labels (gzip and base64 are applied by the caller). */
export function packLiveData(images: Uint8Array, labels: Uint8Array, count: number): Uint8Array {
  const px = IMAGE_SIDE * IMAGE_SIDE;
  if (images.length < count * px || labels.length < count)
    throw new Error(`packLiveData: need ${count} images and labels, got ${labels.length}`);
  const out = new Uint8Array(count * (px + 1));
  out.set(images.subarray(0, count * px));
  out.set(labels.subarray(0, count), count * px);
  return out;
}

/** Decodes the page's JSON block into images and labels; throws one line when it is damaged. */
export async function unpackLiveData(j: ShippedDataJson): Promise<LiveData> {
  const bin = atob(j.gzBase64);
  const gz = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) gz[i] = bin.charCodeAt(i);
  const raw = await gunzip(gz, 'the page’s Fashion-MNIST block');
  const px = IMAGE_SIDE * IMAGE_SIDE;
  if (!(j.count > 0) || raw.length !== j.count * (px + 1))
    throw new Error(
      `the page’s Fashion-MNIST block has ${raw.length} bytes, expected ${j.count} × ${px + 1}`,
    );
  const labels = raw.slice(j.count * px);
  for (let i = 0; i < labels.length; i++)
    if (labels[i] > 9)
      throw new Error(`the page’s Fashion-MNIST block: label ${labels[i]} at ${i}`);
  return { images: raw.slice(0, j.count * px), labels, count: j.count };
}
