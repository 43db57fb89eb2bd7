/**
 * Crash-safe file writes: write a temp file, fsync it, rename over the target, fsync the folder.
 * After a crash at any point the target is either the old complete file or the new complete one.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Called after the temp file is written and synced, before the rename (crash tests). */
  beforeRename?: (tmpPath: string) => void;
}

/** Temp-file name used for `path` by this process: `<name>.tmp-<pid>` in the same folder. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp-${process.pid}`);
}

/** fsyncs a folder so a rename/create/unlink inside it survives a power loss. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `chunks` to `fd` (writeSync may write less than asked). */
function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
  }
}

/** Atomically replaces `path` with `data` (string as UTF-8, or byte chunks written in order). */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  opts: AtomicWriteOptions = {},
): void {
  const chunks =
    typeof data === 'string'
      ? [Buffer.from(data, 'utf8')]
      : data instanceof Uint8Array
        ? [data]
        : data;
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, chunks);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // best effort: the temp file is ignored by readers anyway
    }
    throw e;
  }
  closeSync(fd);
  opts.beforeRename?.(tmp);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
