// The nginx configuration of docs/deploy.md (deploy/nginx/wangge.conf),
// run for real in front of two wangge instances on one database: traffic
// reaches both, and losing one instance costs no request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startServer, tmpDb, tmpDir, ROOT } from './lib/harness.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startNginx(ports, listen) {
  const dir = tmpDir();
  mkdirSync(join(dir, 'logs'));
  let conf = readFileSync(join(ROOT, 'deploy/nginx/wangge.conf'), 'utf8')
    .replace('server 127.0.0.1:8081', `server 127.0.0.1:${ports[0]}`)
    .replace('server 127.0.0.1:8082', `server 127.0.0.1:${ports[1]}`)
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`);
  writeFileSync(join(dir, 'wangge.conf'), conf);
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/wangge.conf;
}`);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = `http://127.0.0.1:${listen}`;
  for (let i = 0; i < 100; i++) {
    try { await fetch(url + '/healthz'); return { child, url }; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  child.kill();
  throw new Error(`nginx did not start: ${err}`);
}

test('nginx spreads requests over two instances and survives losing one', { skip: !NGINX && 'nginx not installed' }, async () => {
  const db = tmpDb();
  const a = await startServer({ db });
  const b = await startServer({ db });
  const ports = [a, b].map((s) => Number(new URL(s.url).port));
  const nginx = await startNginx(ports, await freePort());
  try {
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      const r = await fetch(nginx.url + '/healthz');
      assert.equal(r.status, 200);
      seen.add((await r.json()).instance);
    }
    assert.equal(seen.size, 2, 'both instances answered');
    const page = await fetch(nginx.url + '/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /网格/);
    await a.stop('SIGKILL');
    for (let i = 0; i < 20; i++) {
      const r = await fetch(nginx.url + '/api/v1/units?q=1');
      assert.equal(r.status, 200, `request ${i} after losing an instance`);
    }
  } finally {
    nginx.child.kill('SIGQUIT');
    await a.stop();
    await b.stop();
  }
});
