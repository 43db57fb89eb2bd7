// The fuzz campaign for the dashboard's HTTP surface (`smd serve`): N raw requests over TCP
// (default 10⁵) against a live server holding one run — the input a web page or another local
// process can send. Inputs (fast-check, seeded):
//   * structured requests: method, a request target built from hostile segments (.., %2e%2e,
//     %2f, NUL, the run id, api routes, random text) and a `step` query, and Host / Origin
//     headers drawn from allowed and rebinding-style values;
//   * mutations of a valid request's bytes (bit flips, byte sets, truncation, insertion,
//     a header repeated until it is large);
//   * raw random bytes.
// Criteria per input: the server answers with a status line or closes the connection within
// 1 s of our half-close; the status is one the dashboard documents (200 page/asset/JSON; 301
// /explore → /explore/ and nowhere else; 400,
// 403, 404, 405 with a one-line JSON error; Node's parser answers malformed bytes with 400 or
// 431 and closes); a 200 is never a file outside the page/assets/API (checked by its body); and
// after every 1,000 inputs a plain GET of the run's data still answers 200 (the server is alive).
//
//   npm run build && node bench/fuzz-http.mjs [N]
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeFixtureRun } from '@smd/test-support/cli';
import { startDashboard } from '../packages/cli/dist/serve/server.js';

const N = Number(process.argv[2] ?? 100_000);
const root = mkdtempSync(join(tmpdir(), 'smd-fuzz-http-'));
const runDir = await writeFixtureRun({ root, name: 'http', steps: 200, milestones: [], seed: 5 });
const runId = runDir.slice(runDir.lastIndexOf('/') + 1);
const dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
const { hostname, port } = new URL(dash.url);
const goodHost = `${hostname}:${port}`;

/** Sends raw bytes, half-closes, resolves with the status code (0: closed without one) and ms. */
function exchange(bytes) {
  return new Promise((ok) => {
    const t0 = performance.now();
    const s = connect({ host: hostname, port: Number(port) });
    let head = '';
    let body = '';
    let done = false;
    const finish = (hung) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      ok({ status: m ? Number(m[1]) : 0, ms: performance.now() - t0, hung, body });
    };
    const timer = setTimeout(() => finish(true), 1000);
    s.on('connect', () => s.end(Buffer.from(bytes)));
    s.on('data', (d) => {
      const t = d.toString('latin1');
      if (head.length < 64) head += t;
      if (body.length < 1 << 16) body += t;
    });
    s.on('end', () => finish(false));
    s.on('close', () => finish(false));
    s.on('error', () => finish(false));
  });
}

const request = (method, target, headers) =>
  Buffer.from(
    `${method} ${target} HTTP/1.1\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      'Connection: close\r\n\r\n',
    'latin1',
  );

const segment = fc.oneof(
  { arbitrary: fc.constantFrom(runId, 'api', 'runs', 'data', 'since'), weight: 4 },
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2f',
    '%5c',
    'api',
    'runs',
    runId,
    'data',
    'since',
    '',
    '~',
    '%00',
    'etc',
    'passwd',
    'app.js',
    'app.css',
    'index.html',
    'explore',
    '%ff',
    '%',
  ),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
);
const stepValue = fc.oneof(
  fc.integer({ min: -3, max: 400 }).map(String),
  fc.string({ maxLength: 12 }),
);
const target = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.array(segment, { maxLength: 6 }), fc.option(stepValue))
      .map(
        ([segs, q]) => '/' + segs.join('/') + (q === null ? '' : '?step=' + encodeURIComponent(q)),
      ),
    weight: 6,
  },
  fc.constantFrom(
    '*',
    '//x',
    'http://evil/api/runs',
    `/api/runs/${runId}/since?step=-2`,
    `/api/runs/${runId}/since?step=9007199254740993`,
    '/api/runs/../../etc/passwd',
  ),
);
const hostValue = fc.oneof(
  { arbitrary: fc.constant(goodHost), weight: 6 },
  fc.constantFrom(
    goodHost,
    'localhost',
    `localhost:${port}`,
    'evil.example',
    `evil.example:${port}`,
    '127.0.0.1:99999999',
    '[::1]',
    '',
    'localhost.evil',
  ),
  fc.string({ maxLength: 20 }),
);
const originValue = fc.option(
  fc.oneof(
    fc.constantFrom(`http://${goodHost}`, 'http://evil.example', 'null', 'not a url'),
    fc.string({ maxLength: 20 }),
  ),
  { freq: 2 },
);
const structured = fc
  .record({
    method: fc.constantFrom(
      'GET',
      'GET',
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'OPTIONS',
      'TRACE',
      'get',
    ),
    target,
    host: fc.option(hostValue, { freq: 8 }),
    origin: originValue,
  })
  .map(({ method, target: t, host, origin }) => {
    const h = {};
    if (host !== null) h.Host = host.replace(/[\r\n]/g, '');
    if (origin !== null) h.Origin = origin.replace(/[\r\n]/g, '');
    return request(method, t.replace(/[\s]/g, '%20'), h);
  });
const valid = request('GET', `/api/runs/${runId}/data`, { Host: goodHost });
const mutated = fc
  .tuple(
    fc.constantFrom(
      valid,
      request('GET', '/', { Host: goodHost }),
      request('GET', `/api/runs/${runId}/since?step=10`, {
        Host: goodHost,
        Origin: `http://${goodHost}`,
      }),
    ),
    fc.array(
      fc.record({
        kind: fc.nat(4),
        at: fc.nat(),
        byte: fc.nat(255),
        n: fc.integer({ min: 1, max: 2000 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([base, edits]) => {
    let b = Buffer.from(base);
    for (const e of edits) {
      const i = e.at % Math.max(1, b.length);
      if (e.kind === 0) b[i] ^= 1 << (e.byte & 7);
      else if (e.kind === 1) b[i] = e.byte;
      else if (e.kind === 2) b = b.subarray(0, i);
      else if (e.kind === 3)
        b = Buffer.concat([b.subarray(0, i), Buffer.alloc(e.n % 64, e.byte), b.subarray(i)]);
      else
        b = Buffer.concat([
          b.subarray(0, i),
          Buffer.from(`X-Pad: ${'a'.repeat(e.n * 8)}\r\n`),
          b.subarray(i),
        ]);
    }
    return b;
  });
const random = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const input = fc.oneof(
  { arbitrary: structured, weight: 6 },
  { arbitrary: mutated, weight: 3 },
  { arbitrary: random, weight: 1 },
);

// 301: /explore → /explore/ (a fixed Location, checked below).
const ALLOWED = new Set([0, 200, 301, 400, 403, 404, 405, 431]);
const LEAK = /root:x:0:0|"dependencies"|BEGIN [A-Z]+ PRIVATE KEY|node_modules/;
const stats = { inputs: 0, by: new Map(), hangs: 0, bad: 0, slowest: 0, examples: [] };
// The explorer page is built on its first request (then cached): build it before timing.
await exchange(request('GET', '/explore/', { Host: goodHost }));
const t0 = performance.now();
const batch = 1000;
try {
  for (let done = 0; done < N; done += batch) {
    const xs = fc.sample(input, { numRuns: Math.min(batch, N - done), seed: 2026 + done });
    for (const x of xs) {
      const r = await exchange(x);
      stats.inputs++;
      stats.by.set(r.status, (stats.by.get(r.status) ?? 0) + 1);
      stats.slowest = Math.max(stats.slowest, r.ms);
      const badStatus = !ALLOWED.has(r.status);
      const leak =
        (r.status === 200 && LEAK.test(r.body)) ||
        (r.status === 301 && !/\r\nlocation: \/explore\/\r\n/i.test(r.body));
      if (r.hung) stats.hangs++;
      if (badStatus || leak) stats.bad++;
      if ((r.hung || badStatus || leak) && stats.examples.length < 10)
        stats.examples.push(
          `${r.hung ? 'hang' : leak ? 'leak' : `status ${r.status}`} ← ${JSON.stringify(x.toString('latin1').slice(0, 200))}`,
        );
    }
    const alive = await exchange(valid);
    if (alive.status !== 200)
      throw new Error(
        `server stopped answering after ${stats.inputs} inputs (status ${alive.status})`,
      );
  }
} finally {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
}
const s = (performance.now() - t0) / 1000;
const by = [...stats.by.entries()]
  .sort((a, b) => a[0] - b[0])
  .map(([k, v]) => `${k === 0 ? 'closed' : k}: ${v}`)
  .join(', ');
console.log(
  '| target | inputs | answers by status | bad status or leak | hangs > 1 s | slowest ms | inputs/s |',
);
console.log('|---|---|---|---|---|---|---|');
console.log(
  `| HTTP requests (smd serve) | ${stats.inputs} | ${by} | ${stats.bad} | ${stats.hangs} | ${stats.slowest.toFixed(1)} | ${Math.round(stats.inputs / s)} |`,
);
for (const e of stats.examples) console.log(`    ${e}`);
process.exit(stats.bad > 0 || stats.hangs > 0 ? 1 : 0);
