/**
 * What the restricted unpickler (pickle.ts) builds: Python values as plain JS data, inert
 * placeholders for objects it will not construct, and the few plain-data calls it interprets.
 */
import { InputError } from './input-error.js';

/** Thrown for a malformed or refused pickle; the message is one line naming the file. */
export class PickleFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** 'refused': the pickle names code to run; 'malformed': not a valid pickle. */
    readonly kind: 'refused' | 'malformed' = 'malformed',
  ) {
    super(`pickle ${file}: ${reason}`);
    this.name = 'PickleFormatError';
  }
}

/** A Python global (module attribute) named by the pickle; never resolved. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  /** `module.name` */
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An inert stand-in for an object the pickle would have built by calling `cls(*args)`. */
export class PyObject {
  /** What BUILD would have passed to __setstate__ (or the instance dict). */
  state: PyValue | undefined = undefined;
  /** Items SETITEM(S) added (dict subclasses). */
  readonly items = new Map<PyValue, PyValue>();
  /** Items APPEND(S) added (list subclasses). */
  readonly list: PyValue[] = [];
  constructor(
    readonly cls: PyGlobal,
    readonly args: readonly PyValue[],
  ) {}
}

/** Values a hook builds (tensors, storages); marked by a string tag. */
export interface PyExtension {
  readonly pyKind: string;
}

/** A Python dict (keys keep their Python types). */
export type PyDict = Map<PyValue, PyValue>;

/** Anything the unpickler can produce. Tuples are frozen arrays, lists plain arrays. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PyValue[]
  | PyDict
  | Set<PyValue>
  | PyGlobal
  | PyObject
  | PyExtension;

/** Caller-supplied interpretation of persistent ids and of calls to known globals. */
export interface UnpickleHooks {
  /** Resolve a persistent id (BINPERSID); absent: persistent ids are refused. */
  persistentLoad?(pid: PyValue): PyValue;
  /** Build the value of `fn(*args)` from data, or return undefined to keep a placeholder. */
  reduce?(fn: PyGlobal, args: readonly PyValue[]): PyValue | undefined;
}

/** Longest LONG1/LONG4 integer accepted, in bytes (Python ints in checkpoints are small). */
export const PICKLE_MAX_LONG_BYTES = 1024;

/** Calls of plain-data globals that are interpreted (everything else stays a placeholder). */
export function plainCall(fn: PyGlobal, a: readonly PyValue[]): PyValue | undefined {
  const q = fn.qualname;
  if (q === 'collections.OrderedDict' || q === 'builtins.dict') {
    const d = new Map<PyValue, PyValue>();
    if (Array.isArray(a[0])) for (const kv of a[0]) if (Array.isArray(kv)) d.set(kv[0], kv[1]);
    return d;
  }
  if (q === 'builtins.set' || q === 'builtins.frozenset') {
    return new Set(Array.isArray(a[0]) ? a[0] : []);
  }
  if (q === '_codecs.encode' && typeof a[0] === 'string') {
    // protocol 2 writes bytes as _codecs.encode(text, 'latin1')
    const out = new Uint8Array(a[0].length);
    for (let i = 0; i < a[0].length; i++) out[i] = a[0].charCodeAt(i) & 0xff;
    return out;
  }
  if (q === 'builtins.bytearray' || q === 'builtins.bytes') {
    return a[0] instanceof Uint8Array ? a[0].slice() : new Uint8Array(0);
  }
  if (q === 'copyreg._reconstructor' && a[0] instanceof PyGlobal) {
    return new PyObject(a[0], Object.freeze(a.slice(2)));
  }
  return undefined;
}

export function parseIntText(t: string, bad: () => never): number | bigint {
  if (!/^[+-]?\d+$/.test(t.trim())) bad();
  const v = BigInt(t.trim());
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function unescapeUnicode(t: string): string {
  return t.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string, b: string) =>
    String.fromCodePoint(parseInt(a ?? b, 16)),
  );
}

export function unquote(t: string, bad: () => never): string {
  const q = t[0];
  if ((q !== "'" && q !== '"') || t.length < 2 || t[t.length - 1] !== q) bad();
  return t
    .slice(1, -1)
    .replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string, c: string) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : c === 'n' ? '\n' : c === 't' ? '\t' : c,
    );
}
