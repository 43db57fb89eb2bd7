/**
 * Reading primitives of the unpickler: every read is checked against the bytes that remain
 * before it happens, and errors are one-line PickleFormatErrors naming the file and position.
 */
import { PICKLE_MAX_LONG_BYTES, PickleFormatError } from './pickle-values.js';

/** A cursor over a pickle's bytes. */
export class PickleStream {
  protected pos = 0;
  protected readonly view: DataView;
  private readonly text = new TextDecoder('utf-8');

  constructor(
    protected readonly bytes: Uint8Array,
    protected readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  protected fail(reason: string, kind: 'refused' | 'malformed' = 'malformed'): never {
    throw new PickleFormatError(this.file, `${reason} (at byte ${this.pos})`, kind);
  }

  protected need(n: number, what: string): void {
    if (n > this.bytes.length - this.pos) {
      this.fail(`truncated: ${what} needs ${n} bytes, ${this.bytes.length - this.pos} remain`);
    }
  }

  protected take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  protected u8(): number {
    this.need(1, 'an argument');
    return this.bytes[this.pos++];
  }
  protected u16(): number {
    this.need(2, 'an argument');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  protected u32(): number {
    this.need(4, 'an argument');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  protected u64(): number {
    this.need(8, 'an argument');
    const v =
      this.view.getUint32(this.pos, true) + this.view.getUint32(this.pos + 4, true) * 2 ** 32;
    this.pos += 8;
    return v;
  }
  protected line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated: a text argument has no end of line');
    const s = this.text.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  protected int(n: number): number | bigint {
    const b = this.take(n, 'a long integer');
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }

  protected long(n: number): number | bigint {
    if (n > PICKLE_MAX_LONG_BYTES) {
      this.fail(`a ${n}-byte integer exceeds the ${PICKLE_MAX_LONG_BYTES}-byte limit`);
    }
    return this.int(n);
  }

  protected utf8(n: number): string {
    const b = this.take(n, 'a string');
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return this.fail('a string is not valid UTF-8');
    }
  }
}
