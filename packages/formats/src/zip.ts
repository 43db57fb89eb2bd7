/**
 * Read-only zip directory (PKWARE APPNOTE 6.3, the subset torch.save writes): the end of
 * central directory record (zip64 when present), the central directory, and each entry's local
 * header to find where its data starts. Entries are returned as views into the input (no copy).
 *
 *   [local header 30 B + name + extra][data] … [central directory entries 46 B + name + extra +
 *   comment] … [zip64 EOCD 56 B][zip64 locator 20 B] [EOCD 22 B + comment ≤ 65535 B]
 *
 * Only stored (method 0) entries can be read: torch.save never compresses. Every offset and size
 * is checked against the input before use, and nothing is allocated from a size field.
 */
import { InputError } from './input-error.js';

/** Thrown for a malformed or unsupported zip; the message is one line naming the file. */
export class ZipFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`zip ${file}: ${reason}`);
    this.name = 'ZipFormatError';
  }
}

/** One entry of the central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate, … */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header in the input. */
  headerOffset: number;
}

/** A parsed zip directory over `bytes`. */
export interface ZipArchive {
  file: string;
  bytes: Uint8Array;
  /** Entries by name, in central-directory order. */
  entries: Map<string, ZipEntry>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

/** True when `bytes` starts like a zip file (a local header or an empty archive's EOCD). */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  return sig === SIG_LOCAL || sig === SIG_EOCD;
}

/** Parse the zip directory of `bytes`; `file` names it in errors. */
export function readZip(bytes: Uint8Array, file = '<bytes>'): ZipArchive {
  const fail = (reason: string): never => {
    throw new ZipFormatError(file, reason);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  const u64 = (o: number, what: string): number => {
    const v = u32(o) + u32(o + 4) * 2 ** 32;
    if (!Number.isSafeInteger(v)) fail(`${what} ${v} is not a usable size`);
    return v;
  };
  const eocd = findEocd(bytes, view);
  if (eocd < 0) {
    fail(
      `no end-of-central-directory record in ${bytes.length} bytes (not a zip file, or truncated)`,
    );
  }
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== SIG_ZIP64_LOCATOR) {
      fail('the end record asks for zip64 but the zip64 locator is missing');
    }
    const rec = u64(loc + 8, 'zip64 end record offset');
    if (rec + 56 > loc || u32(rec) !== SIG_ZIP64_EOCD) {
      fail(`no zip64 end record at offset ${rec}`);
    }
    count = u64(rec + 32, 'entry count');
    cdSize = u64(rec + 40, 'central directory size');
    cdOffset = u64(rec + 48, 'central directory offset');
  }
  if (cdOffset + cdSize > bytes.length) {
    fail(
      `truncated: the central directory spans [${cdOffset}, ${cdOffset + cdSize}) but the file has ${bytes.length} bytes`,
    );
  }
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || u32(p) !== SIG_CENTRAL) {
      fail(`central directory entry ${i} of ${count} is missing or malformed at offset ${p}`);
    }
    const method = u16(p + 10);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let headerOffset = u32(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > end) fail(`central directory entry ${i} runs past the directory`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): the 64-bit values, in this order, for each 32-bit field at max.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = u16(x);
      const len = u16(x + 2);
      if (x + 4 + len > xEnd) fail(`entry ${JSON.stringify(name)}: extra field runs past its end`);
      if (id === 1) {
        let q = x + 4;
        const take = (what: string): number => {
          if (q + 8 > x + 4 + len) fail(`entry ${JSON.stringify(name)}: zip64 field too short`);
          const v = u64(q, what);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take('size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (headerOffset === 0xffffffff) headerOffset = take('header offset');
      }
      x += 4 + len;
    }
    if (entries.has(name)) fail(`duplicate entry ${JSON.stringify(name)}`);
    entries.set(name, { name, method, compressedSize, size, headerOffset });
    p = next;
  }
  return { file, bytes, entries };
}

/** Scan back from the end for the EOCD signature (the comment may be up to 65535 bytes). */
function findEocd(bytes: Uint8Array, view: DataView): number {
  const last = bytes.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let p = last; p >= first; p--) {
    if (bytes[p] === 0x50 && view.getUint32(p, true) === SIG_EOCD) return p;
  }
  return -1;
}

/** The stored data of `name` as a view into the archive's bytes. */
export function zipEntryData(zip: ZipArchive, name: string): Uint8Array {
  const fail = (reason: string): never => {
    throw new ZipFormatError(zip.file, `entry ${JSON.stringify(name)}: ${reason}`);
  };
  const e = zip.entries.get(name);
  if (!e) throw new ZipFormatError(zip.file, `missing entry ${JSON.stringify(name)}`);
  if (e.method !== 0) {
    fail(`compressed with method ${e.method}; only stored entries (as torch.save writes) are read`);
  }
  if (e.compressedSize !== e.size) fail('stored entry with different sizes');
  const bytes = zip.bytes;
  if (e.headerOffset + 30 > bytes.length) fail('local header lies past the end of the file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(e.headerOffset, true) !== SIG_LOCAL) {
    fail(`no local header at offset ${e.headerOffset}`);
  }
  const start =
    e.headerOffset +
    30 +
    view.getUint16(e.headerOffset + 26, true) +
    view.getUint16(e.headerOffset + 28, true);
  if (start + e.size > bytes.length) {
    fail(
      `truncated: data spans [${start}, ${start + e.size}) but the file has ${bytes.length} bytes`,
    );
  }
  return bytes.subarray(start, start + e.size);
}
