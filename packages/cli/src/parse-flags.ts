/**
 * Strict flag parsing shared by every subcommand: node's util.parseArgs, with negative numbers
 * accepted as values ("--lr -1" reaches validation instead of being read as a flag) and its
 * multi-line errors turned into one UsageError line naming the option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/** parseArgs option table (as in node:util). */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** Parses argv for `smd <command>`; errors read "<prefix>: <what> (see smd <command> --help)". */
export function parseFlags(
  argv: string[],
  options: FlagOptions,
  command: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const valueFlags = new Set(
    Object.entries(options)
      .filter(([, spec]) => spec.type === 'string')
      .map(([name]) => `--${name}`),
  );
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (valueFlags.has(argv[i]) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // parseArgs messages are multi-line and name the option in quotes: keep the first sentence.
    const err = e as Error & { code?: string };
    const opt = /'(-[^' ]+)/.exec(err.message)?.[1] ?? '';
    let msg: string;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') msg = `unknown option ${opt}`;
    else if (/argument missing|ambiguous/.test(err.message)) msg = `${opt} needs a value`;
    else if (/does not take an argument/.test(err.message)) msg = `${opt} takes no value`;
    else msg = err.message.split(/\.\s|\n/)[0];
    throw new UsageError(`smd ${command}: ${msg} (see smd ${command} --help)`);
  }
}
