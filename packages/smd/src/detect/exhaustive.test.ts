// The detector's switch over op kinds is exhaustive (issue #17): type-check graph-walk.ts with
// the TypeScript compiler, once as it is (no error) and once with a fake kind added to the
// engine's OpRecord union (an error in graph-walk.ts naming the fake kind). A new op that the
// detector does not handle therefore cannot compile.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const smdRoot = fileURLToPath(new URL('../../', import.meta.url));
const walker = join(smdRoot, 'src', 'detect', 'graph-walk.ts');
/** The engine's op-record module as the compiler resolves it (its .d.ts, or .ts from source). */
const isOpRecord = (name: string) =>
  /[\\/]engine[\\/](dist|src)[\\/]op-record\.(d\.)?ts$/.test(name);

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

/** Diagnostics of graph-walk.ts when op-record.ts's text is passed through `edit`. */
function walkerErrors(edit: (text: string) => string, old?: ts.Program) {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    if (!isOpRecord(name)) return getSourceFile(name, lang, onError, create);
    const text = edit(ts.sys.readFile(name)!);
    return ts.createSourceFile(name, text, lang);
  };
  const program = ts.createProgram([walker], options, host, old);
  const file = program.getSourceFile(walker);
  assert.ok(file, `${walker} not in the program`);
  const reached = program.getSourceFiles().some((f) => isOpRecord(f.fileName));
  assert.ok(reached, "@smd/engine's op-record not reached from graph-walk.ts");
  const diags = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  const messages = diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { program, messages };
}

test('adding an op kind the detector does not handle is a compile error in graph-walk.ts', () => {
  const marker = 'export type OpRecord =';
  const base = walkerErrors((t) => t);
  assert.deepEqual(base.messages, [], 'graph-walk.ts type-checks as it is');
  const fake = walkerErrors((t) => {
    assert.ok(t.includes(marker), `op-record.ts no longer declares "${marker}"`);
    return t.replace(marker, `${marker} { readonly kind: 'fakeOp'; readonly q: number } |`);
  }, base.program);
  assert.ok(fake.messages.length > 0, 'a fake op kind must not compile');
  assert.ok(
    fake.messages.some((m) => m.includes('fakeOp') && m.includes('never')),
    fake.messages.join('\n'),
  );
});
