/**
 * `smd explore --out DIR`: writes the explorer (theory you can drag, live training in a Web
 * Worker, files dropped onto the page) as a static site: DIR/index.html, self-contained.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, type CliIo } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';
import { explorePage } from './explore-page.js';

/** The `smd explore --help` text. */
export const EXPLORE_HELP = `Usage: smd explore --out DIR

Writes the explorer as a static site: DIR/index.html, one self-contained file (script, style
and data inlined) that works from file:// or any static host; nothing it shows leaves the page.
  Theory     optimizer, η, λ, α, a schedule editor (warmup, multistep, cosine) and steps per
             epoch → predicted Δ_t and ‖w_t‖, the phase table, time constants, "reaches
             equilibrium before the next drop?" and the rescaling trick, updating as you drag.
`;

/** Runs `smd explore`. */
export async function runExplore(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(
    argv,
    { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    'explore',
  );
  const v = parsed.values as { out?: string; help?: boolean };
  if (v.help) {
    io.out(EXPLORE_HELP);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(
      `smd explore: unexpected argument "${parsed.positionals[0]}" (see --help)`,
    );
  if (v.out === undefined || v.out.trim() === '')
    throw new UsageError(
      'smd explore: --out DIR is required (the folder to write index.html into)',
    );
  const dir = resolve(io.cwd, v.out);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`smd explore: --out ${v.out} exists and is not a folder`);
  const html = explorePage();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.html');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, file);
  io.out(
    `smd explore: wrote ${file} (${(html.length / 1024).toFixed(0)} KiB); open it in a browser\n`,
  );
  return 0;
}
