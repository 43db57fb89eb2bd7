import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import fc from 'fast-check';
import { writeFixtureRun } from '@smd/test-support/cli';
import { hostAllowed, originAllowed, startDashboard, type Dashboard } from './server.js';

let root = '';
let runId = '';
let dash: Dashboard;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'smd-serve-sec-'));
  const dir = await writeFixtureRun({ root, name: 'sec', steps: 50, milestones: [], seed: 3 });
  runId = dir.slice(dir.lastIndexOf('/') + 1);
  dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
});

/** GET with chosen headers and a raw path (no URL normalisation): status and body. */
function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const u = new URL(dash.url);
  return new Promise((ok, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path, headers, setHost: false },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

test('DNS rebinding: a Host name other than an IP literal, localhost or --host is refused', async () => {
  const port = new URL(dash.url).port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
    assert.equal((await get('/api/runs', { host })).status, 200, host);
  }
  for (const host of [`evil.example:${port}`, `attacker.localhost.evil:${port}`, '', 'a b']) {
    const r = await get('/api/runs', host ? { host } : {});
    // A request with no Host at all is already refused by node's HTTP parser (400).
    assert.equal(r.status, host ? 403 : 400, `Host "${host}"`);
    if (host) assert.match(JSON.parse(r.body).error, /is not served/);
    assert.doesNotMatch(r.body, /sec/); // no run data leaks in the refusal
  }
  assert.equal(
    (await get(`/api/runs/${runId}/data`, { host: `rebind.example:${port}` })).status,
    403,
  );
});

test('a cross-origin fetch (Origin of another site) is refused; same origin is served', async () => {
  const host = new URL(dash.url).host;
  assert.equal((await get('/api/runs', { host, origin: `http://${host}` })).status, 200);
  for (const origin of ['http://evil.example', 'null', `https://${host}`, 'http://127.0.0.1:1']) {
    assert.equal((await get('/api/runs', { host, origin })).status, 403, origin);
  }
});

test('request targets that are not plain paths ("//x", backslashes) get 400 with a JSON error', async () => {
  // Found by bench/fuzz-http.mjs: "/\\>" made WHATWG URL parsing throw (a 500), since a
  // backslash counts as a slash there and "//>" names an invalid host.
  const host = new URL(dash.url).host;
  for (const path of ['/\\>?step=1', '/\\evil.example/api/runs', '//x', '/a\\b']) {
    const r = await get(path, { host });
    assert.equal(r.status, 400, path);
    assert.match(JSON.parse(r.body).error, /request target must be a path/, path);
  }
});

test('hostAllowed / originAllowed rules', () => {
  assert.ok(hostAllowed('10.0.0.5:80', '0.0.0.0'));
  assert.ok(hostAllowed('myhost:8477', 'myhost'));
  assert.ok(!hostAllowed('myhost.evil:8477', 'myhost'));
  assert.ok(!hostAllowed(undefined, '127.0.0.1'));
  assert.ok(!hostAllowed('127.0.0.1:99999999', '127.0.0.1'));
  assert.ok(originAllowed(undefined, 'x'));
  assert.ok(!originAllowed('not a url', '127.0.0.1:1'));
});

test('fuzzed paths: every response is a page, an asset or a JSON error; never a file', async () => {
  const host = new URL(dash.url).host;
  const segment = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2f',
      'api',
      'runs',
      runId,
      'data',
      'since',
      '',
      '~',
      '%00',
    ),
    fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  );
  const pathArb = fc
    .tuple(fc.array(segment, { maxLength: 6 }), fc.option(fc.string({ maxLength: 10 })))
    .map(
      ([segs, q]) => '/' + segs.join('/') + (q === null ? '' : '?step=' + encodeURIComponent(q)),
    );
  await fc.assert(
    fc.asyncProperty(pathArb, async (path) => {
      const r = await get(path, { host });
      assert.ok([200, 400, 404].includes(r.status), `${path} → ${r.status}`);
      assert.doesNotMatch(r.body, /root:x:0:0|"dependencies"|BEGIN [A-Z]+ PRIVATE KEY/);
      if (r.status !== 200) assert.equal(typeof JSON.parse(r.body).error, 'string');
    }),
    { numRuns: Number(process.env.SMD_FUZZ_RUNS ?? 500), seed: 42 },
  );
});
