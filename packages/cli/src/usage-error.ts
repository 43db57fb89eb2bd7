/**
 * UsageError: a user mistake (bad flag, bad config value, unknown subcommand). The top level
 * prints its message as one line and exits with code 2, never with a stack trace.
 */
export class UsageError extends Error {
  /** Exit code the CLI returns for this error (2 = usage). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}

/** What one CLI invocation produced: exit code and the two output streams as text. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where a subcommand writes; collected in memory so runCli can be called in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Working directory used to resolve relative paths (config files, plot outputs). */
  cwd: string;
}
