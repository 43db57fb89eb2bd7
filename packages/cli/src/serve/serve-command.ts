/**
 * `smd serve [RUNS_DIR] [--port N] [--host H]`: the live dashboard of a runs folder. Binds
 * 127.0.0.1 unless --host says otherwise (with a warning: the runs become visible on the
 * network). Runs until SIGINT/SIGTERM (or `signal` aborts, for tests).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseNumberField } from '../field-values.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { commandHelp, flagDefault, parseCommandFlags, type CommandSpec } from '../flag-spec.js';
import { startDashboard } from './server.js';

/** `smd serve`'s flags and help. */
export const SERVE_SPEC = {
  command: 'serve',
  usage: ['serve [RUNS_DIR] [flags]'],
  about: `Local dashboard of the runs in RUNS_DIR (default ./runs): run list, run pages whose figures
update live while a run trains, layer picker, log/linear axes, zoom, hover values, measured vs
predicted overlays and alerts when a layer's windowed Δ leaves the predicted band.`,
  flags: [
    { name: 'port', type: 'string', arg: 'N', default: 8477, help: 'port (0 picks a free one)' },
    {
      name: 'host',
      type: 'string',
      arg: 'H',
      default: '127.0.0.1',
      help: 'address to bind (anything but a loopback address exposes your runs)',
    },
  ],
} as const satisfies CommandSpec;

/** The `smd serve --help` text. */
export const SERVE_HELP = commandHelp(SERVE_SPEC);

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1']);

/** Validated inputs of `smd serve`. */
export interface ServeOptions {
  root: string;
  port: number;
  host: string;
}

/** Parses `smd serve` argv. */
export function parseServeArgs(argv: string[], cwd: string): ServeOptions | 'help' {
  const parsed = parseCommandFlags(argv, SERVE_SPEC);
  const v = parsed.values as { help?: boolean } & Record<string, string | undefined>; // every option but help is a string
  if (v.help) return 'help';
  if (parsed.positionals.length > 1)
    throw new UsageError('smd serve: RUNS_DIR must be one folder (got several)');
  const root = resolve(cwd, parsed.positionals[0] ?? 'runs');
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(
      `smd serve: RUNS_DIR "${parsed.positionals[0] ?? 'runs'}" must be an existing folder of runs`,
    );
  }
  const port =
    v.port === undefined
      ? flagDefault(SERVE_SPEC, 'port')
      : parseNumberField(
          v.port,
          { command: 'smd serve', where: '--port' },
          { min: 0, minInclusive: true, max: 65535, maxInclusive: true, integer: true },
        );
  const host = v.host ?? flagDefault(SERVE_SPEC, 'host');
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    throw new UsageError(`smd serve: --host must be a host name or IP address (got "${host}")`);
  return { root, port, host };
}

/** Runs `smd serve` until a signal (or `signal` aborts). */
export async function runServe(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const o = parseServeArgs(argv, io.cwd);
  if (o === 'help') {
    io.out(SERVE_HELP);
    return 0;
  }
  if (!LOCAL.has(o.host)) {
    process.stderr.write(
      `smd serve: warning: binding ${o.host} makes your runs readable by anyone who can reach this machine\n`,
    );
  }
  let dash;
  try {
    dash = await startDashboard(o);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      throw new UsageError(`smd serve: --port ${o.port} is already in use (try --port 0)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
      throw new UsageError(`smd serve: --host ${o.host} is not an address of this machine`);
    throw e;
  }
  // Printed at once (runCli's io is only flushed when the command returns).
  process.stderr.write(`smd serve: dashboard of ${o.root} at ${dash.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await dash.close();
  io.out(`smd serve: stopped (${dash.url})\n`);
  return 0;
}
