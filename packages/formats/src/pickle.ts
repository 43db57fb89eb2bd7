/**
 * A restricted Python unpickler (protocols 0–5) that builds data and never imports or calls
 * anything. It understands every opcode, but the ones that would call Python code (REDUCE,
 * BUILD, NEWOBJ, OBJ, INST) only ever produce:
 *   - a value from a small interpretation of plain-data globals (OrderedDict, set, bytes via
 *     _codecs.encode, copyreg._reconstructor) or from the caller's `reduce` hook (tensors), or
 *   - an inert PyObject placeholder {cls, args, state} for any other global (argparse.Namespace,
 *     numpy dtypes, …), which is data, not behaviour.
 * A global that only exists to run code (os.system, builtins.eval, subprocess.Popen, …; see
 * pickle-policy.ts) refuses the whole file at the opcode that names it, before anything else is
 * built; so does calling the result of a call (getattr tricks), extension codes and out-of-band
 * buffers. Dicts are Maps (no prototype pollution: keys never become object properties);
 * lists are arrays; tuples are frozen arrays. Sizes in the stream are checked against the bytes
 * that remain before anything is read or allocated.
 */
import { refusedGlobal } from './pickle-policy.js';
import { PickleStream } from './pickle-stream.js';
import {
  type PyValue,
  type UnpickleHooks,
  PyGlobal,
  PyObject,
  latin1,
  parseIntText,
  plainCall,
  unescapeUnicode,
  unquote,
} from './pickle-values.js';

export * from './pickle-values.js';

/** Unpickle `bytes` (a whole pickle ending in STOP); `file` names it in errors. */
export function unpickle(bytes: Uint8Array, file = '<bytes>', hooks: UnpickleHooks = {}): PyValue {
  return new Machine(bytes, file, hooks).run();
}

class Machine extends PickleStream {
  private stack: PyValue[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();

  constructor(
    bytes: Uint8Array,
    file: string,
    private readonly hooks: UnpickleHooks,
  ) {
    super(bytes, file);
  }

  private pop(): PyValue {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail('stack underflow');
    return this.stack.pop()!;
  }
  private top(): PyValue {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popN(n: number): PyValue[] {
    const out = new Array<PyValue>(n);
    for (let i = n - 1; i >= 0; i--) out[i] = this.pop();
    return out;
  }
  private popMark(): PyValue[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('no MARK to pop to');
    return this.stack.splice(m);
  }

  private global(module: string, name: string): PyGlobal {
    const why = refusedGlobal(module, name);
    if (why !== null) {
      this.fail(`refused: it names ${module}.${name} (${why}); nothing was run`, 'refused');
    }
    return new PyGlobal(module, name);
  }

  /** The value of calling `fn(*args)`, built from data only. */
  private call(fn: PyValue, args: PyValue, op: string): PyValue {
    if (!(fn instanceof PyGlobal)) {
      this.fail(
        `refused: ${op} calls something that is not a named global (a call trick)`,
        'refused',
      );
    }
    if (!Array.isArray(args)) this.fail(`${op} arguments of ${fn.qualname} must be a tuple`);
    const a = args as readonly PyValue[];
    const hooked = this.hooks.reduce?.(fn, a);
    if (hooked !== undefined) return hooked;
    return plainCall(fn, a) ?? new PyObject(fn, a);
  }

  private setItems(target: PyValue, kv: PyValue[]): void {
    if (kv.length % 2 !== 0) this.fail('SETITEMS with an odd number of items');
    const map = target instanceof Map ? target : target instanceof PyObject ? target.items : null;
    if (!map) this.fail('SETITEM on something that is not a dict');
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
  }

  private append(target: PyValue, items: PyValue[]): void {
    // element by element: a spread of a million items would overflow the call stack
    const list =
      Array.isArray(target) && !Object.isFrozen(target)
        ? (target as PyValue[])
        : target instanceof PyObject
          ? target.list
          : null;
    if (list) for (const x of items) list.push(x);
    else if (target instanceof Set) for (const x of items) target.add(x);
    else this.fail('APPEND on something that is not a list');
  }

  run(): PyValue {
    const s = this.stack;
    for (;;) {
      if (this.pos >= this.bytes.length) this.fail('truncated: no STOP opcode');
      const op = this.bytes[this.pos++];
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) this.fail('pickle protocol above 5');
          break;
        case 0x95: // FRAME: framing is advisory
          this.u64();
          break;
        case 0x2e: // STOP
          if (s.length !== 1 || this.marks.length) this.fail('STOP with a malformed stack');
          return s[0];
        case 0x28: // MARK
          this.marks.push(s.length);
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          s.push(this.top());
          break;
        case 0x4e: // NONE, NEWTRUE, NEWFALSE
        case 0x88:
        case 0x89:
          s.push(op === 0x4e ? null : op === 0x88);
          break;
        case 0x49: {
          // INT (text; I00/I01 are booleans)
          const t = this.line();
          if (t === '00' || t === '01') s.push(t === '01');
          else s.push(parseIntText(t, () => this.fail(`bad INT ${JSON.stringify(t)}`)));
          break;
        }
        case 0x4c: {
          // LONG (text, trailing L)
          const t = this.line().replace(/L$/, '');
          s.push(parseIntText(t, () => this.fail(`bad LONG ${JSON.stringify(t)}`)));
          break;
        }
        case 0x4a: // BININT
          this.need(4, 'BININT');
          s.push(this.view.getInt32(this.pos, true));
          this.pos += 4;
          break;
        case 0x4b: // BININT1
          s.push(this.u8());
          break;
        case 0x4d: // BININT2
          s.push(this.u16());
          break;
        case 0x8a: // LONG1
          s.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          s.push(this.long(this.u32()));
          break;
        case 0x46: {
          // FLOAT (text)
          const t = this.line();
          const v = Number(t);
          if (t.trim() === '' || (Number.isNaN(v) && !/nan/i.test(t))) this.fail(`bad FLOAT ${t}`);
          s.push(v);
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          this.need(8, 'BINFLOAT');
          s.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        case 0x58: // BINUNICODE
          s.push(this.utf8(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          s.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          s.push(this.utf8(this.u64()));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text)
          s.push(unescapeUnicode(this.line()));
          break;
        case 0x53: // STRING (quoted Python 2 str)
          s.push(unquote(this.line(), () => this.fail('bad STRING')));
          break;
        case 0x54: // BINSTRING
          s.push(latin1(this.take(this.u32(), 'BINSTRING')));
          break;
        case 0x55: // SHORT_BINSTRING
          s.push(latin1(this.take(this.u8(), 'SHORT_BINSTRING')));
          break;
        case 0x42: // BINBYTES
          s.push(this.take(this.u32(), 'BINBYTES'));
          break;
        case 0x43: // SHORT_BINBYTES
          s.push(this.take(this.u8(), 'SHORT_BINBYTES'));
          break;
        case 0x8e: // BINBYTES8
          s.push(this.take(this.u64(), 'BINBYTES8'));
          break;
        case 0x96: // BYTEARRAY8
          s.push(this.take(this.u64(), 'BYTEARRAY8').slice());
          break;
        case 0x97: // NEXT_BUFFER
        case 0x98: // READONLY_BUFFER
          this.fail('out-of-band buffers (protocol 5) are not supported');
          break;
        case 0x5d: // EMPTY_LIST
          s.push([]);
          break;
        case 0x6c: // LIST
          s.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.append(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.append(this.top(), items);
          break;
        }
        case 0x29: // EMPTY_TUPLE
          s.push(Object.freeze([]));
          break;
        case 0x74: // TUPLE
          s.push(Object.freeze(this.popMark()));
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: // TUPLE3
          s.push(Object.freeze(this.popN(op - 0x84)));
          break;
        case 0x7d: // EMPTY_DICT
          s.push(new Map());
          break;
        case 0x64: {
          // DICT
          const d = new Map<PyValue, PyValue>();
          this.setItems(d, this.popMark());
          s.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const kv = this.popMark();
          this.setItems(this.top(), kv);
          break;
        }
        case 0x8f: // EMPTY_SET
          s.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) this.fail('ADDITEMS on something that is not a set');
          for (const x of items) set.add(x);
          break;
        }
        case 0x91: // FROZENSET
          s.push(new Set(this.popMark()));
          break;
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          s.push(this.global(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            this.fail('STACK_GLOBAL needs two strings');
          }
          s.push(this.global(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          s.push(this.call(this.pop(), args, 'REDUCE'));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          s.push(this.call(this.pop(), args, 'NEWOBJ'));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX (kwargs dropped: a placeholder does not need them)
          this.pop();
          const args = this.pop();
          s.push(this.call(this.pop(), args, 'NEWOBJ_EX'));
          break;
        }
        case 0x6f: {
          // OBJ: MARK cls args… OBJ
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ without a class');
          s.push(this.call(items[0], Object.freeze(items.slice(1)), 'OBJ'));
          break;
        }
        case 0x69: {
          // INST "module\nname\n": MARK args… INST
          const cls = this.global(this.line(), this.line());
          s.push(this.call(cls, Object.freeze(this.popMark()), 'INST'));
          break;
        }
        case 0x62: {
          // BUILD: state goes to a placeholder; plain containers ignore it (e.g. _metadata)
          const state = this.pop();
          const obj = this.top();
          if (obj instanceof PyObject) obj.state = state;
          else if (obj instanceof PyGlobal) this.fail('refused: BUILD on a class', 'refused');
          break;
        }
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          this.fail(
            'refused: extension-registry codes (EXT1/2/4) name globals indirectly',
            'refused',
          );
          break;
        case 0x70: // PUT (text)
          this.memo.set(this.index(this.line()), this.top());
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x67: // GET (text)
          s.push(this.get(this.index(this.line())));
          break;
        case 0x68: // BINGET
          s.push(this.get(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          s.push(this.get(this.u32()));
          break;
        case 0x50: // PERSID (text)
          s.push(this.persistent(this.line()));
          break;
        case 0x51: // BINPERSID
          s.push(this.persistent(this.pop()));
          break;
        default:
          this.pos--;
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private index(t: string): number {
    const n = Number(t);
    if (!Number.isSafeInteger(n) || n < 0) this.fail(`bad memo index ${JSON.stringify(t)}`);
    return n;
  }

  private get(i: number): PyValue {
    if (!this.memo.has(i)) this.fail(`memo entry ${i} is used before it is set`);
    return this.memo.get(i)!;
  }

  private persistent(pid: PyValue): PyValue {
    if (!this.hooks.persistentLoad) this.fail('refused: unexpected persistent id', 'refused');
    return this.hooks.persistentLoad(pid);
  }
}
