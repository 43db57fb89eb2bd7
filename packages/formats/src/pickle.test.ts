import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { PickleFormatError, PyObject, unpickle } from './pickle.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';

// Each fixture runs `touch /tmp/smd-pickle-canary` when Python's pickle loads it (the fixture
// script checks that it does). Reading them here must refuse them and never create the canary.
const CANARY = '/tmp/smd-pickle-canary';
const dir = new URL('../src/fixtures/torch/malicious/', import.meta.url);

test('malicious pickles are refused before anything runs; the canary never appears', () => {
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, [
    'eval.pkl',
    'exec.pkl',
    'getattr-trick.pkl',
    'inst.pkl',
    'os-system.pkl',
    'os-system.pt',
    'persid.pkl',
    'stack-global.pkl',
    'subprocess.pkl',
  ]);
  rmSync(CANARY, { force: true });
  // protocol 2 writes Python 2 names (builtins → __builtin__, subprocess.call → commands.call)
  const refusedFor: Record<string, RegExp> = {
    'eval.pkl': /names __builtin__\.eval/,
    'exec.pkl': /names builtins\.exec/,
    'getattr-trick.pkl': /names builtins\.getattr/ /* protocol 2 writes py2 names: */,
    'inst.pkl': /names os\.system/,
    'os-system.pkl': /names posix\.system/,
    'os-system.pt': /os-system\.pt:archive\/data\.pkl: refused: it names posix\.system/,
    'persid.pkl': /names os\.system/,
    'stack-global.pkl': /names os\.system/,
    'subprocess.pkl': /names commands\.call/,
  };
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
    const read = name.endsWith('.pt')
      ? () => readTorchCheckpoint(bytes, name)
      : () => unpickle(bytes, name, { persistentLoad: (pid) => pid });
    assert.throws(
      read,
      (e: unknown) =>
        e instanceof PickleFormatError &&
        e.kind === 'refused' &&
        refusedFor[name].test(e.message) &&
        e.message.includes('nothing was run') &&
        !e.message.includes('\n'),
      name,
    );
    assert.equal(existsSync(CANARY), false, `${name} created the canary`);
  }
});

/** A protocol-2 pickle from opcode bytes (strings as latin-1 text). */
const pk = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

test('call tricks are refused: calling a call result, BUILD on a class, extension codes', () => {
  const cases: [string, RegExp][] = [
    // collections.OrderedDict()() — the callable is a REDUCE result, not a named global
    [
      '\x80\x02ccollections\nOrderedDict\n)R)R.',
      /REDUCE calls something that is not a named global/,
    ],
    ['\x80\x02cargparse\nNamespace\n}b.', /BUILD on a class/],
    ['\x80\x02\x82\x01.', /extension-registry codes/],
    ['\x80\x02K\x01Q.', /unexpected persistent id/],
    ['\x80\x02cbuiltins\n__import__\n.', /names builtins\.__import__/],
    ['\x80\x02cnumpy\n__class__\n.', /dunder attribute/],
    ['\x80\x02cnumpy\nrandom.os\n.', /dotted attribute path/],
    ['\x80\x02ctorch.jit\nload\n.', /module torch\.jit/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => unpickle(pk(text), 't.pkl'),
      (e: unknown) => e instanceof PickleFormatError && e.kind === 'refused' && re.test(e.message),
      JSON.stringify(text),
    );
  }
});

test('malformed pickles: one line naming the file and what was expected', () => {
  const cases: [string, RegExp][] = [
    ['', /t\.pkl: truncated: no STOP opcode \(at byte 0\)/],
    ['\x80\x02X\xff\xff\xff\x7f', /truncated: a string needs 2147483647 bytes, 0 remain/],
    ['\x80\x02\x8b\x00\x00\x10\x00', /a 1048576-byte integer exceeds the 1024-byte limit/],
    ['\x80\x02h\x05.', /memo entry 5 is used before it is set/],
    ['\x80\x02a.', /stack underflow/],
    ['\x80\x02(K\x01.', /STOP with a malformed stack/],
    ['\x80\x02\xff', /unknown opcode 0xff/],
    ['\x80\x09.', /protocol above 5/],
    ['\x80\x02)K\x01a.', /APPEND on something that is not a list/],
    ['\x80\x02]K\x01K\x02s.', /SETITEM on something that is not a dict/],
    ['\x80\x05\x97.', /out-of-band buffers/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => unpickle(pk(text), 't.pkl'),
      (e: unknown) =>
        e instanceof PickleFormatError &&
        e.kind === 'malformed' &&
        re.test(e.message) &&
        e.message.startsWith('pickle t.pkl: ') &&
        !e.message.includes('\n'),
      JSON.stringify(text),
    );
  }
});

test('unknown globals become inert placeholders with their arguments and state', () => {
  const v = unpickle(
    pk('\x80\x02cpathlib\nPosixPath\nX\x04\x00\x00\x00/tmp\x85R}X\x01\x00\x00\x00aK\x07sb.'),
  );
  assert.ok(v instanceof PyObject);
  assert.equal(v.cls.qualname, 'pathlib.PosixPath');
  assert.deepEqual(v.args, ['/tmp']);
  assert.deepEqual([...(v.state as Map<unknown, unknown>)], [['a', 7]]);
  // protocol 0 text opcodes: INT/LONG/FLOAT/STRING/UNICODE, a dict with "__proto__" as a key
  const p0 = unpickle(
    pk("(dp0\nS'__proto__'\np1\nI42\nsVcaf\\u00e9\np2\nF0.5\nsS'big'\nL123456789012345678901L\ns."),
  );
  assert.ok(p0 instanceof Map);
  assert.equal(p0.get('__proto__'), 42);
  assert.equal(p0.get('café'), 0.5);
  assert.equal(p0.get('big'), 123456789012345678901n);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a million items in one APPENDS and deep nesting: no stack overflow', () => {
  const n = 1_000_000;
  const bytes = new Uint8Array(4 + 1 + 2 * n + 2);
  bytes.set([0x80, 0x02, 0x5d, 0x28]); // PROTO 2, EMPTY_LIST, MARK
  for (let i = 0; i < n; i++) bytes.set([0x4b, i & 0x7f], 4 + 2 * i); // BININT1
  bytes.set([0x65, 0x2e], 4 + 2 * n); // APPENDS, STOP
  const list = unpickle(bytes.subarray(0, 6 + 2 * n)) as number[];
  assert.equal(list.length, n);
  assert.equal(list[n - 1], (n - 1) & 0x7f);
  // 100 000 nested lists: the unpickler keeps no recursion
  const depth = 100_000;
  const deep = new Uint8Array(2 + 3 * depth + 1);
  deep.set([0x80, 0x02]);
  for (let i = 0; i < depth; i++) deep.set([0x5d], 2 + i); // EMPTY_LIST × depth
  for (let i = 0; i < depth - 1; i++) deep.set([0x61], 2 + depth + i); // APPEND × (depth − 1)
  deep[2 + 2 * depth - 1] = 0x2e;
  let v = unpickle(deep.subarray(0, 2 + 2 * depth)) as unknown[];
  let d = 1;
  while (v.length) {
    v = v[0] as unknown[];
    d++;
  }
  assert.equal(d, depth);
});
