/** Test helper: spawn crash-writer as a child process (works from src via tsx and from dist). */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WriterOptions } from './crash-writer.js';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

/** A running writer child; `lines` collects its stdout lines. */
export interface WriterChild {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line matching `re` (rejects if the child exits first). */
  waitFor(match: RegExp | ((line: string) => boolean)): Promise<string>;
  /** Resolves with the exit code / signal once the child is gone (reaped). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts crash-writer with `opts`. */
export function spawnWriter(opts: WriterOptions): WriterChild {
  const script = join(dirname(here), fromSource ? 'crash-writer.ts' : 'crash-writer.js');
  const args = fromSource ? ['--conditions=source', '--import', 'tsx', script] : [script];
  const proc = spawn(process.execPath, [...args, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buf = '';
  let closed = false;
  const waiters: {
    re: { test(l: string): boolean };
    resolve: (l: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].re.test(line)) waiters.splice(i, 1)[0].resolve(line);
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    proc.on('close', (code, signal) => {
      closed = true;
      for (const w of waiters.splice(0))
        w.reject(new Error(`writer exited (${code ?? signal}) before ${w.re}: ${stderr}`));
      resolve({ code, signal, stderr });
    });
  });
  return {
    proc,
    lines,
    exited,
    waitFor(match: RegExp | ((line: string) => boolean)): Promise<string> {
      const re = match instanceof RegExp ? match : { test: match, toString: () => 'predicate' };
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      if (closed) {
        return Promise.reject(new Error(`writer already exited before ${re}: ${stderr}`));
      }
      return new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
    },
  };
}
