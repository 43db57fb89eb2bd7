import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './run-cli.js';
import { UsageError } from './usage-error.js';

const commands = {
  boom: async (): Promise<number> => {
    throw new TypeError('cannot read x of undefined\n  more detail');
  },
  usage: async (): Promise<number> => {
    throw new UsageError('smd usage: --x must be 1');
  },
  ok: async (argv: string[], io: { out(t: string): void }): Promise<number> => {
    io.out(argv.join('+'));
    return 0;
  },
};

test('unexpected errors: one line plus the SMD_DEBUG hint, exit 1; stack only with SMD_DEBUG=1', async () => {
  const r = await runCli(['boom'], { commands, env: {} });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'smd: internal error: cannot read x of undefined (run with SMD_DEBUG=1 for the stack trace)\n',
  );
  const d = await runCli(['boom'], { commands, env: { SMD_DEBUG: '1' } });
  assert.equal(d.code, 1);
  assert.match(d.stderr, /^TypeError: cannot read x of undefined/);
  assert.match(d.stderr, /\n\s+at /);
});

test('UsageError from a subcommand: its message, exit 2; subcommand argv is passed through', async () => {
  const u = await runCli(['usage'], { commands });
  assert.deepEqual(u, { code: 2, stdout: '', stderr: 'smd usage: --x must be 1\n' });
  const ok = await runCli(['ok', 'a', '--b'], { commands });
  assert.deepEqual(ok, { code: 0, stdout: 'a+--b', stderr: '' });
  const unknown = await runCli(['--verbose'], { commands });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^smd: unknown option "--verbose" \(commands: boom, usage, ok;/);
});
