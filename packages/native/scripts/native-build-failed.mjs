// Runs when `node-gyp rebuild` fails during `npm ci`: records why, so the loader (nativeStatus)
// and `smd doctor` can report it, and exits 0 so the install still succeeds (the TS backend runs)
// — unless SMD_REQUIRE_NATIVE=1 (CI's `.ci/run`), where a failed build fails the install (exit 1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
mkdirSync(dir, { recursive: true });
const reason =
  'node-gyp rebuild failed during install (needs build-essential, python3 and libdnnl-dev; ' +
  'run `npm rebuild -w @smd/native` to see the compiler output)';
writeFileSync(join(dir, 'BUILD_FAILED.txt'), reason + '\n');
if (process.env.SMD_REQUIRE_NATIVE === '1') {
  console.error(`@smd/native: ${reason}; SMD_REQUIRE_NATIVE=1, so the install fails.`);
  process.exit(1);
}
console.warn(`@smd/native: ${reason}; the TypeScript backend will be used.`);
