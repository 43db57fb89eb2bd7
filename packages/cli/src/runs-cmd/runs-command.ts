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
import { parseFlags, type FlagOptions } from '../parse-flags.js';

/** `smd runs --help`. */
export const RUNS_HELP = `Usage: smd runs [--out DIR] [--format table|json]

List the training runs under DIR (default ./runs), oldest first: id, status
(running / finished / diverged / killed), last logged step, backend, creation time.
`;

/** `smd export --help`. */
export const EXPORT_HELP = `Usage: smd export RUN --format csv|json|parquet [--out FILE] [--runs DIR]

Write every metric row of RUN (an id under --runs, default ./runs, or a run folder) in long
format: step, param, metric, channel, value (scalars have no param). Default FILE:
<run folder>/metrics.<format>.
`;

/** `command` is "smd runs" or "smd export". */
function flags(argv: string[], command: string, options: FlagOptions) {
  return parseFlags(argv, options, command.replace(/^smd /, ''));
}

/** Runs `smd runs`. */
export async function runRuns(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = flags(argv, 'smd runs', {
    out: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(RUNS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`smd runs: unexpected argument "${positionals[0]}" (see smd runs --help)`);
  }
  const format =
    values.format === undefined
      ? 'table'
      : parseEnumField(values.format, { command: 'smd runs', where: '--format' }, [
          'table',
          'json',
        ] as const);
  const root = resolve(io.cwd, typeof values.out === 'string' ? values.out : 'runs');
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
  const { values, positionals } = flags(argv, 'smd export', {
    format: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
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
  const root = resolve(io.cwd, typeof values.runs === 'string' ? values.runs : 'runs');
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
