/**
 * The explorer page as one self-contained HTML string (script, style and the Fashion-MNIST
 * subset inlined), so it opens from file:// and from any static host. `smd explore --out` writes
 * it; `smd serve` serves it at /explore/.
 */
import { type ShippedDataJson, htmlPage, jsonForScript } from '@smd/web';
import { readWebAsset } from '../report/assets.js';

/**
 * The explorer's policy: inline scripts and styles only, workers from blob: URLs (the training
 * worker is built from an inline script), nothing fetched from anywhere.
 */
export const EXPLORE_CSP =
  "default-src 'none'; script-src 'unsafe-inline' blob:; worker-src blob:; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'";

/** Builds the explorer page; without `data` the live-training tab says it has no images. */
export function explorePage(data: ShippedDataJson | null): string {
  return htmlPage({
    dataJson: data ? jsonForScript({ fashionMnist: data }) : undefined,
    title: 'smd explore — Spherical Motion Dynamics in the browser',
    subtitle: 'explore: theory, live training, your checkpoints (nothing leaves this page)',
    css: { inline: readWebAsset('explore.css') },
    js: { inline: readWebAsset('explore.js') },
    csp: EXPLORE_CSP,
  });
}
