// Smoke: the binary starts on an empty database and answers /healthz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, wangge, backend } from './lib/harness.mjs';

test('help lists the commands', () => {
  const r = wangge(['help']);
  assert.equal(r.status, 0);
  for (const c of ['serve', 'demo', 'import', 'export']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
});

test('unknown command fails with one line', () => {
  const r = wangge(['frobnicate']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('healthz on an empty database', async () => {
  const srv = await startServer();
  try {
    const r = await srv.get('/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
    assert.equal(r.json.db, backend);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});
