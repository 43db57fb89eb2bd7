/**
 * Child-process entry for tests and demos: `node fixture-main.js '<FixtureOptions JSON>'` writes
 * one fixture run and prints {"id", "dir"} as one JSON line as soon as the run exists.
 */
import { writeFixtureRun, type FixtureOptions } from './fixture-run.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as FixtureOptions;
await writeFixtureRun({
  ...opts,
  onCreated: (run) => process.stdout.write(`${JSON.stringify({ id: run.id, dir: run.dir })}\n`),
});
