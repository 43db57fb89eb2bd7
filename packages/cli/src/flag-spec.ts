/**
 * One typed flag list per command (issue #17): the parseArgs table, the defaults a command uses
 * and its `--help` text are all generated from it, so a flag cannot be documented but not parsed
 * (or the reverse), and the help cannot print a default the command does not use.
 *
 * A command's spec is a `const` object checked with `satisfies CommandSpec`, so `flagDefault`
 * only accepts names of flags that have a default, and returns that default's type.
 */
import { parseFlags, type FlagOptions } from './parse-flags.js';

/** A default value: a scalar, or a list printed comma-separated (widths, betas). */
export type FlagValue = string | number | boolean | readonly number[];

/** A default that depends on another flag's value: `cases` first match wins, else `default`. */
export interface FlagDefaultCases {
  /** the flag whose value picks the default (e.g. 'optimizer') */
  readonly by: string;
  readonly cases: readonly (readonly [values: readonly string[], value: FlagValue])[];
}

/** One flag. */
export interface FlagSpec {
  /** without the leading "--" */
  readonly name: string;
  /** 'string': takes a value; 'boolean': a switch */
  readonly type: 'string' | 'boolean';
  /** value placeholder in the help ("DIR", "<η>"); an enum flag shows its `choices` instead */
  readonly arg?: string;
  /** allowed values, shown as a|b|c and passed to the command's validation */
  readonly choices?: readonly string[];
  /** the value used when the flag is absent, printed as "(default …)" */
  readonly default?: FlagValue;
  /** other flags' values that change the default (printed after it) */
  readonly defaultCases?: FlagDefaultCases;
  /** help text; lines after the first are indented under it */
  readonly help: string;
  /** heading printed before this flag (commands with grouped flags) */
  readonly section?: string;
}

/** A command: its usage lines, description, flags (without -h/--help, which every one has). */
export interface CommandSpec {
  /** the subcommand ("train") */
  readonly command: string;
  /** what follows "Usage: " (one line per form) */
  readonly usage: readonly string[];
  /** text between the usage and the flags */
  readonly about: string;
  /** heading of the flag list (default "Flags:") */
  readonly flagsHeading?: string;
  readonly flags: readonly FlagSpec[];
  /** text after the flags (exit codes, examples) */
  readonly footer?: string;
}

/** The -h/--help switch every command has. */
const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/** The parseArgs table of a command: its flags plus -h/--help. */
export function flagTable(spec: CommandSpec): FlagOptions {
  const table: FlagOptions = {};
  for (const f of spec.flags) table[f.name] = { type: f.type };
  return { ...table, ...HELP_FLAG };
}

/** Strict parse of argv against the command's table (one-line UsageError on a bad flag). */
export function parseCommandFlags(
  argv: string[],
  spec: CommandSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  return parseFlags(argv, flagTable(spec), spec.command);
}

type FlagsWithDefault<S extends CommandSpec> = Extract<
  S['flags'][number],
  { readonly default: FlagValue }
>;

/** The flag named `name` of `spec` (a programming error if missing). */
export function flagSpec(spec: CommandSpec, name: string): FlagSpec {
  const f = spec.flags.find((x) => x.name === name);
  if (!f) throw new Error(`smd ${spec.command}: no flag --${name} in its spec`);
  return f;
}

type FlagNamed<S extends CommandSpec, N> = Extract<FlagsWithDefault<S>, { readonly name: N }>;
/** The values of a flag's `defaultCases` (never when it has none). */
type CaseValue<F> = F extends {
  readonly defaultCases: { readonly cases: readonly (readonly [unknown, infer V])[] };
}
  ? V
  : never;

/** The default of flag `name`, picked by `by` (the value of `defaultCases.by`) when it varies. */
export function flagDefault<S extends CommandSpec, N extends FlagsWithDefault<S>['name']>(
  spec: S,
  name: N,
  by?: string,
): FlagNamed<S, N>['default'] | CaseValue<FlagNamed<S, N>> {
  const f = flagSpec(spec, name);
  const hit = by === undefined ? undefined : f.defaultCases?.cases.find(([v]) => v.includes(by));
  return (hit ? hit[1] : f.default) as FlagNamed<S, N>['default'];
}

/** A value as the help prints it. */
export function formatFlagValue(v: FlagValue): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** The "(default …)" note of a flag, or '' when it has none. */
export function defaultNote(f: FlagSpec): string {
  if (f.default === undefined) return '';
  const by = f.defaultCases?.by;
  const cases = (f.defaultCases?.cases ?? []).map(([vals, v]) => {
    const when = vals.length === 1 && vals[0] === 'true' ? `with --${by}` : vals.join('/');
    return `; ${when}: ${formatFlagValue(v)}`;
  });
  return `(default ${formatFlagValue(f.default)}${cases.join('')})`;
}

/** The left column of a flag's help line: "--name ARG". */
function flagLabel(f: FlagSpec): string {
  const arg = f.choices ? f.choices.join('|') : f.arg;
  return arg === undefined ? `--${f.name}` : `--${f.name} ${arg}`;
}

/** Widest label that still gets its help on the same line. */
const MAX_LABEL = 26;

/** The generated `smd <command> --help` text. */
export function commandHelp(spec: CommandSpec): string {
  const labels = spec.flags.map(flagLabel);
  const width = Math.min(MAX_LABEL, Math.max('-h, --help'.length, ...labels.map((l) => l.length)));
  const pad = ' '.repeat(width + 4);
  const lines: string[] = spec.usage.map((u, i) => `${i === 0 ? 'Usage:' : '      '} smd ${u}`);
  lines.push('', spec.about.trimEnd(), '');
  if (spec.flags[0]?.section === undefined) lines.push(spec.flagsHeading ?? 'Flags:');
  spec.flags.forEach((f, i) => {
    if (f.section !== undefined) lines.push(f.section);
    const note = defaultNote(f);
    const text = (note ? `${f.help} ${note}` : f.help).split('\n');
    const label = labels[i];
    if (label.length > width) lines.push(`  ${label}`, ...text.map((t) => pad + t));
    else lines.push(`  ${label.padEnd(width)}  ${text[0]}`, ...text.slice(1).map((t) => pad + t));
  });
  lines.push(`  ${'-h, --help'.padEnd(width)}  this text`);
  if (spec.footer !== undefined) lines.push('', spec.footer.trimEnd());
  return lines.join('\n') + '\n';
}
