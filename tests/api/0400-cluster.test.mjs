// Several instances on one database: one leader runs the periodic jobs,
// org changes reach every instance at once (PostgreSQL NOTIFY), and a lost
// database connection is re-established without restarting wangge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tmpDb, tmpDir, PG, psql, backend } from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

/** An ini file that turns the org-version polling down to once in 10 minutes. */
function slowPollConfig() {
  const f = join(tmpDir(), 'wangge.ini');
  writeFileSync(f, '[server]\nreload_ms = 600000\n');
  return f;
}

function dbName(url) {
  return new URL(url).pathname.slice(1);
}

test('exactly one instance leads, and another takes over when it dies', async () => {
  const db = tmpDb();
  const a = await startServer({ db });
  const b = await startServer({ db });
  try {
    const both = await waitFor(async () => {
      const [ha, hb] = [(await a.get('/healthz')).json, (await b.get('/healthz')).json];
      return ha.leader !== hb.leader ? [ha, hb] : null;
    }, 5000, 'one leader');
    const [ha, hb] = both;
    assert.notEqual(ha.instance, hb.instance);
    const [leader, follower] = ha.leader ? [a, b] : [b, a];
    const followerId = (ha.leader ? hb : ha).instance;
    await leader.stop('SIGKILL');            // a crash: its session and lock go with it
    await waitFor(async () => (await follower.get('/healthz')).json.leader, 8000, 'failover');
    if (PG) {
      const beat = await waitFor(() => {
        const v = psql(`SELECT value FROM meta WHERE key = 'leader_heartbeat'`, { url: db }).trim();
        return v.startsWith(followerId) ? v : null;
      }, 5000, 'heartbeat from the new leader');
      assert.ok(beat);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('an org change reaches every instance at once (NOTIFY)', { skip: !PG && 'PostgreSQL only: one instance serves a SQLite file' }, async () => {
  const db = tmpDb();
  const config = slowPollConfig();
  const a = await startServer({ db, args: ['--config', config] });
  const b = await startServer({ db, args: ['--config', config] });
  try {
    psql(`UPDATE meta SET value = '7' WHERE key = 'org_version'; NOTIFY wangge_org, '7'`, { url: db });
    for (const s of [a, b])
      await waitFor(async () => (await s.get('/healthz')).json.loaded_org_version === 7, 3000,
                    'the reload on every instance');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('connections lost to a database restart come back without restarting wangge', { skip: !PG && 'PostgreSQL only' }, async () => {
  const db = tmpDb();
  const srv = await startServer({ db });
  try {
    assert.equal((await srv.get('/healthz')).status, 200);
    psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName(db)}' AND pid <> pg_backend_pid()`);
    // The first requests may meet a dead connection: a clear 503, never a crash.
    for (let i = 0; i < 5; i++) {
      const r = await srv.get('/api/v1/units?q=1');
      if (r.status !== 200) {
        assert.equal(r.status, 503, r.text);
        assert.equal(r.json.error.code, 'db.unavailable');
      }
    }
    await waitFor(async () => (await srv.get('/api/v1/units?q=1')).status === 200, 5000, 'recovery');
    assert.equal((await srv.get('/healthz')).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('backend under test', () => {
  assert.ok(['sqlite', 'postgresql'].includes(backend));
});
