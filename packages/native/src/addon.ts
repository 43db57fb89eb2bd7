/**
 * Loads the compiled addon (build/Release/smd_native.node) once. A missing or broken build is not
 * an error: `loadAddon()` returns the reason instead, and the engine keeps its TS backend.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT_HASH, type NativeAddon } from './addon-calls.js';

export type { NativeAddon } from './addon-calls.js';

/** Result of loading: the addon, or why it is unavailable. */
export interface AddonLoad {
  addon: NativeAddon | null;
  reason?: string;
}

/** Package root (this file sits in src/ or dist/, one level below it). */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

let cached: AddonLoad | null = null;

/**
 * Load the addon once; SMD_NATIVE=0 disables it (the TS backend then runs). With
 * SMD_REQUIRE_NATIVE=1 (set by CI's `.ci/run`) an addon that did not load is an error instead:
 * this throws one line naming the reason, so importing `@smd/native` fails and so does every test
 * file that imports it — CI cannot go green on the TS fallback.
 */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const load = tryLoad();
  if (!load.addon && process.env.SMD_REQUIRE_NATIVE === '1') {
    throw new Error(
      `@smd/native: SMD_REQUIRE_NATIVE=1 but the native addon is unavailable: ${load.reason}`,
    );
  }
  cached = load;
  return cached;
}

function tryLoad(): AddonLoad {
  if (process.env.SMD_NATIVE === '0') return { addon: null, reason: 'disabled by SMD_NATIVE=0' };
  const root = packageRoot();
  const file = join(root, 'build', 'Release', 'smd_native.node');
  const failed = join(root, 'build', 'BUILD_FAILED.txt');
  if (!existsSync(file)) {
    const why = existsSync(failed)
      ? readFileSync(failed, 'utf8').trim()
      : 'addon not built (run `npm rebuild -w @smd/native`)';
    return { addon: null, reason: why };
  }
  // libgomp reads its settings once, when the addon pulls it in. Unless the user chose
  // (OMP_WAIT_POLICY or GOMP_SPINCOUNT; SMD_NATIVE_OMP_DEFAULT=1 keeps libgomp's own default),
  // idle threads spin 10,000 iterations before sleeping. Measured on the small ResNet
  // (bench/RESULTS.md): idle machine 2,540 img/s vs 2,245 sleeping at once (passive) and 2,630
  // with libgomp's long default spin; with two busy processes beside it 1,243 vs 894 passive and
  // 652 default — long spinning is what made kernels up to 10× slower on a loaded machine.
  const env = process.env;
  if (
    env.SMD_NATIVE_OMP_DEFAULT !== '1' &&
    env.OMP_WAIT_POLICY === undefined &&
    env.GOMP_SPINCOUNT === undefined
  ) {
    env.GOMP_SPINCOUNT = '10000';
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(file) as NativeAddon;
    // The addon and addon-calls.ts come from one kernel spec (contract/kernel-spec.mjs): an addon
    // built from another (a stale build) would read arguments at the wrong positions.
    if (addon.contractHash !== CONTRACT_HASH) {
      return {
        addon: null,
        reason: `${file} was built from another kernel contract (${addon.contractHash ?? 'none'}, expected ${CONTRACT_HASH}): rebuild it with \`npm run build:native -w @smd/native\``,
      };
    }
    return { addon };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, reason: `loading ${file} failed: ${msg}` };
  }
}
