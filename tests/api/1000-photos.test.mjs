// Photos of grid events: POST /api/v1/photos (raw bytes, the type read from
// the content) and GET /api/v1/photos/:sha (the bytes, cacheable for good).
//
// Every accepted type (JPEG, PNG, WebP lossy/lossless/extended) is uploaded
// and fetched back byte for byte; the same bytes twice are one photo (200,
// one file); the limits (exactly 10 MiB passes, one byte more is 413 — with
// Content-Length, chunked, and before the log-in is even looked at for an
// anonymous caller), the type check (a name or Content-Type is no proof),
// malformed and unknown hashes, anonymous callers, cookie sessions without
// CSRF, a photo whose file went missing, and a photo directory that cannot
// be used at start-up. Runs on SQLite and, with WANGGE_TEST_PG, PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, assertError, demoDb, tmpDir, wangge, PG } from './lib/harness.mjs';

const PASSWORD = 'Wangge@2026';               // the demo users' password
const MiB = 1024 * 1024;

// Real minimal images: an 8x8 grey baseline JPEG, a 1x1 PNG, 1x1 WebPs.
const JPEG = Buffer.from(
  'ffd8ffe000104a46494600010100000100010000ffdb004300' + '01'.repeat(64) +
  'ffc0000b080008000801011100' + 'ffc4001400' + '01' + '00'.repeat(15) + '00' +
  'ffc4001410' + '01' + '00'.repeat(15) + '00' + 'ffda0008010100003f00' + '3fffd9', 'hex');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
const WEBP_LOSSY = Buffer.from('UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA', 'base64');
const WEBP_LOSSLESS = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
const WEBP_EXTENDED = Buffer.from('UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==', 'base64');

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
/** A JPEG of exactly n bytes: the header, then filler (the content check reads the header). */
function jpegOfSize(n, fill = 0x5a) {
  const b = Buffer.alloc(n, fill);
  JPEG.copy(b, 0, 0, Math.min(JPEG.length, n));
  return b;
}

let srv;
let photos;                                    // the server's photo directory
let token;                                     // a resident's bearer token
const bearer = () => ({ authorization: `Bearer ${token}` });

async function login(username, kind = 'app') {
  const r = await srv.post('/api/v1/auth/login', { username, password: PASSWORD, kind });
  assert.equal(r.status, 200, r.text);
  return r;
}

const upload = (body, headers = bearer()) => srv.request('POST', '/api/v1/photos', { body, raw: true, headers });

/** A request through node:http: exact paths (no URL normalisation) and chunked bodies. */
function hreq(path, { method = 'GET', headers = {}, body, chunks } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.url);              // path as is: `..` is not resolved away
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(parts);
        let json;
        try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, buf, text: buf.toString('utf8'), json });
      });
    });
    req.on('error', reject);
    if (chunks) {                              // no Content-Length: chunked transfer
      (async () => {
        for (const c of chunks) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        req.end();
      })();
    } else {
      req.end(body);
    }
  });
}

before(async () => {
  photos = join(tmpDir(), 'photos');
  srv = await startServer({ db: demoDb(), args: ['--photos', photos] });
  token = (await login('resident')).json.token;
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

test('the photo directory is created 0750 at start and named in the log', () => {
  const st = statSync(photos);
  assert.ok(st.isDirectory());
  assert.equal(st.mode & 0o777 & ~0o750, 0, (st.mode & 0o777).toString(8));
  assert.match(srv.stderr, new RegExp(`photos ${photos},`));
});

test('upload each type: 201 with sha256, mime (from the content), bytes and url; fetch back byte for byte', async () => {
  for (const [name, img, mime] of [['jpeg', JPEG, 'image/jpeg'], ['png', PNG, 'image/png'],
                                   ['webp lossy', WEBP_LOSSY, 'image/webp'], ['webp lossless', WEBP_LOSSLESS, 'image/webp'],
                                   ['webp extended', WEBP_EXTENDED, 'image/webp']]) {
    // the Content-Type says something else: it is not believed
    const r = await upload(img, { ...bearer(), 'content-type': 'application/octet-stream' });
    assert.equal(r.status, 201, `${name}: ${r.text}`);
    const sha = sha256(img);
    assert.deepEqual(r.json, { sha256: sha, mime, bytes: img.length, url: `/api/v1/photos/${sha}` });
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const g = await srv.get(r.json.url, { headers: bearer() });
    assert.equal(g.status, 200, name);
    assert.ok(g.buf.equals(img), `${name}: the same bytes back`);
    assert.equal(g.headers.get('content-type'), mime);
    assert.equal(g.headers.get('content-length'), String(img.length));
    assert.equal(g.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    assert.equal(g.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(g.headers.get('etag'), `"${sha}"`);
    // on disk: <dir>/<first two hex>/<sha>
    assert.ok(readFileSync(join(photos, sha.slice(0, 2), sha)).equals(img));
  }
});

test('the same bytes twice: 200 with the same answer, one file, no temporary files left', async () => {
  const img = jpegOfSize(4096, 0x11);
  const sha = sha256(img);
  const first = await upload(img);
  assert.equal(first.status, 201, first.text);
  const again = await upload(img);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, first.json);
  assert.deepEqual(readdirSync(join(photos, sha.slice(0, 2))).filter((n) => n.includes(sha)), [sha]);
  for (const sub of readdirSync(photos)) {
    for (const f of readdirSync(join(photos, sub))) assert.match(f, /^[0-9a-f]{64}$/, `stray file ${sub}/${f}`);
  }
  // another user sending the same bytes gets the same photo
  const other = (await login('gridworker')).json.token;
  const r = await upload(img, { authorization: `Bearer ${other}` });
  assert.equal(r.status, 200);
  assert.equal(r.json.sha256, sha);
});

test('large photos: exactly 10 MiB is stored and served whole; one byte more is 413 photo.too_large', async () => {
  const big = jpegOfSize(10 * MiB, 0xa7);
  const r = await upload(big);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.bytes, 10 * MiB);
  // a 10 MiB reply, not gzipped even when the client would accept it
  const g = await srv.get(r.json.url, { headers: { ...bearer(), 'accept-encoding': 'gzip' } });
  assert.equal(g.status, 200);
  assert.equal(g.headers.get('content-encoding'), null);
  assert.equal(g.buf.length, 10 * MiB);
  assert.equal(sha256(g.buf), r.json.sha256);

  const over = await upload(jpegOfSize(10 * MiB + 1));
  assertError(assert, over, 413, 'photo.too_large');
  const eleven = await upload(jpegOfSize(11 * MiB));
  assertError(assert, eleven, 413, 'photo.too_large');
  assert.match(eleven.json.error.message_en, /10 MB/);
  // chunked, so the size is only known while reading: the same answer
  const chunks = Array.from({ length: 11 }, () => jpegOfSize(MiB));
  const c = await hreq('/api/v1/photos', { method: 'POST', headers: bearer(), chunks });
  assertError(assert, c, 413, 'photo.too_large');
  // the other routes keep the server's limit (2 MiB): the photo limit is the route's own
  const batch = await srv.request('POST', '/api/v1/locate/batch', { body: 'x'.repeat(3 * MiB), raw: true });
  assertError(assert, batch, 413, 'http.body_too_large');
});

test('not an image by content: 415 photo.bad_type, whatever the name or Content-Type says; empty: 400', async () => {
  const cases = [
    [Buffer.from('hello, this is text'), { 'content-type': 'image/jpeg', 'content-disposition': 'attachment; filename="photo.jpg"' }],
    [Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), { 'content-type': 'image/gif' }],
    [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), { 'content-type': 'image/svg+xml' }],
    [PNG.subarray(0, 20), { 'content-type': 'image/png' }],         // header cut short
    [JPEG.subarray(0, 3), { 'content-type': 'image/jpeg' }],
    [Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1'), Buffer.alloc(8)]), {}],
    [Buffer.alloc(1024), {}],                                       // zeros
  ];
  for (const [body, h] of cases) {
    const r = await upload(body, { ...bearer(), ...h });
    assertError(assert, r, 415, 'photo.bad_type');
  }
  const empty = await upload(Buffer.alloc(0));
  assertError(assert, empty, 400, 'photo.empty');
  const none = await srv.request('POST', '/api/v1/photos', { headers: bearer() });
  assertError(assert, none, 400, 'photo.empty');
});

test('bytes with NULs and every byte value arrive intact', async () => {
  const img = Buffer.concat([JPEG.subarray(0, 20), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)), Buffer.alloc(100)]);
  const r = await upload(img);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.sha256, sha256(img));
  assert.equal(r.json.bytes, img.length);
  const g = await srv.get(r.json.url, { headers: bearer() });
  assert.ok(g.buf.equals(img));
});

test('conditional and HEAD requests', async () => {
  const r = await upload(PNG);
  const etag = `"${r.json.sha256}"`;
  const nm = await srv.get(r.json.url, { headers: { ...bearer(), 'if-none-match': etag } });
  assert.equal(nm.status, 304);
  assert.equal(nm.buf.length, 0);
  assert.equal(nm.headers.get('etag'), etag);
  const other = await srv.get(r.json.url, { headers: { ...bearer(), 'if-none-match': '"0000"' } });
  assert.equal(other.status, 200);
  const head = await srv.request('HEAD', r.json.url, { headers: bearer() });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'image/png');
  assert.equal(head.buf.length, 0);
});

test('malformed hashes: 400 photo.bad_hash before anything touches the disk; unknown: 404', async () => {
  const good = sha256(PNG);
  for (const bad of [good.toUpperCase(), good.slice(0, 63), good + 'a', 'g'.repeat(64), 'x', '..', '%2e%2e',
                     '..%2f..%2fetc%2fpasswd'.replace(/%2f/g, '%5c'), `${good.slice(0, 62)}%00a`, '%20' + good.slice(1)]) {
    const r = await hreq(`/api/v1/photos/${bad}`, { headers: bearer() });
    assert.equal(r.status, 400, `${bad}: ${r.text}`);
    assertError(assert, r, 400, 'photo.bad_hash');
  }
  // a traversal with real slashes is no photo route at all
  const t = await hreq('/api/v1/photos/..%2f..%2f..%2fetc%2fpasswd', { headers: bearer() });
  assert.ok(t.status === 404 || t.status === 400, t.text);
  assert.ok(!t.text.includes('root:'), 'no file content');
  const unknown = await srv.get(`/api/v1/photos/${'0'.repeat(64)}`, { headers: bearer() });
  assertError(assert, unknown, 404, 'photo.not_found');
});

test('anonymous and bad credentials: 401 (upload and fetch); the body of a refused upload is not taken', async () => {
  const r = await upload(JPEG, {});
  assertError(assert, r, 401, 'auth.required');
  const g = await srv.get(`/api/v1/photos/${sha256(JPEG)}`);
  assertError(assert, g, 401, 'auth.required');
  const bad = await upload(JPEG, { authorization: 'Bearer wgt_not_a_real_token' });
  assert.equal(bad.status, 401);
  // a large anonymous upload is refused (checked before the body is read),
  // and the connection stays usable: several in a row on one keep-alive agent
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) {
    const res = await new Promise((resolve, reject) => {
      const req = http.request(srv.url + '/api/v1/photos', { method: 'POST', agent }, (rs) => {
        let t = '';
        rs.on('data', (d) => { t += d; });
        rs.on('end', () => resolve({ status: rs.statusCode, text: t }));
      });
      req.on('error', reject);
      req.end(jpegOfSize(3 * MiB));
    });
    assert.equal(res.status, 401, res.text);
  }
  agent.destroy();
});

test('a cookie session needs its CSRF token to upload; with it, 201', async () => {
  const r = await login('gridworker', 'web');
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const img = jpegOfSize(2048, 0x33);
  const no = await upload(img, { cookie });
  assertError(assert, no, 403, 'auth.csrf');
  const yes = await upload(img, { cookie, 'x-csrf-token': r.json.csrf_token });
  assert.equal(yes.status, 201, yes.text);
  // reading needs no CSRF token (a GET)
  const g = await srv.get(yes.json.url, { headers: { cookie } });
  assert.equal(g.status, 200);
});

test('a photo whose file is gone: 500 photo.io (logged); uploading it again repairs it', async () => {
  const img = jpegOfSize(3000, 0x44);
  const r = await upload(img);
  assert.equal(r.status, 201);
  const file = join(photos, r.json.sha256.slice(0, 2), r.json.sha256);
  unlinkSync(file);
  const g = await srv.get(r.json.url, { headers: bearer() });
  assertError(assert, g, 500, 'photo.io');
  assert.match(srv.stderr, /restore the photo directory/);
  const again = await upload(img);
  assert.equal(again.status, 200);
  assert.ok(readFileSync(file).equals(img));
  assert.equal((await srv.get(r.json.url, { headers: bearer() })).status, 200);
});

test('start-up: a photo directory that cannot be made or written stops the server with a clear message', () => {
  const base = tmpDir();
  writeFileSync(join(base, 'file'), 'x');
  for (const dir of [join(base, 'file'), join(base, 'file', 'photos'), join(base, 'no', 'such', 'photos')]) {
    const r = wangge(['serve', '--db', PG ? 'postgresql://127.0.0.1:1/none' : join(base, 'x.db'),
                      '--listen', '127.0.0.1:0', '--photos', dir], { timeout: 20000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /photo directory/);
    assert.ok(r.stderr.includes(dir), r.stderr);
  }
  assert.match(wangge(['help', 'serve']).stdout + wangge(['help', 'serve']).stderr, /--photos DIR/);
});

test('[server] photos in the ini file names the directory; --photos wins over it', async () => {
  const base = tmpDir();
  const ini = join(base, 'wangge.ini');
  writeFileSync(ini, `[server]\nphotos = ${join(base, 'from-ini')}\n`);
  const s = await startServer({ args: ['--config', ini] });
  try {
    assert.ok(existsSync(join(base, 'from-ini')) || PG, 'created from the ini file');
    assert.match(s.stderr, PG ? /photos / : new RegExp(`photos ${join(base, 'from-ini')},`));
  } finally {
    assert.equal(await s.stop(), 0);
  }
  const s2 = await startServer({ args: ['--config', ini, '--photos', join(base, 'from-cli')] });
  try {
    assert.ok(existsSync(join(base, 'from-cli')));
    assert.match(s2.stderr, new RegExp(`photos ${join(base, 'from-cli')},`));
  } finally {
    assert.equal(await s2.stop(), 0);
  }
});

test('default photo directory: beside a SQLite database file', { skip: PG ? 'SQLite only' : false }, async () => {
  const s = await startServer({ db: join(tmpDir(), 'w.db') });
  try {
    assert.ok(existsSync(`${s.db}.photos`));
    assert.equal(statSync(`${s.db}.photos`).mode & 0o777 & ~0o750, 0);
    const t = (await s.post('/api/v1/auth/login', { username: 'nobody', password: 'x', kind: 'app' })).status;
    assert.equal(t, 401);                    // (no users here: the directory is what is tested)
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
