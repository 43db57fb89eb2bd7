/**
 * The web bundle built by @smd/web (dist/app.{js,css}, dist/explore.{js,css}: `npm run build`). Found next to
 * this package in the monorepo (cli/{src,dist}/report → ../../../web/dist).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Files of the web bundle: the dashboard/report app and the explorer. */
export type WebAsset = 'app.js' | 'app.css' | 'explore.js' | 'explore.css';

/** Absolute path of a file of the web bundle. */
export function webAssetPath(name: WebAsset): string {
  return fileURLToPath(new URL(`../../../web/dist/${name}`, import.meta.url));
}

/** Reads a bundle file; throws a one-line error naming the fix when it was not built. */
export function readWebAsset(name: WebAsset): string {
  const p = webAssetPath(name);
  try {
    return readFileSync(p, 'utf8');
  } catch {
    throw new Error(
      `web bundle ${p} is missing: run "npm run build" (or "npm run build -w @smd/web")`,
    );
  }
}
