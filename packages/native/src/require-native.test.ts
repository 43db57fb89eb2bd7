// CI cannot go green without the native backend (issue #17): `.ci/run` exports
// SMD_REQUIRE_NATIVE=1, under which a failed addon build fails the install and a missing addon
// fails every import of @smd/native (so every native test file fails instead of skipping).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(pkgRoot, '..', '..');

/** Env for a child: this process's env with SMD_REQUIRE_NATIVE / SMD_NATIVE set or removed. */
function childEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SMD_REQUIRE_NATIVE;
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Import this package's index (src under tsx, dist when compiled) in a fresh node process. */
function importIndex(vars: Record<string, string | undefined>) {
  const index = new URL(
    import.meta.url.endsWith('.ts') ? './index.ts' : './index.js',
    import.meta.url,
  );
  const code =
    `const m = await import(${JSON.stringify(index.href)});` +
    `console.log(JSON.stringify(m.nativeStatus()));`;
  return spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], {
    env: childEnv(vars),
    encoding: 'utf8',
  });
}

test('SMD_REQUIRE_NATIVE=1 turns a missing addon into a one-line import error', () => {
  const r = importIndex({ SMD_REQUIRE_NATIVE: '1', SMD_NATIVE: '0' });
  assert.notEqual(r.status, 0, 'import must fail');
  assert.match(
    r.stderr,
    /@smd\/native: SMD_REQUIRE_NATIVE=1 but the native addon is unavailable: disabled by SMD_NATIVE=0/,
  );
  // Without the flag the same missing addon is the documented TS fallback.
  const ok = importIndex({ SMD_NATIVE: '0' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), {
    loaded: false,
    reason: 'disabled by SMD_NATIVE=0',
    threads: 0,
    isa: 'none',
  });
});

test('SMD_REQUIRE_NATIVE=1 turns a failed addon build into a failed install', () => {
  const install = (
    JSON.parse(readFileSync(join(pkgRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.install;
  const build = 'node-gyp rebuild -j 2';
  assert.ok(install.startsWith(build + ' || node scripts/native-build-failed.mjs'), install);
  // Run the install line in a scratch copy of the package with a build step that fails.
  const dir = mkdtempSync(join(tmpdir(), 'smd-require-native-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(
      join(pkgRoot, 'scripts', 'native-build-failed.mjs'),
      join(dir, 'scripts', 'native-build-failed.mjs'),
    );
    const failingInstall = install.replace(build, 'node -e "process.exit(1)"');
    const run = (vars: Record<string, string | undefined>) =>
      spawnSync(failingInstall, { shell: true, cwd: dir, env: childEnv(vars), encoding: 'utf8' });
    const required = run({ SMD_REQUIRE_NATIVE: '1' });
    assert.equal(required.status, 1, required.stderr);
    assert.match(required.stderr, /SMD_REQUIRE_NATIVE=1, so the install fails/);
    assert.ok(existsSync(join(dir, 'build', 'BUILD_FAILED.txt')), 'reason recorded for doctor');
    const optional = run({});
    assert.equal(optional.status, 0, optional.stderr);
    assert.match(optional.stderr, /the TypeScript backend will be used/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CI (.ci/run) exports SMD_REQUIRE_NATIVE=1 before installing and testing', () => {
  const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
  const flag = ci.indexOf('\nexport SMD_REQUIRE_NATIVE=1\n');
  const setup = ci.indexOf('bash scripts/setup.sh');
  assert.ok(flag >= 0, '.ci/run must export SMD_REQUIRE_NATIVE=1');
  assert.ok(setup > flag, 'the flag must be set before setup.sh (npm ci) and npm test run');
});
