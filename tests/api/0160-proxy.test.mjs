// Behind a reverse proxy: the client address (access log, audit, log-in
// throttling) comes from X-Forwarded-For only when the connection comes from
// a proxy listed in [server] trusted_proxies, and then it is the rightmost
// address the proxies did not add themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tmpDir } from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function ipsSeen(trusted) {
  const dir = tmpDir();
  const log = join(dir, 'access.log');
  const ini = join(dir, 'wangge.ini');
  writeFileSync(ini, trusted ? `[server]\ntrusted_proxies = ${trusted}\n` : '[server]\n');
  const srv = await startServer({ args: ['--config', ini, '--access-log', log] });
  const sent = [undefined, '203.0.113.7', '198.51.100.1, 203.0.113.7', '203.0.113.7, 127.0.0.1',
                'not-an-address', '203.0.113.9, garbage'];
  try {
    /* one path per request: the log is written when a response ends, so two
     * quick requests on different server threads may log in either order */
    for (const [i, xff] of sent.entries())
      await srv.get(`/healthz-${i}`, { headers: xff ? { 'X-Forwarded-For': xff } : {} });
  } finally {
    await srv.stop();
  }
  await sleep(100);
  const ip = new Map(readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .map((e) => [e.path, e.ip]));
  return sent.map((_, i) => ip.get(`/healthz-${i}`));
}

test('X-Forwarded-For from a trusted proxy names the client', async () => {
  assert.deepEqual(await ipsSeen('127.0.0.1, ::1'),
    ['127.0.0.1', '203.0.113.7', '203.0.113.7', '203.0.113.7', '127.0.0.1', '127.0.0.1']);
});

test('without trusted proxies X-Forwarded-For is ignored', async () => {
  assert.deepEqual(await ipsSeen(''), Array(6).fill('127.0.0.1'));
});
