// Hostile input: whatever a client sends, the server answers with a clean
// JSON error (or a plain 4xx from libmicrohttpd for requests it cannot even
// parse), never serves a file outside web/ or node_modules/echarts/dist,
// never crashes and never writes to the database.
//
// Most of it needs no data (an empty database); the "demo" part repeats the
// parameter checks against real units and checks that the org data reads the
// same before and after the barrage.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, writeFileSync, symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, tmpDir, assertError, demoDb } from './lib/harness.mjs';

// ------------------------------------------------------------------ helpers

/** Parse one HTTP/1.1 response from buf; null while incomplete. */
function parseResponse(buf, { head = false, closed = false } = {}) {
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return closed && buf.length ? { status: 0, headers: {}, body: buf, garbage: true } : null;
    const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const k = l.indexOf(':');
      if (k > 0) headers[l.slice(0, k).trim().toLowerCase()] = l.slice(k + 1).trim();
    }
    let body = buf.subarray(end + 4);
    if (status === 100) { buf = body; continue; }        // interim reply
    if (head || status === 304 || status === 204) return { status, headers, body: Buffer.alloc(0), extra: body };
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (body.length >= n) return { status, headers, body: body.subarray(0, n), extra: body.subarray(n) };
      return closed ? { status, headers, body, truncated: true } : null;
    }
    return closed ? { status, headers, body } : null;
  }
}

/**
 * Send raw bytes (exactly as given: no URL normalisation, unlike fetch) and
 * read one response. opts.head: response to HEAD; opts.chunks: send these
 * Buffers one after the other, opts.gapMs apart.
 */
function raw(url, data, opts = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks = [];
    let done = false;
    const finish = (fn, v) => { if (!done) { done = true; clearTimeout(timer); sock.destroy(); fn(v); } };
    const timer = setTimeout(() => finish(reject, new Error(`raw request timed out: ${String(data).slice(0, 80)}`)),
                             opts.timeout || 15000);
    sock.on('connect', async () => {
      const parts = opts.chunks || [Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1')];
      for (const p of parts) {
        if (done || sock.destroyed) return;
        sock.write(p);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
    });
    sock.on('data', (d) => {
      chunks.push(d);
      const r = parseResponse(Buffer.concat(chunks), opts);
      if (r) finish(resolve, r);
    });
    let connected = false;
    sock.on('connect', () => { connected = true; if (opts.end) setTimeout(() => sock.end(), 300); });
    // a reset or EPIPE after connecting is an answer too ("closed"): the
    // reply, if any, was read before it
    sock.on('error', (e) => { if (!connected) finish(reject, e); });
    sock.on('close', () => {
      const r = parseResponse(Buffer.concat(chunks), { ...opts, closed: true });
      finish(resolve, r || { status: 0, headers: {}, body: Buffer.alloc(0), closedEmpty: true });
    });
  });
}

/** Send raw bytes and collect everything until the server closes. */
function rawAll(url, data, timeout = 10000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(Buffer.from(data, 'latin1')));
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('rawAll timed out')); }, timeout);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
  });
}

const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

function jsonOf(r) {
  try { return JSON.parse(r.body.toString('utf8')); } catch { return undefined; }
}

/** The raw reply is a JSON error with this status (and code, when given). */
function assertRawError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: status ${r.status} body ${r.body.toString().slice(0, 200)}`);
  const j = jsonOf(r);
  assert.ok(j && j.error, `${what}: JSON error expected, got ${r.body.toString().slice(0, 200)}`);
  if (code) assert.equal(j.error.code, code, what);
  assert.ok(j.error.message && j.error.message_en, `${what}: messages in Chinese and English`);
  assert.match(r.headers['content-type'], /^application\/json/, what);
  return j;
}

async function healthy(srv) {
  const r = await srv.get('/healthz');
  assert.equal(r.status, 200, `healthz: ${r.status} ${r.text}`);
  assert.equal(r.json.status, 'ok');
  assert.equal(srv.child.exitCode, null, 'server still running');
}

// Strings that must never show up in a reply: contents of files outside the
// two mounts.
const SECRET = 'TOPSECRET-' + process.pid;
const FORBIDDEN = [/\[core\]/, /repositoryformatversion/, /"name":\s*"wangge"/, /playwright-core/,
                   /root:x:0:0/, new RegExp(SECRET), /"name":\s*"echarts"/];

function assertNoLeak(r, what) {
  const text = r.body.toString('latin1');
  for (const re of FORBIDDEN) assert.doesNotMatch(text, re, `${what} leaked ${re}`);
}

/** A web folder with a secret next to it (and links pointing at it). */
function fixtureWeb() {
  const d = tmpDir();
  const web = join(d, 'web');
  mkdirSync(join(web, 'js'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(web, 'js', 'app.js'), 'console.log(1);\n');
  writeFileSync(join(web, '.env'), SECRET);
  writeFileSync(join(d, 'secret.txt'), SECRET);
  symlinkSync(join(d, 'secret.txt'), join(web, 'link.txt'));
  symlinkSync(d, join(web, 'up'));
  return web;
}

const TRAVERSALS = [
  '/../secret.txt', '/../../../../../../etc/passwd', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt',
  '/..%2fsecret.txt', '/..%2f..%2f..%2fetc%2fpasswd', '/%252e%252e%252fsecret.txt', '/web/../secret.txt',
  '/js/../../secret.txt', '/js/%2e%2e/%2e%2e/secret.txt', '/./secret.txt', '/.env', '/%2eenv',
  '/link.txt', '/up/secret.txt', '/up/web/index.html', '//etc/passwd', '//secret.txt', '/js//app.js',
  '/..\\secret.txt', '/js\\..\\..\\secret.txt', '/%5c..%5csecret.txt', '/..%5csecret.txt',
  '/.git/config', '/../.git/config', '/%2e%2e/.git/config', '/../package.json', '/../../package.json',
  '/vendor/echarts/../../package.json', '/vendor/echarts/../../../package.json',
  '/vendor/echarts/%2e%2e/%2e%2e/package.json', '/vendor/echarts/..%2f..%2fpackage.json',
  '/vendor/echarts/../package.json', '/vendor/echarts/%2e%2e%2fpackage.json',
  '/vendor/echarts/..\\..\\package.json', '/vendor/echarts//etc/passwd', '/vendor/echarts/.',
  '/vendor/echarts/..', '/vendor/../package.json', '/vendor/echarts/../../../.git/config',
  '/secret.txt%00.html', '/index.html%00', '/%c0%ae%c0%ae/secret.txt', '/%e0%80%ae%e0%80%ae/secret.txt',
  '/\u00c0\u00ae\u00c0\u00ae/secret.txt', '/..;/secret.txt', '/~/secret.txt', '/%7e/secret.txt',
  '/' + 'a/'.repeat(300) + '../'.repeat(301) + 'secret.txt',
];

// ------------------------------------------------------- an empty database

describe('empty database', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { assert.equal(await srv.stop(), 0, srv.stderr); });

  test('malformed JSON bodies: 400 json.malformed / json.empty', async () => {
    const bodies = ['{', '{"points":', '{"points":[[1,2]]', 'nul', '{"points":[[1,2]],}', "{'points':[]}",
                    '{"points":[[1,2]]}x', '{"points":[[1,2]]}{}', '{"points":[[01,2]]}', '{"points":[[1,2,]]}',
                    '{"points":[[.5,2]]}', '{"points":[[NaN,2]]}', '{"points":[[Infinity,2]]}',
                    '{"points":[[1e999,2]]}', '{"points":"\\ud800"}', '{"a":"\u0000"}',
                    '[' .repeat(100000) + ']'.repeat(100000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
                    '\ufeff{"points":[]}', '{"points":[[1,2]]}\u0000'];
    for (const b of bodies) {
      const r = await srv.post('/api/v1/locate/batch', b, { raw: true, headers: { 'content-type': 'application/json' } });
      assertError(assert, r, 400, 'json.malformed');
    }
    // invalid UTF-8 inside a JSON string
    const bad = Buffer.concat([Buffer.from('{"crs":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","points":[]}')]);
    assertError(assert, await srv.post('/api/v1/locate/batch', bad, { raw: true }), 400, 'json.malformed');
    for (const b of ['', undefined]) {
      const r = await srv.request('POST', '/api/v1/locate/batch', b === undefined ? {} : { body: b, raw: true });
      assertError(assert, r, 400, 'json.empty');
    }
  });

  test('JSON that is not an object: 400 json.not_object (a top-level scalar: json.malformed)', async () => {
    for (const b of ['[]', '[[113.3,23.2]]', '[{"points":[]}]']) {
      const r = await srv.post('/api/v1/locate/batch', b, { raw: true });
      assertError(assert, r, 400, 'json.not_object');
    }
    // jansson refuses top-level scalars while parsing (RFC 4627 texts only)
    for (const b of ['1', '"points"', 'null', 'true', '-0', '""']) {
      const r = await srv.post('/api/v1/locate/batch', b, { raw: true });
      assertError(assert, r, 400, 'json.malformed');
    }
  });

  test('wrong types in every field of the batch body', async () => {
    const cases = [
      [{}, 'field.missing', 'points'],
      [{ points: null }, 'field.missing', 'points'],
      [{ crs: 'wgs84' }, 'field.missing', 'points'],
      [{ points: 'x' }, 'field.type', 'points'],
      [{ points: 1 }, 'field.type', 'points'],
      [{ points: {} }, 'field.type', 'points'],
      [{ points: true }, 'field.type', 'points'],
      [{ points: { 0: [1, 2] } }, 'field.type', 'points'],
      [{ points: [[113.3, 23.2]], crs: 5 }, 'field.type', 'crs'],
      [{ points: [[113.3, 23.2]], crs: ['gcj02'] }, 'field.type', 'crs'],
      [{ points: [[113.3, 23.2]], crs: {} }, 'field.type', 'crs'],
      [{ points: [[113.3, 23.2]], crs: true }, 'field.type', 'crs'],
      [{ points: [[113.3, 23.2]], crs: 'foo' }, 'field.invalid', 'crs'],
      [{ points: [[113.3, 23.2]], crs: '' }, 'field.invalid', 'crs'],
      [{ points: [[113.3, 23.2]], crs: 'x'.repeat(10000) }, 'field.too_long', 'crs'],
      [{ points: [['113.3', 23.2]] }, 'locate.bad_point', 'points'],
      [{ points: [[113.3, '23.2']] }, 'locate.bad_point', 'points'],
      [{ points: [[113.3]] }, 'locate.bad_point', 'points'],
      [{ points: [[]] }, 'locate.bad_point', 'points'],
      [{ points: [[113.3, 23.2, 0]] }, 'locate.bad_point', 'points'],
      [{ points: [[null, 23.2]] }, 'locate.bad_point', 'points'],
      [{ points: [[[113.3], 23.2]] }, 'locate.bad_point', 'points'],
      [{ points: [null] }, 'locate.bad_point', 'points'],
      [{ points: [1, 2] }, 'locate.bad_point', 'points'],
      [{ points: ['113.3,23.2'] }, 'locate.bad_point', 'points'],
      [{ points: [{ lon: 113.3 }] }, 'locate.bad_point', 'points'],
      [{ points: [{ lat: 23.2 }] }, 'locate.bad_point', 'points'],
      [{ points: [{ lon: '113.3', lat: 23.2 }] }, 'locate.bad_point', 'points'],
      [{ points: [{ x: 113.3, y: 23.2 }] }, 'locate.bad_point', 'points'],
      [{ points: [[113.3, 23.2], [113.3, 23.2], 'x'] }, 'locate.bad_point', 'points'],
      [{ points: [[181, 23.2]] }, 'locate.out_of_range', 'points'],
      [{ points: [[-180.5, 23.2]] }, 'locate.out_of_range', 'points'],
      [{ points: [[113.3, 90.0001]] }, 'locate.out_of_range', 'points'],
      [{ points: [[113.3, -91]] }, 'locate.out_of_range', 'points'],
      [{ points: [{ lon: 1e300, lat: 0 }] }, 'locate.out_of_range', 'points'],
    ];
    for (const [body, code, param] of cases) {
      const r = await srv.post('/api/v1/locate/batch', body);
      assertError(assert, r, 400, code);
      assert.equal(r.json.error.param, param, JSON.stringify(body).slice(0, 100));
    }
    // a NUL inside a string is refused by the parser
    const nul = await srv.post('/api/v1/locate/batch', { points: [[113.3, 23.2]], crs: 'wgs84\u0000' });
    assertError(assert, nul, 400, 'json.malformed');
    // a bad point late in a large batch is named by its index
    const pts = Array.from({ length: 5000 }, () => [113.3, 23.2]);
    pts[4321] = [113.3];
    const r = await srv.post('/api/v1/locate/batch', { points: pts });
    assertError(assert, r, 400, 'locate.bad_point');
    assert.match(r.json.error.message_en, /4321/);
  });

  test('unknown fields are ignored; both point forms and all CRS names are accepted', async () => {
    for (const crs of ['wgs84', 'WGS84', 'gcj02', 'GCJ-02', 'bd09', 'bd-09', 'epsg:4326']) {
      const r = await srv.post('/api/v1/locate/batch', { crs, points: [[113.3, 23.2], { lon: 113.3, lat: 23.2, z: 1 }], extra: [1] });
      assert.equal(r.status, 200, `${crs}: ${r.text}`);
      assert.equal(r.json.count, 2);
      assert.equal(r.json.results.length, 2);
    }
    const r = await srv.post('/api/v1/locate/batch', { points: [] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.count, 0);
  });

  test('duplicate keys are refused', async () => {
    for (const b of ['{"points":[[113.3,23.2]],"points":[]}', '{"crs":"wgs84","points":[],"crs":"gcj02"}',
                     '{"points":[{"lon":1,"lat":2,"lon":3}]}']) {
      const r = await srv.post('/api/v1/locate/batch', b, { raw: true });
      assertError(assert, r, 400, 'json.malformed');
      assert.match(r.json.error.message_en, /duplicate/);
    }
  });

  test('oversize body with Content-Length: 413, the server stays up and keeps serving', async () => {
    const big = '{"points":[' + '[113.3,23.2],'.repeat(200000) + '[113.3,23.2]]}';   // ~2.6 MB > 2 MiB
    assert.ok(big.length > 2 * 1024 * 1024);
    for (let i = 0; i < 3; i++) {
      const r = await srv.post('/api/v1/locate/batch', big, { raw: true });
      assertError(assert, r, 413, 'http.body_too_large');
      await healthy(srv);
    }
    // a client that waits for 100 Continue gets the 413 instead and never sends the body
    const r = await raw(srv.url, `POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
                                 `Content-Length: ${big.length}\r\nExpect: 100-continue\r\n\r\n`);
    assertRawError(r, 413, 'http.body_too_large', 'expect 100-continue');
    // a declared length far beyond anything we would read
    const r2 = await raw(srv.url, 'POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000000\r\n\r\n{');
    assert.equal(r2.status, 413);
    // a length that does not even parse is refused by the HTTP layer
    const r3 = await raw(srv.url, 'POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n{');
    assert.ok([400, 413].includes(r3.status), `status ${r3.status}`);
    const r4 = await raw(srv.url, 'POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n{');
    assert.ok(r4.status === 400 || r4.closedEmpty, `status ${r4.status}`);
    // just under the limit is read and parsed (400 for the bad JSON, not 413)
    const under = 'x'.repeat(2 * 1024 * 1024 - 1);
    assertError(assert, await srv.post('/api/v1/locate/batch', under, { raw: true }), 400, 'json.malformed');
    await healthy(srv);
  });

  test('oversize body with chunked transfer: 413, the server stays up', async () => {
    const piece = new TextEncoder().encode('[113.3,23.2],'.repeat(5000));
    for (let i = 0; i < 2; i++) {
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"points":['));
          for (let k = 0; k < 50; k++) c.enqueue(piece);             // ~3.2 MB
          c.enqueue(new TextEncoder().encode('[1,2]]}'));
          c.close();
        },
      });
      const res = await fetch(srv.url + '/api/v1/locate/batch', { method: 'POST', body, duplex: 'half',
                                                                   headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      assert.equal(res.status, 413, text);
      assert.equal(JSON.parse(text).error.code, 'http.body_too_large');
      await healthy(srv);
    }
    // raw chunked encoding, including a chunk size that overflows
    const chunk = 'a'.repeat(1 << 20);
    const chunked = Buffer.from(`POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${(1 << 20).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n');
    assertRawError(await raw(srv.url, chunked), 413, 'http.body_too_large', 'raw chunked');
    const evil = await raw(srv.url, 'POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n' +
                                    'ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n');
    assert.ok(evil.status >= 400 || evil.closedEmpty, `status ${evil.status}`);
    // a small chunked body is fine
    const small = Buffer.from('POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n' +
                              '5\r\n{"poi\r\n11\r\nnts":[[113,23]]}\r\n0\r\n\r\n');
    const ok = await raw(srv.url, small);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(jsonOf(ok).count, 1);
    await healthy(srv);
  });

  test('unknown routes: JSON 404 for the API and for pages', async () => {
    for (const p of ['/api/v1/nope', '/api/v2/units', '/api/v1/units/440111/nope', '/api/v1/units/440111/staff/x',
                     '/api/', '/api', '/api/v1', '/api/v1/', '/api/v1/units/', '/api/v1/locate/', '/healthz/',
                     '/nope', '/nope.html', '/js/nope.js', '/favicon.ico.bak', '/index.php', '/cgi-bin/test',
                     '/vendor/echarts/nope.js', '/vendor/nope/x.js', '/wp-login.php']) {
      const r = await srv.get(p);
      assertError(assert, r, 404, 'http.not_found');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
    assertError(assert, await srv.post('/api/v1/nope', {}), 404, 'http.not_found');
    assertError(assert, await srv.post('/nope', {}), 404, 'http.not_found');
    assertError(assert, await srv.request('DELETE', '/index.html'), 404, 'http.not_found');
  });

  test('wrong method: 405', async () => {
    const cases = [['POST', '/healthz'], ['DELETE', '/metrics'], ['POST', '/api/v1/units'],
                   ['PUT', '/api/v1/units/440111'], ['DELETE', '/api/v1/units/440111'], ['PATCH', '/api/v1/units/440111'],
                   ['POST', '/api/v1/units/440111/children'], ['POST', '/api/v1/units/440111/geojson'],
                   ['PUT', '/api/v1/units/440111/staff'], ['POST', '/api/v1/locate'], ['GET', '/api/v1/locate/batch'],
                   ['PUT', '/api/v1/locate/batch'], ['OPTIONS', '/api/v1/units/440111']];
    for (const [m, p] of cases) {
      const r = await srv.request(m, p, m === 'GET' ? {} : { body: {} });
      assertError(assert, r, 405, 'http.method_not_allowed');
      // RFC 9110: a 405 lists the methods the path has
      assert.equal(r.headers.get('allow'), p === '/api/v1/locate/batch' ? 'POST' : 'GET, HEAD', `${m} ${p}`);
    }
    // unheard-of method names and tokens
    for (const m of ['FOO', 'get', 'TRACE', 'CONNECT']) {
      const r = await raw(srv.url, `${m} /api/v1/units/440111 HTTP/1.1\r\nHost: t\r\n\r\n`);
      assert.ok([400, 404, 405, 501].includes(r.status) || r.closedEmpty, `${m}: ${r.status}`);
    }
  });

  test('bad query parameters: 400 naming the parameter', async () => {
    const cases = [
      ['/api/v1/locate?lat=abc&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=NaN&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=nan&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=Infinity&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=-inf&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=91&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=-90.0001&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=1e999&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=0x17&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=23.2abc&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=23,2&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=%2023.2&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=23.2%00&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=' + '1'.repeat(400) + '&lon=113.3', 'param.invalid', 'lat'],
      ['/api/v1/locate?lat=&lon=113.3', null, 'lat'],
      ['/api/v1/locate?lat&lon=113.3', null, 'lat'],
      ['/api/v1/locate?lon=113.3', 'param.missing', 'lat'],
      ['/api/v1/locate?lat=23.2', 'param.missing', 'lon'],
      ['/api/v1/locate', 'param.missing', 'lat'],
      ['/api/v1/locate?lat=23.2&lon=181', 'param.invalid', 'lon'],
      ['/api/v1/locate?lat=23.2&lon=-1e999', 'param.invalid', 'lon'],
      ['/api/v1/locate?lat=23.2&lon=abc', 'param.invalid', 'lon'],
      ['/api/v1/locate?lat=23.2&lon=113.3&crs=foo', 'param.invalid', 'crs'],
      ['/api/v1/locate?lat=23.2&lon=113.3&crs=', 'param.invalid', 'crs'],
      ['/api/v1/locate?lat=23.2&lon=113.3&crs=wgs84%00', 'param.invalid', 'crs'],
      ['/api/v1/locate?lat=23.2&lon=113.3&crs=' + 'x'.repeat(5000), 'param.invalid', 'crs'],
      ['/api/v1/units?q=a&limit=0', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=1000', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=101', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=-1', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=abc', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=1.5', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=99999999999999999999999', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=', 'param.invalid', 'limit'],
      ['/api/v1/units?q=a&limit=%2B5', 'param.invalid', 'limit'],
      ['/api/v1/units', 'param.missing', 'q'],
      ['/api/v1/units?q=', 'param.missing', 'q'],
      ['/api/v1/units?q=' + 'a'.repeat(65), 'param.invalid', 'q'],
      ['/api/v1/units?q=%ff%fe', 'param.invalid', 'q'],
      ['/api/v1/units?q=%ED%A0%80', 'param.invalid', 'q'],            // a UTF-16 surrogate
      ['/api/v1/units?q=%E0%80%80', 'param.invalid', 'q'],            // overlong
      ['/api/v1/units?q=%C0%AF', 'param.invalid', 'q'],
      ['/api/v1/units?q=a%01b', 'param.invalid', 'q'],
    ];
    for (const [p, code, param] of cases) {
      const r = await srv.get(p);
      assertError(assert, r, 400, code);
      assert.equal(r.json.error.param, param, p.slice(0, 100));
    }
  });

  test('staff lists need a staff log-in, whatever the parameters', async () => {
    for (const p of ['/api/v1/units/440111/staff', '/api/v1/units/440111/staff?history=2', '/api/v1/units/abc/staff',
                     "/api/v1/units/'%20OR%201=1/staff?history=1"]) {
      assertError(assert, await srv.get(p), 401, 'auth.required');
    }
    for (const auth of ['Bearer x', 'Bearer ' + 'a'.repeat(5000), 'Bearer \u00ff', 'Basic YTpi', 'Bearer ']) {
      const r = await srv.get('/api/v1/units/440111/staff', { headers: { authorization: auth } });
      assert.equal(r.status, 401, `${auth.slice(0, 20)}: ${r.text}`);
      assert.ok(r.json && r.json.error && /^auth\./.test(r.json.error.code), r.text);
    }
    const c = await srv.get('/api/v1/units/440111/staff', { headers: { cookie: 'wangge_session=' + 'x'.repeat(300) } });
    assert.equal(c.status, 401, c.text);
  });

  test('unit codes that are not codes: 400 unit.bad_code (or 404)', async () => {
    const codes = ['abc', '44011a', '４４０１１１', '4401111', '44011', '44', '1234567', '44011100', '4401110021',
                   '12345678901234567', '4'.repeat(200), '440100', '440111.0', '+44011', '-440111', '440111 ',
                   '%20440111', "'%20OR%201=1", "440111'%20OR%20'1'='1", '440111;DROP%20TABLE%20units',
                   '440111%00', '440111%00abc', '%00', '4401%00', '440111%0a', '%0d%0a', '%ff', '%ff%fe%fd',
                   '%E4%B8%89' .repeat(11), '%E4%B8%89'.repeat(12), '..', '%2e%2e', '*', '%25', '440111%2F002',
                   'null', 'undefined', '0x6B7AF'];
    for (const c of codes) {
      for (const sfx of ['', '/children', '/geojson', '/staff']) {
        const r = await srv.get(`/api/v1/units/${c}${sfx}`);
        if (sfx === '/staff' && r.status === 401) continue;           // needs a log-in first
        assert.ok([400, 404].includes(r.status), `${c}${sfx}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.ok(r.json && r.json.error, `${c}${sfx}: JSON error expected: ${r.text.slice(0, 200)}`);
        if (r.status === 400) assert.equal(r.json.error.code, 'unit.bad_code', `${c}${sfx}`);
        assert.ok(r.json.error.message && r.json.error.message_en);
      }
    }
    // the NUL must not cut the code short: "440111%00" is not 440111
    const r = await srv.get('/api/v1/units/440111%00');
    assertError(assert, r, 400, 'unit.bad_code');
    // well-formed but unknown: 404 unit.not_found
    for (const c of ['440111', '440111002', '440111002001', '44011100200101', '4401110020010101', '999999']) {
      assertError(assert, await srv.get(`/api/v1/units/${c}`), 404, 'unit.not_found');
    }
  });

  test('very long paths and query strings', async () => {
    for (const n of [1000, 8000, 60000, 200000]) {
      const r = await raw(srv.url, get('/api/v1/units/' + '4'.repeat(n)));
      assert.ok([400, 404, 414, 431].includes(r.status) || r.closedEmpty, `${n}: ${r.status}`);
      if (r.status === 400 && jsonOf(r)) assert.equal(jsonOf(r).error.code, 'unit.bad_code');
      const q = await raw(srv.url, get('/api/v1/locate?lat=23&lon=113&x=' + 'y'.repeat(n)));
      assert.ok([200, 404, 414, 431, 503].includes(q.status) || q.closedEmpty, `query ${n}: ${q.status}`);
      const s = await raw(srv.url, get('/' + 'a'.repeat(n) + '.html'));
      assert.ok([404, 414, 431].includes(s.status) || s.closedEmpty, `static ${n}: ${s.status}`);
    }
    // Thousands of tiny arguments exhaust libmicrohttpd's per-connection
    // memory while it parses them; 0.9.75 then neither answers nor closes
    // until the idle timeout. That connection stalls, nothing else does.
    const many = raw(srv.url, get('/api/v1/locate?' + Array.from({ length: 3000 }, (_, i) => `k${i}=${i}`).join('&')),
                     { timeout: 60000 });
    await new Promise((r) => setTimeout(r, 300));
    await healthy(srv);
    const fewer = await raw(srv.url, get('/api/v1/locate?' + Array.from({ length: 300 }, (_, i) => `k${i}=${i}`).join('&')));
    assertRawError(fewer, 400, 'param.missing', '300 arguments');
    many.catch(() => {});
    const hdrs = await raw(srv.url, get('/healthz', Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('')));
    assert.ok([200, 400, 413, 431].includes(hdrs.status) || hdrs.closedEmpty, `many headers: ${hdrs.status}`);
    await healthy(srv);
  });

  test('non-UTF-8 and control bytes in the path and the query', async () => {
    const junk = [
      get('/api/v1/units?q=\xff\xfe'), get('/api/v1/units?q=\xe4\xb8'), get('/api/v1/units/\xff'),
      get('/api/v1/units/440111\xc0'), get('/api/v1/locate?lat=\xff&lon=1'), get('/api/v1/locate?lat=23&lon=113&crs=\xff'),
      get('/api/v1/units?q=%ff&limit=%fe'), get('/\xff\xfe.html'), get('/api/\xff'), get('/api/v1/units?q=\x7f'),
      get('/api/v1/units?\xff=1&q=a'), get('/api/v1/units?q=a&q=b&q=c'),
    ];
    for (const req of junk) {
      const r = await raw(srv.url, req);
      assert.ok(r.status >= 200 && r.status < 500 || r.closedEmpty, `${JSON.stringify(req)}: ${r.status} ${r.body}`);
      if (r.body.length && /json/.test(r.headers['content-type'] || '')) {
        const j = jsonOf(r);
        assert.ok(j, `${JSON.stringify(req)}: the reply must be valid JSON (and so valid UTF-8): ${r.body}`);
        assert.ok(Buffer.from(JSON.stringify(j)).length > 0);
        assert.equal(r.body.toString('utf8').includes('\ufffd'), false, 'no broken UTF-8 in the reply');
      }
    }
    // raw control characters in the request line: refused by the HTTP layer
    for (const req of [get('/api/v1/units/440111\x00'), get('/api\x01/v1'), 'GET /a\tb HTTP/1.1\r\nHost: t\r\n\r\n']) {
      const r = await raw(srv.url, req);
      assert.ok(r.status >= 400 || r.closedEmpty, `${JSON.stringify(req)}: ${r.status}`);
    }
    await healthy(srv);
  });

  test('requests the HTTP layer cannot parse get a 4xx or a closed connection', async () => {
    const reqs = ['GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET /healthz\r\n\r\n', 'GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n',
                  'GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n', '\r\n\r\n\r\n',
                  'GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
                  'GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
                  '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'x'.repeat(100)];   // a TLS ClientHello
    for (const q of reqs) {
      const r = await raw(srv.url, q, { end: true });
      assert.ok(r.status === 200 || r.status >= 400 || r.closedEmpty || r.garbage, `${JSON.stringify(q)}: ${r.status}`);
    }
    await healthy(srv);
  });

  test('HEAD: same status and headers as GET, no body', async () => {
    for (const p of ['/healthz', '/metrics', '/api/v1/units/440111', '/api/v1/units?q=a', '/api/v1/locate?lat=x&lon=1',
                     '/api/v1/nope', '/nope.html', '/vendor/echarts/echarts.min.js']) {
      const g = await raw(srv.url, get(p));
      const h = await raw(srv.url, `HEAD ${p} HTTP/1.1\r\nHost: t\r\n\r\n`, { head: true });
      assert.equal(h.status, g.status, p);
      assert.equal(h.body.length, 0, p);
      assert.equal(h.extra.length, 0, `${p}: HEAD reply carries no body bytes`);
      assert.equal(h.headers['content-type'], g.headers['content-type'], p);
      if (p !== '/metrics') assert.equal(h.headers['content-length'], g.headers['content-length'], p);
    }
    // HEAD of the batch endpoint: it only takes POST
    const h = await raw(srv.url, 'HEAD /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\n\r\n', { head: true });
    assert.equal(h.status, 405);
    // HEAD on a kept-alive connection does not desynchronise the next reply
    const both = await rawAll(srv.url, 'HEAD /api/v1/units/440111 HTTP/1.1\r\nHost: t\r\n\r\n' +
                                       get('/healthz', 'Connection: close\r\n'));
    const first = parseResponse(both, { head: true });
    assert.equal(first.status, 404);
    const second = parseResponse(first.extra);
    assert.ok(second, `second reply: ${first.extra.toString()}`);
    assert.equal(second.status, 200);
    assert.equal(JSON.parse(second.body.toString()).status, 'ok');
  });

  test('path traversal never leaves web/ or node_modules/echarts/dist (default web folder)', async () => {
    for (const p of TRAVERSALS) {
      const r = await raw(srv.url, get(p));
      assertNoLeak(r, p);
      if (r.status === 200) {
        // only legitimate files may come back: an index or a page of web/
        assert.match(r.headers['content-type'] || '', /html|javascript/, `${p} served ${r.headers['content-type']}`);
      } else {
        assert.ok([400, 404].includes(r.status) || r.closedEmpty, `${p}: ${r.status}`);
      }
    }
    // what fetch() would normalise still resolves inside the mounts
    const r = await srv.get('/vendor/echarts/../echarts/echarts.min.js');
    assert.ok([200, 404].includes(r.status));
    assertNoLeak({ body: r.buf }, 'normalised');
  });

  test('static request methods other than GET/HEAD get no file', async () => {
    for (const m of ['POST', 'PUT', 'DELETE']) {
      const r = await srv.request(m, '/vendor/echarts/echarts.min.js', { body: {} });
      assertError(assert, r, 404, 'http.not_found');
    }
  });

  test('many parallel connections and a slow client do not stall or crash the server', async () => {
    // 200 idle connections, a slowloris sending its headers a byte at a time,
    // and 300 concurrent requests meanwhile
    const idle = await Promise.all(Array.from({ length: 200 }, () => new Promise((res) => {
      const s = net.connect(Number(new URL(srv.url).port), '127.0.0.1', () => res(s));
      s.on('error', () => {});
    })));
    const slowReq = get('/healthz', 'X-Slow: 1\r\n');
    const slow = raw(srv.url, null, { chunks: [...Buffer.from(slowReq)].map((b) => Buffer.from([b])), gapMs: 15, timeout: 30000 });
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      srv.get(i % 4 === 0 ? '/healthz' : i % 4 === 1 ? '/api/v1/units/440111' : i % 4 === 2 ? '/api/v1/locate?lat=23.2&lon=113.3' : '/nope')));
    assert.ok(Date.now() - t0 < 30000, 'concurrent requests are not starved');
    for (const [i, r] of rs.entries()) assert.ok([200, 404].includes(r.status), `request ${i}: ${r.status}`);
    const sr = await slow;
    assert.equal(sr.status, 200, 'the slow client is answered too');
    // half-sent requests and abrupt resets
    const halfs = await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise((res) => {
      const s = net.connect(Number(new URL(srv.url).port), '127.0.0.1', () => {
        s.write(i % 2 ? 'POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{"poi' : 'GET /api/v1/un');
        setTimeout(() => { if (i % 3 === 0) s.resetAndDestroy(); else s.destroy(); res(); }, 20);
      });
      s.on('error', () => {});
    })));
    assert.equal(halfs.length, 50);
    for (const s of idle) s.destroy();
    await healthy(srv);
  });

  test('after all of it the server is healthy and answers normally', async () => {
    await healthy(srv);
    const m = await srv.get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /wangge_http_requests_total\{route="healthz",status="200"\} \d+/);
  });
});

// ------------------------------------------------- a fixture web folder

describe('fixture web folder with a secret next to it', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--web', fixtureWeb()] }); });
  after(async () => { assert.equal(await srv.stop(), 0, srv.stderr); });

  test('traversal, hidden files and symlinks out of web/ are refused', async () => {
    const ok = await raw(srv.url, get('/index.html'));
    assert.equal(ok.status, 200);
    assert.match(ok.body.toString(), /<title>t<\/title>/);
    for (const p of TRAVERSALS) {
      const r = await raw(srv.url, get(p));
      assertNoLeak(r, p);
      if (r.status === 200) assert.match(r.body.toString(), /<title>t<\/title>|console\.log/, `${p} served something else`);
      else assert.ok([400, 404].includes(r.status) || r.closedEmpty, `${p}: ${r.status}`);
    }
    for (const p of ['/link.txt', '/up/secret.txt', '/.env']) {
      assertRawError(await raw(srv.url, get(p)), 404, 'http.not_found', p);
    }
  });
});

// ------------------------------------------------------------ demo data

/**
 * Every row of every table as text, via the sqlite3 shell when it is
 * installed (node has no SQLite); null otherwise. The server's own
 * bookkeeping in meta (leader heartbeat) is left out: it changes by design.
 */
function dbDump(file) {
  const r = spawnSync('sqlite3', ['-readonly', file, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split('\n').filter((l) => !/^INSERT INTO "?meta"? .*(heartbeat|leader)/.test(l)).join('\n');
}

describe('demo database', () => {
  let srv, db, dumpBefore, before440111, beforeChildren, beforeTown;
  before(async () => {
    db = demoDb();
    dumpBefore = dbDump(db);
    srv = await startServer({ db });
    before440111 = (await srv.get('/api/v1/units/440111')).text;
    beforeChildren = (await srv.get('/api/v1/units/440111/children')).text;
    beforeTown = (await srv.get('/api/v1/units/440111002')).text;
  });
  after(async () => {
    assert.equal(await srv.stop(), 0, srv.stderr);
    // the database file holds exactly the same rows afterwards
    if (dumpBefore !== null) {
      const dumpAfter = dbDump(db);
      assert.ok(dumpAfter && dumpAfter.length > 100000, 'dump after');
      assert.ok(dumpAfter === dumpBefore, 'the database content changed during the hostile session');
    }
  });

  test('bad parameters on real units', async () => {
    const cases = [
      ['/api/v1/units/440111/geojson?level=foo', 'param.invalid', 'level'],
      ['/api/v1/units/440111/geojson?level=', 'param.invalid', 'level'],
      ['/api/v1/units/440111/geojson?level=GRID', 'param.invalid', 'level'],
      ['/api/v1/units/440111002/geojson?level=district', 'param.invalid', 'level'],
      ['/api/v1/units/440111/geojson?simplify=-1', 'param.invalid', 'simplify'],
      ['/api/v1/units/440111/geojson?simplify=abc', 'param.invalid', 'simplify'],
      ['/api/v1/units/440111/geojson?simplify=NaN', 'param.invalid', 'simplify'],
      ['/api/v1/units/440111/geojson?simplify=1e999', 'param.invalid', 'simplify'],
      ['/api/v1/units/440111/geojson?simplify=100000', 'param.invalid', 'simplify'],
      ['/api/v1/units/440111/geojson?crs=foo', 'param.invalid', 'crs'],
      ['/api/v1/units/440111/geojson?crs=gcj02%00', 'param.invalid', 'crs'],
      ['/api/v1/units?q=%E7%99%BD&limit=0', 'param.invalid', 'limit'],
      ['/api/v1/units?q=%E7%99%BD&limit=1000', 'param.invalid', 'limit'],
      ['/api/v1/locate?lat=23.2&lon=113.3&crs=foo', 'param.invalid', 'crs'],
    ];
    for (const [p, code, param] of cases) {
      const r = await srv.get(p);
      assertError(assert, r, 400, code);
      assert.equal(r.json.error.param, param, p);
    }
    const r = await srv.get('/api/v1/units/440111%00');
    assertError(assert, r, 400, 'unit.bad_code');
    const r2 = await srv.get('/api/v1/units/440111002%00/children');
    assertError(assert, r2, 400, 'unit.bad_code');
  });

  test('search text is data, never SQL or a pattern', async () => {
    for (const q of ["' OR 1=1 --", "'; DROP TABLE units; --", '%', '_', '%%', '\\', '"', '*', "4401' OR '1'='1",
                     '白云\'--', '440111%', '%街道', '_街道']) {
      const r = await srv.get('/api/v1/units?q=' + encodeURIComponent(q) + '&limit=100');
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(r.json.q, q);
      for (const u of r.json.units) {
        assert.ok(u.name.includes(q) || u.code.startsWith(q), `${q} matched ${u.code} ${u.name}`);
      }
    }
    // a plain prefix still works afterwards
    const r = await srv.get('/api/v1/units?q=440111002&limit=5');
    assert.equal(r.status, 200);
    assert.ok(r.json.units.length >= 1);
  });

  test('a barrage of bad requests changes nothing', async () => {
    const bad = ['/api/v1/units/abc', "/api/v1/units/'%20OR%201=1", '/api/v1/units?q=%27%3B%20DELETE%20FROM%20units%3B--',
                 '/api/v1/locate?lat=NaN&lon=1', '/../.git/config', '/api/v1/units/440111/geojson?level=foo'];
    await Promise.all(Array.from({ length: 200 }, (_, i) => srv.get(bad[i % bad.length])));
    for (const b of ['{"points":', '[]', '{"points":[["x",1]]}', '{"points":[[113.3,23.2]],"points":[]}']) {
      await srv.post('/api/v1/locate/batch', b, { raw: true });
    }
    await srv.post('/api/v1/locate/batch', 'x'.repeat(3 << 20), { raw: true });
    await healthy(srv);
    assert.equal((await srv.get('/api/v1/units/440111')).text, before440111);
    assert.equal((await srv.get('/api/v1/units/440111/children')).text, beforeChildren);
    assert.equal((await srv.get('/api/v1/units/440111002')).text, beforeTown);
    const h = await srv.get('/healthz');
    assert.equal(h.json.units, 1 + 24 + 404 + 1145 + 3454);
    assert.equal(h.json.grids, 3454);
  });
});
