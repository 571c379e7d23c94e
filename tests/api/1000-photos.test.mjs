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
// be used at start-up. Photos lose their owner's metadata on the way in: a
// phone JPEG with Exif GPS, make, model and XMP (both byte orders) is served
// with nothing but its orientation, a PNG without its text chunks, a WebP
// without EXIF/XMP; the hash names the cleaned bytes; a JPEG that cannot be
// walked is 400 photo.bad_image and leaves no file. Runs on SQLite and, with
// WANGGE_TEST_PG, PostgreSQL.
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
  // (after the scan starts: what comes before it is walked segment by segment)
  const img = Buffer.concat([JPEG, Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)), Buffer.alloc(100)]);
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

// ------------------------------------------------------------ metadata

/** Big- or little-endian writers for TIFF numbers. */
const u16 = (v, le) => { const b = Buffer.alloc(2); le ? b.writeUInt16LE(v) : b.writeUInt16BE(v); return b; };
const u32 = (v, le) => { const b = Buffer.alloc(4); le ? b.writeUInt32LE(v) : b.writeUInt32BE(v); return b; };
const MAKE = 'HUAWEI\0', MODEL = 'ELS-AN00\0';
/** An Exif TIFF block as a phone writes it: Make, Model, Orientation, a GPS IFD
 *  with latitude 23° 10' 34.56" N and longitude 113° 16' 12.34" E. */
function phoneTiff(le, orientation) {
  const entry = (tag, type, count, value) => Buffer.concat([u16(tag, le), u16(type, le), u32(count, le),
    Buffer.isBuffer(value) ? value : u32(value, le)]);
  const ifd0End = 8 + 2 + 4 * 12 + 4;
  const make = ifd0End, model = make + MAKE.length, gps = model + MODEL.length;
  const rationals = gps + 2 + 4 * 12 + 4;
  const rat = (...v) => Buffer.concat(v.flatMap(([a, b]) => [u32(a, le), u32(b, le)]));
  return Buffer.concat([
    Buffer.from(le ? 'II' : 'MM'), u16(42, le), u32(8, le), u16(4, le),
    entry(0x010f, 2, MAKE.length, make), entry(0x0110, 2, MODEL.length, model),
    entry(0x0112, 3, 1, Buffer.concat([u16(orientation, le), Buffer.alloc(2)])),
    entry(0x8825, 4, 1, gps), u32(0, le),
    Buffer.from(MAKE, 'latin1'), Buffer.from(MODEL, 'latin1'),
    u16(4, le), entry(0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1')), entry(0x0002, 5, 3, rationals),
    entry(0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1')), entry(0x0004, 5, 3, rationals + 24), u32(0, le),
    rat([23, 1], [10, 1], [3456, 100]), rat([113, 1], [16, 1], [1234, 100]),
  ]);
}
const segment = (marker, payload) => Buffer.concat([Buffer.from([0xff, marker]), u16(payload.length + 2, false), payload]);
const XMP = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>23,10.576N</exif:GPSLatitude></x:xmpmeta>', 'latin1');
const ICC = Buffer.from('ICC_PROFILE\0\x01\x01display p3', 'latin1');
/** The sample JPEG as a phone sends it: Exif, XMP, ICC and a comment after its JFIF segment. */
function phoneJpeg(le, orientation) {
  return Buffer.concat([JPEG.subarray(0, 20), segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), phoneTiff(le, orientation)])),
                        segment(0xe1, XMP), segment(0xe2, ICC), segment(0xfe, Buffer.from('张三的手机')), JPEG.subarray(20)]);
}
/** The APPn and COM segments of a JPEG, up to its scan: [{ marker, payload }]. */
function segments(b) {
  const out = [];
  assert.equal(b.readUInt16BE(0), 0xffd8);
  for (let i = 2; ;) {
    assert.equal(b[i], 0xff, `a marker at ${i}`);
    const marker = b[i + 1], len = b.readUInt16BE(i + 2);
    if (marker === 0xda) return out;
    if (marker >= 0xe0) out.push({ marker, payload: b.subarray(i + 4, i + 2 + len) });
    i += 2 + len;
  }
}
/** CRC-32 of a PNG chunk's type and data. */
function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
const has = (buf, s) => buf.includes(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

test('a phone JPEG is stored without its Exif GPS, make, model, XMP and comment; its orientation stays (both byte orders)', async () => {
  for (const le of [false, true]) {
    const img = phoneJpeg(le, 6);
    assert.ok(has(img, 'HUAWEI') && has(img, u32(3456, le)));
    const r = await upload(img);
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.sha256, sha256(img), 'the hash is not of the bytes as sent');
    const g = await srv.get(r.json.url, { headers: bearer() });
    assert.equal(g.status, 200);
    const served = g.buf;
    assert.equal(r.json.sha256, sha256(served), 'the hash names what is served');
    assert.equal(r.json.bytes, served.length);
    assert.ok(readFileSync(join(photos, r.json.sha256.slice(0, 2), r.json.sha256)).equals(served), 'and what is on disk');
    for (const s of ['HUAWEI', 'ELS-AN00', 'xmpmeta', 'GPSLatitude', Buffer.from('张三'), u32(3456, le), u32(1234, le)])
      assert.ok(!has(served, s), `${le ? 'II' : 'MM'}: ${s} is gone`);
    // SOI, JFIF, one Exif with IFD0 = {Orientation: 6} alone, the ICC profile, then the image as it was
    const segs = segments(served);
    assert.deepEqual(segs.map((s) => s.marker), [0xe0, 0xe1, 0xe2]);
    const exif = segs[1].payload;
    assert.equal(exif.length, 32);
    assert.equal(exif.subarray(0, 6).toString('latin1'), 'Exif\0\0');
    const t = exif.subarray(6);
    assert.equal(t.subarray(0, 2).toString('latin1'), le ? 'II' : 'MM');
    const r16 = (o) => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
    const r32 = (o) => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
    assert.equal(r16(2), 42);
    assert.equal(r32(4), 8);
    assert.equal(r16(8), 1, 'one entry');
    assert.deepEqual([r16(10), r16(12), r32(14), r16(18)], [0x0112, 3, 1, 6]);
    assert.equal(r32(22), 0, 'no next IFD (no GPS, no thumbnail)');
    assert.ok(segs[2].payload.equals(ICC));
    assert.ok(served.subarray(served.length - (JPEG.length - 20)).equals(JPEG.subarray(20)), 'tables and scan untouched');
    // the same phone photo again is the photo stored before; so are the cleaned bytes
    const again = await upload(img);
    assert.equal(again.status, 200);
    assert.equal(again.json.sha256, r.json.sha256);
    assert.equal((await upload(served)).json.sha256, r.json.sha256);
  }
  assert.match(srv.stderr, /3 metadata blocks removed \(\d+ of \d+ bytes\), orientation 6/);
});

test('upright (orientation 1) or no valid orientation: no Exif is left at all', async () => {
  const first = await upload(phoneJpeg(true, 1));
  assert.equal(first.status, 201, first.text);
  const g = await srv.get(first.json.url, { headers: bearer() });
  assert.deepEqual(segments(g.buf).map((s) => s.marker), [0xe0, 0xe2]);
  assert.ok(!has(g.buf, 'Exif'));
  // orientation 0 (invalid) cleans to the very same bytes: the photo stored before
  const second = await upload(phoneJpeg(false, 0));
  assert.equal(second.status, 200, second.text);
  assert.equal(second.json.sha256, first.json.sha256);
});

test('PNG text chunks and WebP EXIF/XMP chunks are removed', async () => {
  const chunk = (type, data) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32(data.length, false), td, u32(crc32(td), false)]);
  };
  const png = Buffer.concat([PNG.subarray(0, 33), chunk('tEXt', Buffer.from('Author\0Zhang San', 'latin1')),
                             chunk('eXIf', phoneTiff(false, 1)), chunk('tIME', Buffer.from([7, 234, 1, 2, 3, 4, 5])),
                             PNG.subarray(33)]);
  let r = await upload(png);
  assert.ok([200, 201].includes(r.status), r.text);       // the plain PNG may have been sent above
  let g = await srv.get(r.json.url, { headers: bearer() });
  assert.ok(g.buf.equals(PNG), 'back to the plain PNG');
  assert.equal(r.json.sha256, sha256(PNG));

  // the extended sample with EXIF and XMP chunks and their flags set
  const riff = (fourcc, data) => Buffer.concat([Buffer.from(fourcc, 'latin1'), u32(data.length, true), data,
                                                Buffer.alloc(data.length % 2)]);
  const body = Buffer.concat([WEBP_EXTENDED.subarray(12), riff('EXIF', phoneTiff(true, 6)), riff('XMP ', XMP.subarray(29))]);
  body[8] |= 0x08 | 0x04;
  const webp = Buffer.concat([Buffer.from('RIFF', 'latin1'), u32(body.length + 4, true), Buffer.from('WEBP', 'latin1'), body]);
  r = await upload(webp);
  assert.ok([200, 201].includes(r.status), r.text);
  assert.equal(r.json.sha256, sha256(WEBP_EXTENDED));
  g = await srv.get(r.json.url, { headers: bearer() });
  assert.ok(g.buf.equals(WEBP_EXTENDED), 'back to the sample: chunks, flags and RIFF size');
});

test('a JPEG that cannot be walked before its scan: 400 photo.bad_image, nothing stored', async () => {
  const before = readdirSync(photos).flatMap((d) => readdirSync(join(photos, d))).length;
  for (const body of [Buffer.concat([JPEG.subarray(0, 20), Buffer.from('not a segment')]),
                      Buffer.concat([JPEG.subarray(0, 20), Buffer.from([0xff, 0xe1, 0x7f, 0xff]), Buffer.from('Exif\0\0MM')]),
                      Buffer.concat([JPEG.subarray(0, 20), Buffer.from([0xff, 0xd9])]),
                      phoneJpeg(false, 6).subarray(0, 60)]) {
    const r = await upload(body);
    assertError(assert, r, 400, 'photo.bad_image');
    assert.match(r.json.error.message_en, /damaged.*\(byte \d+\)/);
  }
  assert.equal(readdirSync(photos).flatMap((d) => readdirSync(join(photos, d))).length, before);
});
