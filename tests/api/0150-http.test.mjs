// The HTTP layer itself: keep-alive, static files (ETag/304, gzip, MIME
// types), /metrics, the access log, graceful shutdown and the server's
// settings (--config, --listen).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tmpDir, tmpDb, BIN, ROOT, assertError } from './lib/harness.mjs';

// ------------------------------------------------------------------ helpers

/** One request with node:http (no automatic decompression, unlike fetch). */
function hreq(base, path, { method = 'GET', headers = {}, body, agent } = {}) {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method, headers, agent: agent || false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, buf: Buffer.concat(chunks),
                                    reused: req.reusedSocket, localPort: req.socket?.localPort }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    else req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A web folder with one file of each type. */
function fixtureWeb() {
  const web = join(tmpDir(), 'web');
  mkdirSync(join(web, 'js'), { recursive: true });
  mkdirSync(join(web, 'css'), { recursive: true });
  const filler = Array.from({ length: 400 }, (_, i) => `  网格 ${i}: 白云区 grid number ${i}`).join('\n');
  writeFileSync(join(web, 'index.html'), `<!doctype html><html><head><title>网格</title></head><body>\n${filler}\n</body></html>\n`);
  writeFileSync(join(web, 'screen.html'), '<!doctype html><title>screen</title>');
  writeFileSync(join(web, 'js', 'app.js'), `// app\nconst lines = [\n${filler.split('\n').map((l) => JSON.stringify(l)).join(',\n')}];\n`);
  writeFileSync(join(web, 'js', 'mod.mjs'), 'export const x = 1;\n');
  writeFileSync(join(web, 'css', 'site.css'), `body { color: #333; }\n${'.g { margin: 0; }\n'.repeat(100)}`);
  writeFileSync(join(web, 'data.json'), JSON.stringify({ towns: Array.from({ length: 200 }, (_, i) => ({ code: 440111000 + i, name: `镇街${i}` })) }));
  writeFileSync(join(web, 'tiny.json'), '{"a":1}');
  writeFileSync(join(web, 'logo.svg'), `<svg xmlns="http://www.w3.org/2000/svg">${'<g/>'.repeat(300)}</svg>`);
  writeFileSync(join(web, 'pic.png'), Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
  writeFileSync(join(web, 'blob.bin'), Buffer.alloc(4096, 7));
  return web;
}

/** Spawn `wangge serve ARGS`; resolves once it listens or exits. */
function serve(args, { cwd = ROOT } = {}) {
  const child = spawn(BIN, ['serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise((r) => child.on('exit', (code, sig) => r(code ?? sig)));
  const started = new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ url: null }), 30000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(stderr);
      if (m) { clearTimeout(timer); resolve({ url: m[1] }); }
    });
    exited.then(() => { clearTimeout(timer); resolve({ url: null }); });
  });
  child.stdout.resume();
  return started.then(({ url }) => ({
    url, child, exited, get stderr() { return stderr; },
    async stop() { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); return exited; },
  }));
}

/** Run `wangge serve ARGS` expecting it to fail: { code, stderr }. */
async function serveFails(args) {
  const s = await serve(args);
  if (s.url) {
    await s.stop();
    assert.fail(`server started with ${args.join(' ')}`);
  }
  return { code: await s.exited, stderr: s.stderr };
}

/** The failure is one "wangge serve: ..." line, the last one written. */
function assertOneLineFailure(r, re) {
  assert.ok(typeof r.code === 'number' && r.code !== 0, `exit ${r.code}`);
  const lines = r.stderr.trim().split('\n');
  const errs = lines.filter((l) => /^wangge serve: /.test(l));
  assert.equal(errs.length, 1, `one error line expected:\n${r.stderr}`);
  assert.equal(lines[lines.length - 1], errs[0], `the error line comes last:\n${r.stderr}`);
  if (re) assert.match(errs[0], re);
}

/** Parse Prometheus text into { 'name{labels}': value }. */
function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `bad metrics line: ${line}`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

// ------------------------------------------------------------- keep-alive

describe('keep-alive', () => {
  let srv, web;
  before(async () => { web = fixtureWeb(); srv = await startServer({ args: ['--web', web] }); });
  after(async () => { assert.equal(await srv.stop(), 0, srv.stderr); });

  test('many requests of every kind on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const seq = [
      ['GET', '/healthz', 200], ['GET', '/api/v1/units/440111', 404], ['GET', '/api/v1/units/abc', 400],
      ['GET', '/index.html', 200], ['GET', '/js/app.js', 200], ['GET', '/nope', 404], ['DELETE', '/healthz', 405],
      ['POST', '/api/v1/locate/batch', 200, { points: [[113.3, 23.2]] }], ['POST', '/api/v1/locate/batch', 400, '{'],
      ['GET', '/vendor/echarts/echarts.min.js', 200], ['HEAD', '/healthz', 200], ['GET', '/metrics', 200],
      ['GET', '/api/v1/locate?lat=23.2&lon=113.3', 404], ['GET', '/api/v1/units?q=x', 200],
      // a body past the limit is drained and answered; the connection survives
      ['POST', '/api/v1/locate/batch', 413, 'x'.repeat(2 * 1024 * 1024 + 10)],
      ['GET', '/healthz', 200],
    ];
    let port;
    for (const [i, [method, path, status, body]] of seq.entries()) {
      const r = await hreq(srv.url, path, { method, agent, body, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(r.status, status, `${method} ${path}: ${r.buf.toString().slice(0, 200)}`);
      assert.notEqual((r.headers.connection || '').toLowerCase(), 'close', `${method} ${path} closes the connection`);
      if (i === 0) { port = r.localPort; assert.equal(r.reused, false); continue; }
      assert.equal(r.reused, true, `${method} ${path}: a new connection was opened`);
      assert.equal(r.localPort, port, `${method} ${path}: another socket`);
    }
    agent.destroy();
  });

  test('pipelined requests are answered in order', async () => {
    const { port } = new URL(srv.url);
    const paths = ['/healthz', '/api/v1/units/abc', '/nope', '/tiny.json', '/healthz'];
    const text = await new Promise((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () => {
        s.write(paths.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: t\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''));
      });
      const chunks = [];
      s.on('data', (d) => chunks.push(d));
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      s.on('error', reject);
      setTimeout(() => s.destroy(), 10000);
    });
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 400, 404, 200, 200]);
  });

  test('HTTP/1.0 closes unless asked to keep alive', async () => {
    const { port } = new URL(srv.url);
    const t = await new Promise((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1', () => s.write('GET /healthz HTTP/1.0\r\n\r\n'));
      const chunks = [];
      s.on('data', (d) => chunks.push(d));
      s.on('close', () => resolve(Buffer.concat(chunks).toString()));
    });
    assert.match(t, /^HTTP\/1\.[01] 200/);
    assert.match(t, /"status":"ok"/);
  });
});

// ------------------------------------------------------------ static files

describe('static files', () => {
  let srv, web;
  before(async () => { web = fixtureWeb(); srv = await startServer({ args: ['--web', web] }); });
  after(async () => { assert.equal(await srv.stop(), 0, srv.stderr); });

  test('MIME types and nosniff', async () => {
    const want = {
      '/': /^text\/html; charset=utf-8$/, '/index.html': /^text\/html; charset=utf-8$/, '/screen': /^text\/html/,
      '/js/app.js': /^text\/javascript; charset=utf-8$/, '/js/mod.mjs': /^text\/javascript/,
      '/css/site.css': /^text\/css; charset=utf-8$/, '/data.json': /^application\/json/, '/logo.svg': /^image\/svg\+xml/,
      '/pic.png': /^image\/png$/, '/blob.bin': /^application\/octet-stream$/,
      '/vendor/echarts/echarts.min.js': /^text\/javascript/, '/vendor/echarts/echarts.js.map': /^application\/json/,
    };
    for (const [p, re] of Object.entries(want)) {
      const r = await hreq(srv.url, p);
      if (p.endsWith('.map') && r.status === 404) continue;       // source maps are optional
      assert.equal(r.status, 200, p);
      assert.match(r.headers['content-type'], re, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    }
    const screen = await hreq(srv.url, '/screen');
    assert.match(screen.buf.toString(), /<title>screen<\/title>/);
    assert.equal((await hreq(srv.url, '/data.json')).buf.toString(), readFileSync(join(web, 'data.json'), 'utf8'));
    // API replies, errors and the metrics text say what they are too
    for (const [p, re, st] of [['/healthz', /^application\/json; charset=utf-8$/, 200], ['/api/v1/units/abc', /^application\/json/, 400],
                               ['/nope', /^application\/json/, 404], ['/metrics', /^text\/plain; version=0\.0\.4/, 200]]) {
      const r = await hreq(srv.url, p);
      assert.equal(r.status, st, p);
      assert.match(r.headers['content-type'], re, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    }
    const r405 = await hreq(srv.url, '/healthz', { method: 'POST', body: '{}' });
    assert.equal(r405.headers['x-content-type-options'], 'nosniff');
    // API replies are never cached; static ones are revalidated, vendor ones cached
    assert.equal((await hreq(srv.url, '/healthz')).headers['cache-control'], 'no-store');
    assert.equal((await hreq(srv.url, '/index.html')).headers['cache-control'], 'no-cache');
    assert.match((await hreq(srv.url, '/vendor/echarts/echarts.min.js')).headers['cache-control'], /max-age=\d+/);
  });

  for (const p of ['/index.html', '/js/app.js', '/vendor/echarts/echarts.min.js']) {
    test(`ETag and 304 for ${p}`, async () => {
      const a = await hreq(srv.url, p);
      assert.equal(a.status, 200);
      const etag = a.headers.etag;
      assert.match(etag, /^"[0-9a-f]{16,}"$/);
      assert.equal((await hreq(srv.url, p)).headers.etag, etag, 'stable');
      for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`]) {
        const b = await hreq(srv.url, p, { headers: { 'if-none-match': inm } });
        assert.equal(b.status, 304, inm);
        assert.equal(b.buf.length, 0);
        assert.equal(b.headers.etag, etag);
        assert.equal(b.headers['x-content-type-options'], 'nosniff');
      }
      for (const inm of ['"nope"', '"' + '0'.repeat(32) + '"', '']) {
        const c = await hreq(srv.url, p, { headers: { 'if-none-match': inm } });
        assert.equal(c.status, 200, inm);
        assert.equal(c.buf.length, a.buf.length);
      }
      // gzip and identity share the ETag's validator: 304 either way
      const z = await hreq(srv.url, p, { headers: { 'if-none-match': etag, 'accept-encoding': 'gzip' } });
      assert.equal(z.status, 304);
    });
  }

  test('a changed file gets a new ETag and new contents', async () => {
    const f = join(web, 'js', 'changing.js');
    writeFileSync(f, 'var v = 1;\n');
    const a = await hreq(srv.url, '/js/changing.js');
    assert.equal(a.buf.toString(), 'var v = 1;\n');
    await sleep(20);
    writeFileSync(f, 'var v = 22;\n');
    const b = await hreq(srv.url, '/js/changing.js', { headers: { 'if-none-match': a.headers.etag } });
    assert.equal(b.status, 200);
    assert.equal(b.buf.toString(), 'var v = 22;\n');
    assert.notEqual(b.headers.etag, a.headers.etag);
  });

  for (const p of ['/index.html', '/js/app.js', '/css/site.css', '/data.json', '/logo.svg', '/vendor/echarts/echarts.min.js']) {
    test(`gzip for ${p} decompresses to the same bytes`, async () => {
      const plain = await hreq(srv.url, p);
      const gz = await hreq(srv.url, p, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.match(gz.headers.vary || '', /accept-encoding/i);
      assert.equal(Number(gz.headers['content-length']), gz.buf.length);
      assert.ok(gz.buf.length < plain.buf.length, 'smaller');
      assert.ok(zlib.gunzipSync(gz.buf).equals(plain.buf), 'same bytes');
      assert.equal(gz.headers.etag, plain.headers.etag);
      // only gzip is spoken
      const br = await hreq(srv.url, p, { headers: { 'accept-encoding': 'br, deflate' } });
      assert.equal(br.headers['content-encoding'], undefined);
      assert.ok(br.buf.equals(plain.buf));
    });
  }

  test('binary and tiny files are sent as they are', async () => {
    for (const p of ['/pic.png', '/tiny.json', '/blob.bin']) {
      const r = await hreq(srv.url, p, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], undefined, p);
    }
    const png = await hreq(srv.url, '/pic.png');
    assert.ok(png.buf.equals(readFileSync(join(web, 'pic.png'))));
  });

  test('gzip of large API replies', async () => {
    // /metrics grows past the 2 KiB threshold after a few routes were used
    for (const p of ['/healthz', '/api/v1/units/abc', '/nope', '/api/v1/units?q=a', '/api/v1/locate?lat=1&lon=1']) await hreq(srv.url, p);
    const plain = await hreq(srv.url, '/metrics');
    assert.ok(plain.buf.length > 2048, `metrics ${plain.buf.length} bytes`);
    const gz = await hreq(srv.url, '/metrics', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(zlib.gunzipSync(gz.buf).toString(), /^# HELP wangge_http_requests_total/);
    // small replies are not worth it
    const h = await hreq(srv.url, '/healthz', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(h.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(h.buf).status, 'ok');
  });
});

// ----------------------------------------------------------------- metrics

test('/metrics counts requests by route and status and has a latency histogram', async () => {
  const srv = await startServer({ args: ['--web', fixtureWeb()] });
  try {
    const m0 = parseMetrics((await srv.get('/metrics')).text);
    const plan = [['/healthz', 3], ['/api/v1/units/abc', 2], ['/api/v1/units/440111', 4], ['/nope.html', 2],
                  ['/index.html', 5], ['/api/v1/nope', 1], ['/api/v1/locate?lat=x&lon=1', 2]];
    for (const [p, n] of plan) for (let i = 0; i < n; i++) await srv.get(p);
    await srv.request('DELETE', '/healthz');
    await srv.post('/api/v1/locate/batch', { points: [[1, 2]] });
    const text = (await srv.get('/metrics')).text;
    assert.match(text, /# TYPE wangge_http_requests_total counter/);
    assert.match(text, /# TYPE wangge_http_request_duration_seconds histogram/);
    const m = parseMetrics(text);
    const delta = (route, status) => (m[`wangge_http_requests_total{route="${route}",status="${status}"}`] || 0) -
                                     (m0[`wangge_http_requests_total{route="${route}",status="${status}"}`] || 0);
    assert.equal(delta('healthz', 200), 3);
    assert.equal(delta('unit.get', 400), 2);
    assert.equal(delta('unit.get', 404), 4);
    assert.equal(delta('static', 404), 2);
    assert.equal(delta('static', 200), 5);
    assert.equal(delta('unmatched', 404), 1);
    assert.equal(delta('unmatched', 405), 1);
    assert.equal(delta('locate', 400), 2);
    assert.equal(delta('locate.batch', 200), 1);
    assert.equal(delta('metrics', 200), 1);            // the first /metrics (this one is counted when done)
    // histograms: cumulative buckets, +Inf = _count = the route's requests, a sum
    const routes = new Set(Object.keys(m).filter((k) => k.startsWith('wangge_http_requests_total'))
                                        .map((k) => /route="([^"]*)"/.exec(k)[1]));
    for (const route of routes) {
      const total = Object.entries(m).filter(([k]) => k.startsWith(`wangge_http_requests_total{route="${route}",`))
                                     .reduce((a, [, v]) => a + v, 0);
      const buckets = Object.entries(m).filter(([k]) => k.startsWith(`wangge_http_request_duration_seconds_bucket{route="${route}",`));
      assert.ok(buckets.length >= 5, `${route}: buckets`);
      let prev = 0, prevLe = 0;
      for (const [k, v] of buckets) {
        const le = /le="([^"]+)"/.exec(k)[1];
        const leN = le === '+Inf' ? Infinity : Number(le);
        assert.ok(leN > prevLe, `${route}: bucket bounds increase`);
        assert.ok(v >= prev, `${route}: cumulative`);
        prev = v; prevLe = leN;
      }
      assert.equal(buckets[buckets.length - 1][0].includes('le="+Inf"'), true);
      assert.equal(prev, total, `${route}: +Inf bucket = requests`);
      assert.equal(m[`wangge_http_request_duration_seconds_count{route="${route}"}`], total, `${route}: _count`);
      assert.ok(m[`wangge_http_request_duration_seconds_sum{route="${route}"}`] >= 0, `${route}: _sum`);
    }
    assert.ok(m['wangge_http_request_duration_seconds_sum{route="static"}'] > 0);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

// -------------------------------------------------------------- access log

test('access log: one JSON object per request', async () => {
  const dir = tmpDir();
  const file = join(dir, 'access.log');
  const srv = await startServer({ args: ['--access-log', file, '--web', fixtureWeb()] });
  const sent = [];
  let code;
  try {
    const plan = [['GET', '/healthz', 200, 'healthz'], ['GET', '/api/v1/units/abc', 400, 'unit.get'],
                  ['GET', '/index.html', 200, 'static'], ['GET', '/nope.html', 404, 'static'],
                  ['GET', '/api/v1/nope', 404, ''], ['DELETE', '/healthz', 405, ''],
                  ['POST', '/api/v1/locate/batch', 200, 'locate.batch'], ['GET', '/api/v1/units?q=%E7%99%BD', 200, 'unit.search'],
                  ['GET', '/api/v1/units/' + '4'.repeat(3000), 400, 'unit.get'],
                  ['POST', '/api/v1/locate/batch', 413, 'locate.batch']];
    for (const [method, path, status, route] of plan) {
      const body = method !== 'POST' ? undefined : status === 413 ? 'x'.repeat(3 << 20) : { points: [[1, 2]] };
      const r = await hreq(srv.url, path, { method, body });
      assert.equal(r.status, status, path);
      sent.push({ method, path, status, route, bytes: r.buf.length });
    }
    const h = await hreq(srv.url, '/healthz', { method: 'HEAD' });
    sent.push({ method: 'HEAD', path: '/healthz', status: h.status, route: 'healthz' });
    // bytes that are not UTF-8 still get their line
    await new Promise((resolve) => {
      const s = net.connect(Number(new URL(srv.url).port), '127.0.0.1', () =>
        s.write(Buffer.from('GET /\xff\xfe.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', 'latin1')));
      s.on('data', () => {});
      s.on('close', resolve);
    });
    sent.push({ method: 'GET', path: null, status: 404, route: 'static' });
    // the log is flushed within a couple of seconds, not only at exit
    let lines = [];
    for (let i = 0; i < 100 && lines.length < sent.length; i++) {
      await sleep(100);
      lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    }
    assert.equal(lines.length, sent.length, 'flushed while running');
  } finally {
    code = await srv.stop();
  }
  assert.equal(code, 0);
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, sent.length);
  // lines are written as requests complete, which libmicrohttpd may report
  // out of order across keep-alive requests: pair each line with the first
  // unused request it matches
  const unused = sent.slice();
  const pathOf = (w) => w.path && decodeURIComponent(w.path.split('?')[0]);
  for (const line of lines) {
    const j = JSON.parse(line);
    const k = unused.findIndex((w) => w.method === j.method && w.status === j.status &&
      (pathOf(w) ? (pathOf(w).length < 500 ? j.path === pathOf(w) : pathOf(w).startsWith(j.path))
                 : /^\/.*\.html$/.test(j.path)));
    assert.ok(k >= 0, `a log line for a request that was not sent: ${line}`);
    const want = unused.splice(k, 1)[0];
    assert.deepEqual(Object.keys(j).sort(), ['bytes', 'ip', 'method', 'path', 'route', 'status', 'ts', 'us']);
    assert.match(j.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(j.ts) - Date.now()) < 120000, 'ts is now');
    assert.equal(j.ip, '127.0.0.1');
    assert.equal(j.method, want.method);
    // the path as decoded, without the query string (it may hold coordinates)
    // (cut at about 500 bytes)
    const wantPath = want.path && decodeURIComponent(want.path.split('?')[0]);
    if (wantPath && wantPath.length < 500) assert.equal(j.path, wantPath, line);
    else if (wantPath) assert.ok(j.path.length >= 500 && j.path.length < 520 && wantPath.startsWith(j.path), line);
    else assert.match(j.path, /^\/.*\.html$/);
    assert.equal(j.status, want.status, line);
    assert.equal(j.route, want.route, line);
    if (want.bytes !== undefined) assert.equal(j.bytes, want.bytes, line);
    assert.ok(Number.isInteger(j.us) && j.us >= 0, line);
  }
});

test('--access-log - writes to stdout; off writes nothing', async () => {
  const child = spawn(BIN, ['serve', '--db', tmpDb(), '--listen', '127.0.0.1:0', '--access-log', '-'], { cwd: ROOT });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => { err += d; const m = /listening on (http:\/\/[^/\s]+)\//.exec(err); if (m) resolve(m[1]); });
    child.on('exit', () => reject(new Error(err)));
  });
  await fetch(url + '/healthz');
  await fetch(url + '/api/v1/units/abc');
  child.removeAllListeners('exit');
  const code = await new Promise((r) => { child.on('exit', (c) => r(c)); child.kill('SIGTERM'); });
  assert.equal(code, 0);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  // a line is written when its request completes; libmicrohttpd may report
  // the completion of a keep-alive request after the next one, so compare
  // without order
  const seen = lines.map((l) => `${l.path} ${l.status}`).sort();
  assert.deepEqual(seen, ['/api/v1/units/abc 400', '/healthz 200']);
});

// ------------------------------------------------------- graceful shutdown

describe('graceful shutdown', () => {
  /**
   * Start a POST of body that is surely in flight on the server: the headers
   * ask for "100 Continue", which the server sends once it has taken the
   * request on. Resolves to { send(), reply } once that came.
   */
  async function inFlight(srv, path, body) {
    const sock = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    const chunks = [];
    let continued;
    const gotContinue = new Promise((r) => { continued = r; });
    const reply = new Promise((resolve) => {
      sock.on('data', (d) => {
        chunks.push(d);
        if (/^HTTP\/1\.1 100 /.test(Buffer.concat(chunks).toString('latin1'))) continued();
      });
      sock.on('close', () => {
        const t = Buffer.concat(chunks).toString();
        resolve(t.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, ''));
      });
    });
    sock.write(`POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
               `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    await gotContinue;
    return { send: () => sock.write(body), reply };
  }

  function bodyOf(text) {
    assert.match(text, /^HTTP\/1\.1 200 /, text.slice(0, 300));
    return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  }

  test('SIGTERM while a request is in flight: it completes with 200, then exit 0', async () => {
    const srv = await startServer();
    const { port } = new URL(srv.url);
    const body = Buffer.from(JSON.stringify({ points: Array.from({ length: 5000 }, (_, i) => [113 + i * 1e-5, 23.2]) }));
    const req = await inFlight(srv, '/api/v1/locate/batch', body);
    const stopped = srv.stop();
    await sleep(500);
    // no new connections once stopping
    const refused = await new Promise((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(false); });
      s.on('error', (e) => resolve(e.code));
    });
    assert.equal(refused, 'ECONNREFUSED');
    assert.equal(srv.child.exitCode, null, 'still running while the request is in flight');
    req.send();
    const json = bodyOf(await req.reply);
    assert.equal(json.count, 5000);
    assert.equal(json.results.length, 5000);
    assert.equal(await stopped, 0);
    assert.match(srv.stderr, /SIGTERM received/);
    assert.match(srv.stderr, /stopped cleanly/);
  });

  test('SIGTERM during a large batch on the demo district: 10,000 points answered, exit 0', async () => {
    const srv = await startServer({ demo: true });
    const grids = JSON.parse((await hreq(srv.url, '/api/v1/units/440111/geojson?level=grid')).buf);
    const points = Array.from({ length: 10000 }, (_, i) => grids.features[i % grids.features.length].properties.center);
    const req = await inFlight(srv, '/api/v1/locate/batch', Buffer.from(JSON.stringify({ points })));
    const stopped = srv.stop();
    await sleep(200);
    assert.equal(srv.child.exitCode, null, 'still running while the request is in flight');
    req.send();
    const json = bodyOf(await req.reply);
    assert.equal(json.count, 10000);
    assert.equal(json.found, 10000);
    assert.equal(await stopped, 0);
  });

  test('SIGINT works too, and idle keep-alive connections do not hold up the exit', async () => {
    const srv = await startServer();
    const agent = new http.Agent({ keepAlive: true });
    for (let i = 0; i < 5; i++) await hreq(srv.url, '/healthz', { agent });
    const idle = await Promise.all(Array.from({ length: 20 }, () => new Promise((r) => {
      const s = net.connect(Number(new URL(srv.url).port), '127.0.0.1', () => r(s));
      s.on('error', () => {});
    })));
    const t0 = Date.now();
    assert.equal(await srv.stop('SIGINT'), 0);
    assert.ok(Date.now() - t0 < 8000, `exit took ${Date.now() - t0} ms`);
    assert.match(srv.stderr, /SIGINT received/);
    for (const s of idle) s.destroy();
    agent.destroy();
  });

  test('a request that never completes does not hold up the exit for ever', async () => {
    const srv = await startServer();
    const sock = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    sock.write('POST /api/v1/locate/batch HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{"points":');
    await sleep(300);
    const t0 = Date.now();
    assert.equal(await srv.stop(), 0);
    const took = Date.now() - t0;
    assert.ok(took < 20000, `exit took ${took} ms`);
    assert.match(srv.stderr, /still in flight|stopped cleanly/);
    sock.destroy();
  });
});

// ------------------------------------------------------- settings, --config

describe('settings', () => {
  test('--config: [server] listen/threads/body_max/timeout/web/access_log and [db] url', async () => {
    const dir = tmpDir();
    const web = fixtureWeb();
    const db = join(dir, 'from-config.db');
    const log = join(dir, 'access.log');
    const ini = join(dir, 'wangge.ini');
    writeFileSync(ini, `; test configuration\n[server]\nlisten = 127.0.0.1:0\nthreads = 3\nbody_max = 4096\ntimeout = 2\n` +
                       `web = ${web}\naccess_log = ${log}\n\n[db]\nurl = ${db}\n`);
    const s = await serve(['--config', ini]);
    assert.ok(s.url, s.stderr);
    try {
      assert.match(s.stderr, /3 threads/);
      assert.match(s.stderr, new RegExp(`db ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.ok(existsSync(db), 'the database named by [db] url');
      assert.equal((await fetch(s.url + '/healthz')).status, 200);
      const page = await fetch(s.url + '/index.html');
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>网格<\/title>/);
      const small = await fetch(s.url + '/api/v1/locate/batch', { method: 'POST', body: JSON.stringify({ points: [[1, 2]], pad: 'x'.repeat(3000) }) });
      assert.equal(small.status, 200);
      const big = await fetch(s.url + '/api/v1/locate/batch', { method: 'POST', body: JSON.stringify({ points: [[1, 2]], pad: 'x'.repeat(5000) }) });
      assert.equal(big.status, 413);
      // timeout = 2: an idle connection is closed after about two seconds
      const t0 = Date.now();
      const closedAfter = await new Promise((resolve) => {
        const c = net.connect(Number(new URL(s.url).port), '127.0.0.1');
        c.on('close', () => resolve(Date.now() - t0));
        c.on('error', () => {});
        setTimeout(() => { c.destroy(); resolve(-1); }, 15000);
      });
      assert.ok(closedAfter >= 1500 && closedAfter < 12000, `idle connection closed after ${closedAfter} ms`);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.path === '/index.html' && l.status === 200));
    assert.ok(lines.some((l) => l.route === 'locate.batch' && l.status === 413));
  });

  test('the command line wins over the config file', async () => {
    const dir = tmpDir();
    const log = join(dir, 'access.log');
    const cfgDb = join(dir, 'config.db');
    const cliDb = join(dir, 'cli.db');
    const web1 = fixtureWeb(), web2 = fixtureWeb();
    writeFileSync(join(web2, 'index.html'), '<title>second</title>');
    const ini = join(dir, 'wangge.ini');
    writeFileSync(ini, `[server]\nlisten = 127.0.0.1:1\nthreads = 3\nweb = ${web1}\naccess_log = ${log}\n[db]\nurl = ${cfgDb}\n`);
    const s = await serve(['--config', ini, '--listen', '127.0.0.1:0', '--threads', '1', '--web', web2,
                           '--access-log', 'off', '--db', cliDb]);
    assert.ok(s.url, s.stderr);
    try {
      assert.match(s.stderr, /1 threads/);
      assert.match(await (await fetch(s.url + '/index.html')).text(), /second/);
      await fetch(s.url + '/healthz');
    } finally {
      assert.equal(await s.stop(), 0);
    }
    assert.ok(existsSync(cliDb));
    assert.ok(!existsSync(cfgDb), 'the config database was not opened');
    assert.ok(!existsSync(log) || statSync(log).size === 0, 'access log off');
    // option order does not matter either
    const s2 = await serve(['--listen', '127.0.0.1:0', '--db', cliDb, '--config', ini]);
    assert.ok(s2.url, s2.stderr);
    assert.equal(await s2.stop(), 0);
  });

  test('a bad config file: non-zero exit with a one-line reason', async () => {
    const dir = tmpDir();
    const cases = [
      ['[server]\nlisten = 127.0.0.1:0\nfrobnicate = 1\n', /frobnicate/],
      ['[server]\nlisten = 127.0.0.1:0\n[nope]\nx = 1\n', /\[nope\] x/],
      ['[db]\ndriver = sqlite\n', /driver/],
      ['listen = 127.0.0.1:0\n', /listen/],                            // outside any section
      ['[server]\nthreads = 0\n', /threads/],
      ['[server]\nthreads = many\n', /threads/],
      ['[server]\nthreads = 100000\n', /threads/],
      ['[server]\nbody_max = 1\n', /body_max/],
      ['[server]\nbody_max = 10MB\n', /body_max/],
      ['[server]\ntimeout = 0\n', /timeout/],
      ['[server]\ntimeout = -5\n', /timeout/],
      ['[server]\nlisten = nonsense\n', /listen/],
      ['[server]\nlisten = 127.0.0.1:99999\n', /listen/],
      ['this is not an ini file\n', /line 1/],
      ['[server\nlisten = 127.0.0.1:0\n', /line 1/],
    ];
    for (const [text, re] of cases) {
      const ini = join(dir, 'bad.ini');
      writeFileSync(ini, text);
      const r = await serveFails(['--config', ini, '--db', join(dir, 'x.db')]);
      assertOneLineFailure(r, re);
      assert.ok(!existsSync(join(dir, 'x.db')), `${JSON.stringify(text)}: no database was created`);
    }
    const missing = await serveFails(['--config', join(dir, 'does-not-exist.ini')]);
    assertOneLineFailure(missing, /does-not-exist\.ini/);
  });

  test('--listen with bad values: non-zero exit with a one-line reason', async () => {
    const dir = tmpDir();
    for (const l of ['nonsense', '127.0.0.1', '127.0.0.1:', '127.0.0.1:99999', '127.0.0.1:-1', '127.0.0.1:80x',
                     '127.0.0.1:0x50', '[::1', '[::1]', '[::1]:x', ':8080', 'localhost:8080', '999.1.1.1:80', 'http://127.0.0.1:0']) {
      const r = await serveFails(['--db', join(dir, 'x.db'), '--listen', l]);
      assertOneLineFailure(r, /listen|address/);
    }
    // a valid address that is not ours
    const r = await serveFails(['--db', join(dir, 'x.db'), '--listen', '192.0.2.1:8080']);
    assertOneLineFailure(r, /cannot listen on 192\.0\.2\.1:8080: .*(assign|not available)/i);
  });

  test('port already in use: a clear error', async () => {
    const first = await startServer();
    try {
      const port = new URL(first.url).port;
      const r = await serveFails(['--db', tmpDb(), '--listen', `127.0.0.1:${port}`]);
      assertOneLineFailure(r, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*Address already in use`));
      assert.equal((await first.get('/healthz')).status, 200, 'the first server is unharmed');
    } finally {
      assert.equal(await first.stop(), 0);
    }
    // a port some other program holds
    const holder = net.createServer();
    await new Promise((r) => holder.listen(0, '127.0.0.1', r));
    try {
      const r = await serveFails(['--db', tmpDb(), '--listen', `127.0.0.1:${holder.address().port}`]);
      assertOneLineFailure(r, /Address already in use/);
    } finally {
      holder.close();
    }
  });

  test('bad --threads and unknown options', async () => {
    for (const args of [['--threads', '0'], ['--threads', 'x'], ['--threads', '257']]) {
      const r = await serveFails(['--db', tmpDb(), '--listen', '127.0.0.1:0', ...args]);
      assertOneLineFailure(r, /threads/);
    }
    const r = await serveFails(['--db', tmpDb(), '--listen', '127.0.0.1:0', '--frobnicate']);
    assert.notEqual(r.code, 0);
  });
});

void assertError;
