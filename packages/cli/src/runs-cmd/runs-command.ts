/**
 * `smd runs [--out DIR] [--format table|json]`: one line per run (id, status, last step,
 * backend, created). `smd export RUN --format csv|json|parquet [--out FILE] [--runs DIR]`:
 * the run's metrics in long format (see @smd/runs exportMetrics).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXPORT_FORMATS, exportMetrics, listRuns, openRun, type ExportFormat } from '@smd/runs';
import { parseEnumField } from '../field-values.js';
import { int, textTable } from '../format/numbers.js';
import { UsageError, type CliIo } from '../usage-error.js';
import {
  commandHelp,
  flagDefault,
  flagSpec,
  parseCommandFlags,
  type CommandSpec,
} from '../flag-spec.js';

/** `smd runs`'s flags and help. */
export const RUNS_SPEC = {
  command: 'runs',
  usage: ['runs [--out DIR] [--format table|json]'],
  about: `List the training runs under DIR, oldest first: id, status
(running / finished / diverged / killed), last logged step, backend, creation time.`,
  flags: [
    { name: 'out', type: 'string', arg: 'DIR', default: 'runs', help: 'runs folder' },
    {
      name: 'format',
      type: 'string',
      choices: ['table', 'json'],
      default: 'table',
      help: 'output',
    },
  ],
} as const satisfies CommandSpec;

/** `smd runs --help`. */
export const RUNS_HELP = commandHelp(RUNS_SPEC);

/** `smd export`'s flags and help. */
export const EXPORT_SPEC = {
  command: 'export',
  usage: ['export RUN --format csv|json|parquet [--out FILE] [--runs DIR]'],
  about: `Write every metric row of RUN (an id under --runs, or a run folder) in long
format: step, param, metric, channel, value (scalars have no param).`,
  flags: [
    { name: 'format', type: 'string', choices: EXPORT_FORMATS, help: 'file format (required)' },
    {
      name: 'out',
      type: 'string',
      arg: 'FILE',
      help: 'output file (default: <run folder>/metrics.<format>)',
    },
    { name: 'runs', type: 'string', arg: 'DIR', default: 'runs', help: 'runs folder of RUN ids' },
  ],
} as const satisfies CommandSpec;

/** `smd export --help`. */
export const EXPORT_HELP = commandHelp(EXPORT_SPEC);

/** Runs `smd runs`. */
export async function runRuns(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandFlags(argv, RUNS_SPEC);
  if (values.help) {
    io.out(RUNS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`smd runs: unexpected argument "${positionals[0]}" (see smd runs --help)`);
  }
  const format =
    values.format === undefined
      ? flagDefault(RUNS_SPEC, 'format')
      : parseEnumField(
          values.format,
          { command: 'smd runs', where: '--format' },
          flagSpec(RUNS_SPEC, 'format').choices as readonly ('table' | 'json')[],
        );
  const root = resolve(
    io.cwd,
    typeof values.out === 'string' ? values.out : flagDefault(RUNS_SPEC, 'out'),
  );
  const { runs, invalid } = listRuns(root);
  if (format === 'json') {
    io.out(JSON.stringify({ root, runs, invalid }, null, 2) + '\n');
    return 0;
  }
  if (runs.length === 0 && invalid.length === 0) {
    io.out(`no runs under ${root}\n`);
    return 0;
  }
  io.out(
    textTable(
      ['id', 'status', 'last step', 'backend', 'created'],
      runs.map((r) => [
        r.id,
        r.status,
        r.lastStep === null ? '-' : int(r.lastStep),
        r.backend,
        r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      ]),
      [false, false, true, false, false],
    ),
  );
  for (const bad of invalid) io.err(`smd runs: skipped ${bad.dir}: ${bad.error}\n`);
  return 0;
}

/** Runs `smd export`. */
export async function runExport(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandFlags(argv, EXPORT_SPEC);
  if (values.help) {
    io.out(EXPORT_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `smd export: expected one RUN (an id or a run folder), got ${positionals.length}`,
    );
  }
  if (values.format === undefined) {
    throw new UsageError(`smd export: --format is required (one of ${EXPORT_FORMATS.join('|')})`);
  }
  const format: ExportFormat = parseEnumField(
    values.format,
    { command: 'smd export', where: '--format' },
    EXPORT_FORMATS,
  );
  const name = positionals[0];
  const root = resolve(
    io.cwd,
    typeof values.runs === 'string' ? values.runs : flagDefault(EXPORT_SPEC, 'runs'),
  );
  const candidates = [resolve(io.cwd, name), join(root, name)];
  const dir = candidates.find((d) => existsSync(join(d, 'manifest.json')));
  if (dir === undefined) {
    throw new UsageError(
      `smd export: no run "${name}" (neither a run folder nor an id under ${root})`,
    );
  }
  const out =
    typeof values.out === 'string' ? resolve(io.cwd, values.out) : join(dir, `metrics.${format}`);
  const run = openRun(dir);
  try {
    const res = await exportMetrics(run, format, out);
    io.err(`smd export: wrote ${int(res.rows)} rows to ${res.path}\n`);
  } finally {
    run.close();
  }
  return 0;
}
