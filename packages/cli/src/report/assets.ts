/**
 * The web bundle built by @smd/web (dist/app.js, dist/app.css: `npm run build`). Found next to
 * this package in the monorepo (cli/{src,dist}/report → ../../../web/dist).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file of the web bundle ('app.js' or 'app.css'). */
export function webAssetPath(name: 'app.js' | 'app.css'): string {
  return fileURLToPath(new URL(`../../../web/dist/${name}`, import.meta.url));
}

/** Reads a bundle file; throws a one-line error naming the fix when it was not built. */
export function readWebAsset(name: 'app.js' | 'app.css'): string {
  const p = webAssetPath(name);
  try {
    return readFileSync(p, 'utf8');
  } catch {
    throw new Error(
      `web bundle ${p} is missing: run "npm run build" (or "npm run build -w @smd/web")`,
    );
  }
}
