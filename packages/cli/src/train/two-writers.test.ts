import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY, runDir, smdChild, tempDir } from '@smd/test-support/cli';

const here = fileURLToPath(import.meta.url);
const main = join(dirname(here), '..', here.endsWith('.ts') ? 'main.ts' : 'main.js');
const pre = here.endsWith('.ts')
  ? ['--conditions=source', '--import', import.meta.resolve('tsx')]
  : [];

test('a second `smd train --resume` of a live run is refused by the lock; after kill -9 the stale lock is taken over', async () => {
  const cwd = tempDir('smd-writers-');
  // A long first writer: 400 epochs of 8 steps.
  const first = spawn(process.execPath, [...pre, main, 'train', ...TINY, '--epochs', '400'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    // Wait until the first writer trains (its run folder holds the lock).
    await new Promise<void>((ok, fail) => {
      let err = '';
      first.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/smd train: run \S+/.test(err)) ok();
      });
      first.once('exit', (c) => fail(new Error(`first writer exited ${c}: ${err}`)));
    });
    const dir = runDir(join(cwd, 'runs'));
    const lock = JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, first.pid);
    const second = await smdChild(['train', '--resume', dir], cwd);
    assert.equal(second.code, 1, second.stderr);
    const line = second.stderr.trimEnd();
    assert.ok(!line.includes('\n'), line);
    assert.match(line, new RegExp(`^smd train: --resume ${dir}: .*${first.pid}`));
    // kill -9: the lock file stays behind, naming a dead pid.
    first.kill('SIGKILL');
    await new Promise((ok) => first.once('exit', ok));
    assert.ok(existsSync(join(dir, 'run.lock')));
    // The stale lock is recovered: a new writer resumes (stopped once it says so).
    const third = spawn(process.execPath, [...pre, main, 'train', '--resume', dir], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const said = await new Promise<string>((ok) => {
      let err = '';
      third.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/resuming .* at step \d+ of 3200/.test(err)) ok(err);
      });
      third.once('exit', () => ok(err));
    });
    third.kill('SIGKILL');
    assert.match(said, /resuming .* at step \d+ of 3200/);
  } finally {
    first.kill('SIGKILL');
  }
});
