import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRun, openRun, readManifest } from './run.js';
import { listRuns } from './list-runs.js';
import { readRunLog } from './run-log.js';
import { describeMachine } from './machine.js';
import { runOptions, tempRoot } from '@smd/test-support/runs';

test('createRun lays out the folder with an exact manifest, and ids do not collide', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  assert.equal(run.id, '20261125-040000-test-run');
  assert.deepEqual(readdirSync(run.dir).sort(), [
    'checkpoints',
    'manifest.json',
    'metrics.sqlite',
    'metrics.sqlite-shm',
    'metrics.sqlite-wal',
    'run.lock',
    'run.log',
  ]);
  const m = JSON.parse(readFileSync(join(run.dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(m, {
    format: 1,
    id: '20261125-040000-test-run',
    name: 'Test Run',
    createdAt: '2026-11-25T04:00:00.000Z',
    config: {
      model: 'resnet8',
      optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
      epochs: 2,
    },
    seed: 42,
    backend: 'ts',
    fallbacks: [],
    versions: { '@smd/runs': '0.1.0', node: process.version },
    gitSha: 'abc1234',
    machine: runOptions().machine,
  });
  const second = createRun(t.root, runOptions());
  assert.equal(second.id, '20261125-040000-test-run-2');
  assert.equal(
    readdirSync(t.root).filter((n) => n.startsWith('.')).length,
    0,
    'no staging folder left',
  );
  run.close();
  second.close();
  t.done();
});

test('createRun rejects bad options with a one-line error naming the field', () => {
  const t = tempRoot();
  assert.throws(
    () => createRun(t.root, runOptions({ seed: 1.5 })),
    /^ManifestError: createRun options: field 'seed' must be an integer, got 1\.5$/,
  );
  assert.throws(
    () => createRun(t.root, runOptions({ config: { lr: NaN } })),
    /field 'config\.lr' must be JSON data/,
  );
  assert.throws(() => createRun(t.root, runOptions({ gitSha: 'not-a-sha' })), /field 'gitSha'/);
  assert.deepEqual(readdirSync(t.root), [], 'nothing created on error');
  t.done();
});

test('openRun validates manifest.json: missing file, bad JSON, bad field', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  run.finish();
  const mp = join(run.dir, 'manifest.json');
  const good = readFileSync(mp, 'utf8');
  assert.throws(
    () => openRun(t.root),
    /manifest\.json: missing or unreadable \(not a run folder\?\)/,
  );
  writeFileSync(mp, '{"format": 1,');
  assert.throws(() => openRun(run.dir), new RegExp(`${mp}: invalid JSON`));
  const bad = JSON.parse(good);
  bad.machine.cpus = 'two';
  writeFileSync(mp, JSON.stringify(bad));
  assert.throws(
    () => openRun(run.dir),
    new RegExp(
      `^ManifestError: ${mp}: field 'machine.cpus' must be a non-negative integer, got "two"$`,
    ),
  );
  delete bad.backend;
  writeFileSync(mp, JSON.stringify(bad));
  assert.throws(() => readManifest(run.dir), /field 'backend' must be a string, got nothing/);
  writeFileSync(mp, good);
  const r = openRun(run.dir);
  assert.equal(r.manifest.seed, 42);
  assert.equal(r.mode, 'read');
  r.close();
  t.done();
});

test('writer lock: a second writer is refused while the first lives; resume clears the end marker', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  assert.throws(
    () => openRun(run.dir, { mode: 'write' }),
    /run\.lock: run is being written by pid \d+/,
  );
  run.metrics.logScalar(0, 'loss', 1);
  run.finish('diverged');
  assert.equal(run.status(), 'diverged');
  const again = openRun(run.dir, { mode: 'write' });
  assert.equal(again.status(), 'running');
  again.close();
  assert.equal(again.status(), 'killed', 'closed without finish()');
  t.done();
});

test('run.log is append-only with ISO timestamps', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  run.log('hello');
  run.log('two\nlines', 'warn');
  run.close();
  const again = openRun(run.dir, { mode: 'write' });
  again.log('after reopen', 'error');
  again.close();
  const lines = readRunLog(join(run.dir, 'run.log'));
  assert.deepEqual(
    lines.map((l) => `${l.level}:${l.message}`),
    [
      `info:created run ${run.id} (pid ${process.pid}, backend ts, seed 42)`,
      'info:hello',
      'warn:two',
      'warn:lines',
      `info:opened for writing (resume) by pid ${process.pid}`,
      'error:after reopen',
    ],
  );
  for (const l of lines) assert.ok(Math.abs(Date.parse(l.time) - Date.now()) < 60_000, l.time);
  t.done();
});

test('listRuns: running, finished, diverged, killed (dead writer and closed), invalid', () => {
  const t = tempRoot();
  const running = createRun(
    t.root,
    runOptions({ name: 'a-running', now: new Date('2026-01-01T00:00:01Z') }),
  );
  running.metrics.logScalar(7, 'loss', 1);
  running.metrics.flush();
  const fin = createRun(
    t.root,
    runOptions({ name: 'b-finished', now: new Date('2026-01-01T00:00:02Z') }),
  );
  fin.metrics.logScalar(3, 'loss', 1);
  fin.finish();
  const div = createRun(
    t.root,
    runOptions({ name: 'c-diverged', now: new Date('2026-01-01T00:00:03Z') }),
  );
  div.finish('diverged');
  const closed = createRun(
    t.root,
    runOptions({ name: 'd-closed', now: new Date('2026-01-01T00:00:04Z') }),
  );
  closed.close();
  // A writer that died holding the lock: a child process writes a lock with its pid, then exits.
  const dead = createRun(
    t.root,
    runOptions({ name: 'e-dead', now: new Date('2026-01-01T00:00:05Z') }),
  );
  dead.close();
  const lockPath = join(dead.dir, 'run.lock');
  const child = spawnSync(process.execPath, [
    '-e',
    `require('fs').writeFileSync(${JSON.stringify(lockPath)}, JSON.stringify({pid: process.pid, hostname: require('os').hostname(), startedAt: ''}))`,
  ]);
  assert.equal(child.status, 0);
  assert.ok(existsSync(lockPath));
  mkdirSync(join(t.root, 'broken'));
  writeFileSync(join(t.root, 'broken', 'manifest.json'), '[]');
  mkdirSync(join(t.root, 'not-a-run'));
  const { runs, invalid } = listRuns(t.root);
  assert.deepEqual(
    runs.map((r) => [r.name, r.status, r.lastStep, r.backend]),
    [
      ['a-running', 'running', 7, 'ts'],
      ['b-finished', 'finished', 3, 'ts'],
      ['c-diverged', 'diverged', null, 'ts'],
      ['d-closed', 'killed', null, 'ts'],
      ['e-dead', 'killed', null, 'ts'],
    ],
  );
  assert.equal(invalid.length, 1);
  assert.match(invalid[0].error, /broken\/manifest\.json: expected a JSON object/);
  assert.deepEqual(listRuns(join(t.root, 'nope')), { runs: [], invalid: [] });
  running.close();
  t.done();
});

test('describeMachine returns a manifest-valid description of this machine', () => {
  const t = tempRoot();
  const m = describeMachine();
  assert.ok(m.cpus >= 1);
  assert.equal(m.node, process.version);
  const run = createRun(t.root, runOptions({ machine: m }));
  assert.deepEqual(run.manifest.machine, m);
  run.close();
  t.done();
});

test('resumeRun: takes over, truncates after the newest valid checkpoint, or restarts from 0', async () => {
  const { saveCheckpoint } = await import('./checkpoint.js');
  const { resumeRun } = await import('./resume.js');
  const t = tempRoot();
  const run = createRun(t.root, runOptions({ metrics: { batchSteps: 1 } }));
  for (let s = 0; s <= 12; s++) {
    run.metrics.logScalar(s, 'loss', s);
    run.metrics.endStep(s);
    if (s === 5) saveCheckpoint(run, s, { tensors: {}, state: { s } });
  }
  run.close();
  const r = resumeRun(run.dir);
  assert.equal(r.checkpoint!.step, 5);
  assert.equal(r.nextStep, 6);
  assert.deepEqual([...r.run.metrics.readScalars('loss').steps], [0, 1, 2, 3, 4, 5]);
  r.run.metrics.logScalar(6, 'loss', 6);
  r.run.metrics.endStep(6);
  r.run.close();
  writeFileSync(join(run.dir, 'checkpoints', 'step-5.safetensors'), 'corrupt');
  const r2 = resumeRun(run.dir);
  assert.equal(r2.checkpoint, null);
  assert.equal(r2.nextStep, 0);
  assert.equal(r2.run.metrics.latestStep(), null);
  assert.match(readRunLog(join(run.dir, 'run.log')).at(-1)!.message, /no valid checkpoint/);
  r2.run.close();
  t.done();
});
