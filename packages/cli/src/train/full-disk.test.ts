import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { TINY, assertSameRun, runDir, smdChild, tempDir, train } from '@smd/test-support/cli';

// 320 steps: the store outgrows the ~300 kB left free on the small tmpfs after ~60 steps.
const FLAGS = [...TINY, '--epochs', '40'];

test('a full disk: one line naming the run folder, exit 4; after space is freed --resume matches an uninterrupted run', async () => {
  const refCwd = tempDir('smd-disk-ref-');
  const ref = await train(FLAGS, refCwd);
  assert.equal(ref.code, 0, ref.stderr);

  const cwd = tempDir('smd-disk-');
  const mnt = join(cwd, 'mnt');
  mkdirSync(mnt);
  // CI runs as root on Linux: a 4 MB tmpfs is the small disk (a failure here fails the test).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  try {
    const s = statfsSync(mnt);
    const free = s.bavail * s.bsize;
    const filler = join(mnt, 'filler');
    execFileSync('fallocate', ['-l', String(free - 300 * 1024), filler]);
    const out = join(mnt, 'runs');
    const a = await smdChild(['train', ...FLAGS, '--out', out], cwd);
    assert.equal(a.code, 4, a.stderr);
    const last = a.stderr.trimEnd().split('\n').pop()!;
    assert.match(
      last,
      /^smd train: no space left on the device of \S+\/mnt\/runs\/\S+ \(.*\); every step up to the last checkpoint is kept — free some space, then: smd train --resume /,
    );
    const dir = runDir(out);
    rmSync(filler);
    const b = await smdChild(['train', '--resume', dir], cwd);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /resuming .* at step (\d+) of 320/);
    assert.ok(
      Number(/at step (\d+) of/.exec(b.stderr)![1]) > 0,
      'the resume starts from a checkpoint',
    );
    assertSameRun(dir, runDir(join(refCwd, 'runs')), 320);
  } finally {
    execFileSync('umount', [mnt]);
  }
});
