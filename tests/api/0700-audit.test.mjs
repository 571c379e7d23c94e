// `wangge audit verify|list|append`: the hash-chained audit log from the
// command line. A fresh demo database verifies; appended events chain and
// list newest first; a database edited behind wangge's back fails verify
// naming the first bad row (on PostgreSQL, through psql: there is no sqlite3
// client here, and tests/unit/test_store_audit.c tampers on both backends);
// bad invocations are usage errors that write nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { wangge, demoDb, tmpDb, tmpDir, psql, PG } from './lib/harness.mjs';

const NO_TAMPER = !PG && 'tampering needs WANGGE_TEST_PG (no sqlite3 client here); '
  + 'tests/unit/test_store_audit.c covers tampering on SQLite';

function audit(db, ...args) {
  return wangge(['audit', ...args, '--db', db]);
}

function verify(db) {
  return audit(db, 'verify');
}

/** A fresh database holding n events "event 1" … "event n". */
function chain(n) {
  const db = tmpDb();
  for (let i = 1; i <= n; i++) {
    const r = audit(db, 'append', '--actor', `user${i}`, '--action', 'test.event',
                    '--detail', `event ${i}`);
    assert.equal(r.status, 0, r.stderr);
  }
  return db;
}

/** Data lines of `audit list`, as arrays of fields. */
function listed(stdout) {
  const lines = stdout.split('\n').filter(Boolean);
  assert.equal(lines[0].split('\t')[0], 'id');
  return lines.slice(1).map((l) => l.split('\t'));
}

test('a fresh demo database verifies', () => {
  const r = verify(demoDb());
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^audit: \d+ rows, chain intact\n$/);
});

test('appended events chain; list pages newest first', () => {
  const db = tmpDb();
  let r = verify(db);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'audit: 0 rows, chain intact\n');

  const detail = '网格员 "张三" 上报 \'事件\' \\ 100%s';
  r = audit(db, 'append', '--actor', '张三', '--action', 'event.report', '--detail', detail,
            '--role', 'grid_worker', '--scope', '4401110020010101', '--target', 'event:1',
            '--ip', '10.0.0.1', '--account-id', '7');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /appended/);
  r = audit(db, 'append', '--action', 'test.hostile', '--result', 'denied',
            '--detail', 'red \x1b[31mALERT\x1b[0m\nsecond line\tcol');
  assert.equal(r.status, 0, r.stderr);
  for (let i = 3; i <= 12; i++)
    assert.equal(audit(db, 'append', '--actor', 'ops', '--action', 'test.event',
                       '--detail', `event ${i}`).status, 0);
  r = verify(db);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout, 'audit: 12 rows, chain intact\n');

  // newest first, five at a time, the next page --before the last id
  r = audit(db, 'list', '--limit', '5');
  assert.equal(r.status, 0, r.stderr);
  let rows = listed(r.stdout);
  assert.deepEqual(rows.map((f) => f[0]), ['12', '11', '10', '9', '8']);
  assert.match(r.stderr, /--before 8/);
  r = audit(db, 'list', '--limit', '5', '--before', '8');
  assert.deepEqual(listed(r.stdout).map((f) => f[0]), ['7', '6', '5', '4', '3']);
  r = audit(db, 'list', '--before', '3');
  rows = listed(r.stdout);
  assert.deepEqual(rows.map((f) => f[0]), ['2', '1']);
  assert.equal(r.stderr, '');

  // every field of row 1 as given; hashes are 64 hex digits
  const one = rows[1];
  assert.equal(one.length, 12);
  assert.match(one[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(one.slice(2, 11), ['7', '张三', 'grid_worker', '4401110020010101',
                                      'event.report', 'event:1', '10.0.0.1', 'ok', detail]);
  assert.match(one[11], /^[0-9a-f]{64}$/);
  // row 2: the login name as actor, control characters neutralised
  const two = rows[0];
  assert.match(two[3], /^cli:./);
  assert.equal(two[2], '');                       // no account
  assert.equal(two[9], 'denied');
  assert.equal(two[10], 'red ?[31mALERT?[0m?second line?col');
  assert.ok(!r.stdout.includes('\x1b'));
});

test('an edited row is named', { skip: NO_TAMPER }, () => {
  const db = chain(10);
  psql(`UPDATE audit SET detail = 'nothing happened' WHERE id = 4`, { url: db });
  let r = verify(db);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, 'audit: chain broken at row 4: hash does not match its contents\n');
  psql(`UPDATE audit SET detail = 'event 4' WHERE id = 4`, { url: db });
  r = verify(db);
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout, 'audit: 10 rows, chain intact\n');
  // NULL and '' are different values
  psql(`UPDATE audit SET target = '' WHERE id = 6`, { url: db });
  r = verify(db);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^audit: chain broken at row 6: /);
});

test('an edited row with a borrowed hash is named', { skip: NO_TAMPER }, () => {
  // (a correctly recomputed hash is caught by row 5's prev_hash: BLAKE2b is
  // not in PostgreSQL, so the unit test does that one)
  const db = chain(10);
  psql(`UPDATE audit SET detail = 'x', hash = (SELECT hash FROM audit WHERE id = 9) WHERE id = 4`,
       { url: db });
  const r = verify(db);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^audit: chain broken at row 4: hash does not match its contents\n$/);
});

test('a deleted row, a deleted tail and a forged row are named', { skip: NO_TAMPER }, () => {
  let db = chain(10);
  psql('DELETE FROM audit WHERE id = 7', { url: db });
  let r = verify(db);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, 'audit: chain broken at row 8: prev_hash does not match row 6 (row 7 deleted?)\n');

  db = chain(10);
  psql('DELETE FROM audit WHERE id >= 9', { url: db });
  r = verify(db);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, 'audit: chain broken at row 9: missing, audit_head records 10 rows (tail deleted?)\n');

  db = chain(10);
  psql(`INSERT INTO audit (id, at, actor, action, result, prev_hash, hash)
        SELECT 11, at, 'intruder', 'user.grant', 'ok', hash, hash FROM audit WHERE id = 10`, { url: db });
  r = verify(db);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^audit: chain broken at row 11: /);
});

test('bad invocations: usage, exit 1, nothing written', () => {
  const db = tmpDb();
  for (const args of [
    ['audit'],
    ['audit', 'frobnicate'],
    ['audit', 'verify', 'extra', '--db', db],
    ['audit', 'list', '--limit', '0', '--db', db],
    ['audit', 'list', '--limit', 'abc', '--db', db],
    ['audit', 'list', '--limit', '1001', '--db', db],
    ['audit', 'list', '--before', '-3', '--db', db],
    ['audit', 'append', '--actor', 'x', '--db', db],                       // no --action
    ['audit', 'append', '--action', '', '--db', db],
    ['audit', 'append', '--action', 'x', '--actor', '', '--db', db],
    ['audit', 'append', '--action', 'x', '--result', '', '--db', db],
    ['audit', 'append', '--action', 'x', '--account-id', '-1', '--db', db],
    ['audit', 'append', '--action', 'x', '--account-id', '1e3', '--db', db],
  ]) {
    const r = wangge(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.trim().length > 0, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  const r = verify(db);
  assert.equal(r.stdout, 'audit: 0 rows, chain intact\n');
  // a database that cannot be opened is a failure (2), not a broken chain (1)
  for (const url of [join(tmpDir(), 'no', 'such', 'dir.db'), 'mysql://root@localhost/x']) {
    const f = wangge(['audit', 'verify', '--db', url]);
    assert.equal(f.status, 2, f.stderr);
    assert.match(f.stderr, /^wangge audit: /);
  }
});
