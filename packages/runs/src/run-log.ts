/**
 * run.log: append-only text log, one line per entry: `<ISO-8601 UTC> <LEVEL> <message>`.
 * Opened with O_APPEND so lines are never overwritten; after a crash the last line may be cut.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One parsed line of run.log. */
export interface LogLine {
  time: string;
  level: LogLevel | 'unknown';
  message: string;
}

/** Formats one entry; a multi-line message becomes several lines with the same prefix. */
export function formatLogLines(message: string, level: LogLevel, now: Date = new Date()): string {
  const prefix = `${now.toISOString()} ${level.toUpperCase()} `;
  return message
    .split(/\r?\n/)
    .map((l) => prefix + l + '\n')
    .join('');
}

/** Append-only writer of a run.log file. */
export class RunLog {
  private fd: number | null;

  /** Opens (creating) `path` for appending. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o644);
  }

  /** Appends a timestamped entry. */
  write(message: string, level: LogLevel = 'info'): void {
    if (this.fd === null) throw new Error(`${this.path}: log is closed`);
    writeSync(this.fd, formatLogLines(message, level));
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR) (.*)$/;

/** Reads and parses a run.log (missing file → []); unparsable (e.g. cut) lines keep their text. */
export function readRunLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => {
    const m = LINE.exec(l);
    return m
      ? { time: m[1], level: m[2].toLowerCase() as LogLevel, message: m[3] }
      : { time: '', level: 'unknown', message: l };
  });
}
