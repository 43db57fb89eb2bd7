// The smd_torch unit tests (integrations/pytorch/tests: detection, step protocol, schedulers,
// optimizers, runtime check, SIGKILL, 2-process gloo DDP and hand-sharded optimizer) under
// Debian's python3-torch. A missing torch fails here: CI installs python3-torch (setup.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runPython, SMD_TORCH_DIR } from '@smd/test-support/runs';

test('smd_torch python unit tests pass (python3 -m unittest)', () => {
  const r = runPython(['-m', 'unittest', 'discover', '-s', join(SMD_TORCH_DIR, 'tests'), '-v'], {
    timeoutMs: 900_000,
  });
  // unittest reports on stderr; a zero exit already means every test passed
  assert.match(r.stderr, /\nOK\b/);
  const ran = /Ran (\d+) tests?/.exec(r.stderr);
  assert.ok(
    ran && Number(ran[1]) >= 13,
    `expected the whole suite to run: ${r.stderr.slice(-500)}`,
  );
});
