/**
 * `smd explore --out DIR`: writes the explorer (theory you can drag, live training in a Web
 * Worker, files dropped onto the page) as a static site: DIR/index.html, self-contained.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LIVE_IMAGES } from '@smd/web';
import { UsageError, type CliIo } from '../usage-error.js';
import { commandHelp, flagDefault, parseCommandFlags, type CommandSpec } from '../flag-spec.js';
import { DEFAULT_DATA_DIR } from '../data/index.js';
import { shippedFashionMnist } from './explore-data.js';
import { explorePage } from './explore-page.js';

/** `smd explore`'s flags and help. */
export const EXPLORE_SPEC = {
  command: 'explore',
  usage: ['explore --out DIR [--data DIR]'],
  about: `Writes the explorer as a static site: DIR/index.html, one self-contained file (script, style
and data inlined) that works from file:// or any static host; nothing it shows leaves the page.
  Theory     optimizer, η, λ, α, a schedule editor (warmup, multistep, cosine) and steps per
             epoch → predicted Δ_t and ‖w_t‖, the phase table, time constants, "reaches
             equilibrium before the next drop?" and the rescaling trick, updating as you drag.
  Train live a small BatchNorm convnet trained in a Web Worker on ${LIVE_IMAGES} Fashion-MNIST images
             shipped in the page, per-layer Δ_t against Δ* and the mean-field prediction;
             η ÷ 10 (with or without rescaling), change λ, pause, reset.
  Your files safetensors checkpoints dropped onto the page: ‖w‖ and Δ_t per weight tensor.`,
  flags: [
    {
      name: 'out',
      type: 'string',
      arg: 'DIR',
      help: 'folder to write index.html into (created if missing; required)',
    },
    {
      name: 'data',
      type: 'string',
      arg: 'DIR',
      default: DEFAULT_DATA_DIR,
      help: `Fashion-MNIST IDX files to take the shipped images from
(Debian's dataset-fashion-mnist)`,
    },
  ],
  footer: 'Fashion-MNIST is © Zalando SE, MIT License; the page says so.',
} as const satisfies CommandSpec;

/** The `smd explore --help` text. */
export const EXPLORE_HELP = commandHelp(EXPLORE_SPEC);

/** Runs `smd explore`. */
export async function runExplore(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandFlags(argv, EXPLORE_SPEC);
  const v = parsed.values as { out?: string; data?: string; help?: boolean };
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
  const data = shippedFashionMnist(
    v.data === undefined ? flagDefault(EXPLORE_SPEC, 'data') : resolve(io.cwd, v.data),
  );
  const html = explorePage(data);
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
