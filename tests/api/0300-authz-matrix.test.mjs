// The authorization matrix, generated from the route table.
//
// src/api/routes.c and src/domain/role.h are parsed here (a small regex
// parser that fails loudly on a row it cannot read), and EVERY route is
// called by EVERY role (one user each, bound inside 三元里街道 440111002 where
// the role allows) and by an anonymous caller, with a unit/id parameter
// inside and outside the caller's scope. The expected answer follows from the
// row alone:
//
//   public route (ROLE_PUBLIC)          never 401/403: the handler's answer
//   anonymous, non-public route         401 auth.required
//   role not in the row                 403 auth.forbidden
//   in the row, `:code` outside scope   404 unit.not_found (as for a unit that does not exist)
//   in the row, otherwise               the handler's own answer (2xx, or a 4xx of its own)
//
// Every route needs an entry in ROUTES below (parameter values, a minimal
// valid body, the handler's answer). A route without one fails the suite, so
// that adding a route forces a decision about who may call it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, assertError, demoDb, wangge, ROOT, PG, psql } from './lib/harness.mjs';

// ------------------------------------------------------- parse the sources

/** role.h -> { ROLE_ADMIN: 1, …, ROLE_STAFF: 127, … } and the single-role flags. */
function parseRoles() {
  const h = readFileSync(join(ROOT, 'src/domain/role.h'), 'utf8').replace(/\\\n/g, ' ');
  const c = readFileSync(join(ROOT, 'src/domain/role.c'), 'utf8');
  const enumBody = /enum\s+role_flags\s*\{([^}]*)\}/.exec(h);
  if (!enumBody) throw new Error('role.h: enum role_flags not found');
  const value = {};
  const flags = [];
  for (const raw of enumBody[1].split('\n')) {
    const line = raw.replace(/\/\*.*?\*\//g, '').trim();
    if (!line) continue;
    const m = /^(ROLE_[A-Z_]+)\s*=\s*(?:(0)|1\s*<<\s*(\d+))\s*,?$/.exec(line);
    if (!m) throw new Error(`role.h: cannot parse enum entry '${line}'`);
    value[m[1]] = m[2] === '0' ? 0 : 1 << Number(m[3]);
    if (value[m[1]]) flags.push(m[1]);
  }
  for (const m of h.matchAll(/#define\s+(ROLE_[A-Z_]+)\s+\(([^)]*)\)/g)) {
    value[m[1]] = m[2].split('|').reduce((acc, t) => {
      const k = t.trim();
      if (!(k in value)) throw new Error(`role.h: ${m[1]} uses unknown '${k}'`);
      return acc | value[k];
    }, 0);
  }
  const name = {};
  for (const m of c.matchAll(/\{\s*(ROLE_[A-Z_]+)\s*,\s*"([a-z_]+)"\s*,\s*"([^"]+)"/g)) name[m[1]] = m[2];
  for (const f of flags) if (!name[f]) throw new Error(`role.c: no name for ${f}`);
  if (!('ROLE_PUBLIC' in value) || value.ROLE_PUBLIC !== 0) throw new Error('role.h: ROLE_PUBLIC = 0 expected');
  return { value, flags: flags.map((f) => ({ macro: f, bit: value[f], name: name[f] })) };
}

/** routes.c -> [{ method, path, handler, roles (mask), roleExpr, name, bodyMax }]. A row has five
 * fields, or six when it sets its own body limit: a number, a product of numbers
 * (`10 * 1024 * 1024`) or a macro (`PHOTO_BYTES_MAX`). */
function parseRoutes(roleValue, src = readFileSync(join(ROOT, 'src/api/routes.c'), 'utf8')) {
  const m = /api_routes\[\]\s*=\s*\{([\s\S]*?)\n\};/.exec(src);
  if (!m) throw new Error('routes.c: api_routes[] not found');
  const body = m[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const rows = [];
  const rest = body.replace(/\{([^{}]*)\}/g, (_, inner) => {
    const r = /^\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*([a-z_0-9]+)\s*,\s*([A-Z_|\s]+?)\s*,\s*"([a-z_.]+)"(?:\s*,\s*([0-9]+(?:\s*\*\s*[0-9]+)*|[A-Z][A-Z0-9_]*))?\s*$/.exec(inner);
    if (!r) throw new Error(`routes.c: cannot parse route row {${inner.trim()}}`);
    const roles = r[4].split('|').reduce((acc, t) => {
      const k = t.trim();
      if (!(k in roleValue)) throw new Error(`routes.c: row '${r[5]}' uses unknown role '${k}'`);
      return acc | roleValue[k];
    }, 0);
    rows.push({ method: r[1], path: r[2], handler: r[3], roles, roleExpr: r[4].trim(), name: r[5], bodyMax: r[6] });
    return ',';
  });
  if (rest.replace(/[\s,]/g, '') !== '') throw new Error(`routes.c: text outside route rows: '${rest.trim().slice(0, 80)}'`);
  if (rows.length === 0) throw new Error('routes.c: no routes parsed');
  const names = new Set();
  for (const r of rows) {
    if (names.has(r.name)) throw new Error(`routes.c: duplicate route name '${r.name}'`);
    names.add(r.name);
  }
  return rows;
}

const ROLES = parseRoles();
const ROUTE_ROWS = parseRoutes(ROLES.value);

// ------------------------------------------------------------------- users

const PASSWORD = 'Wangge@2026';
// Argon2id of PASSWORD (crypto_pwhash_str, interactive limits), for the
// accounts written straight into the database (see createUsers).
const PWHASH = '$argon2id$v=19$m=65536,t=2,p=1$vkLxfekxhwSbIF9UK+YNPA$3eVUwipwOVJc0HvbwUmR3gC+82GjZ/q+pBCfiZAOtDw';
const DEPT = '440111-cg';
const ELSEWHERE = '440103001';                  // a town of another district: outside every grant

// One user per role, inside 三元里街道 where the role allows; `in` and `out`
// are a unit inside and outside the user's scope (the department's only
// in-scope code is its own department code, which is not a unit).
const USERS = [
  { username: 'mx_admin', role: 'admin', scope: '440111', in: '440111010', out: ELSEWHERE },
  { username: 'mx_command', role: 'command', scope: '440111002', in: '440111002001', out: '440111010' },
  { username: 'mx_station', role: 'station_head', scope: '440111002001', in: '44011100200101', out: '440111002002' },
  { username: 'mx_gleader', role: 'grid_leader', scope: '44011100200101', in: '4401110020010101', out: '44011100200102' },
  { username: 'mx_gworker', role: 'grid_worker', scope: '4401110020010101', in: '4401110020010101', out: '4401110020010102' },
  { username: 'mx_dept', role: 'department', scope: DEPT, in: DEPT, out: '440111002001' },
  { username: 'mx_leader', role: 'leader', scope: '440111002', in: '4401110020010101', out: '440111010001' },
  { username: 'mx_resident', role: 'resident', scope: '440111', in: '440111002', out: ELSEWHERE },
  // a second dispatcher, on 京溪街道: 三元里's cannot see into it and vice versa
  { username: 'mx_command_jx', role: 'command', scope: '440111010', in: '440111010001', out: '440111002001' },
  // a wall display (大屏) of 三元里街道: no account, a token from pairing (pairDisplay)
  { username: 'mx_display', role: 'display', scope: '440111002', in: '440111002001', out: '440111010', display: true },
];
// not a matrix caller: owns the token that everybody tries to revoke
const OUTSIDER = { username: 'mx_outsider', role: 'grid_worker', scope: '4401110100010101' };
// a user of another district (written into the database, as a second
// district's admin would have made it): invisible to this district's admin
const FOREIGN = { username: 'mx_foreign', role: 'command', scope: ELSEWHERE };
const ANON = { username: null, role: 'anonymous' };

function sqlQuote(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

/** Run SQL on the test database (SQLite through the sqlite3 shell, or PostgreSQL). */
function dbExec(db, sql) {
  if (PG) return psql(sql, { url: db });
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`sqlite3 shell needed to create test accounts: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}: ${r.stderr}`);
  return r.stdout;
}

const HAS_USER_CLI = wangge(['help', 'user']).status === 0;

/** Accounts through `wangge user add` (straight SQL where it is missing, and
 * for the foreign user, whose scope no command here would accept). */
function createUsers(db, users, { sql: viaSql = false } = {}) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  let sql = `INSERT INTO department (code, district_code, name, created_at) SELECT ${sqlQuote(DEPT)}, '440111', '城管', '${now}' ` +
            `WHERE NOT EXISTS (SELECT 1 FROM department WHERE code = ${sqlQuote(DEPT)});\n`;
  for (const u of users.filter((x) => !x.display)) {
    if (HAS_USER_CLI && !viaSql) {
      const r = wangge(['user', 'add', '--username', u.username, '--name', u.username, '--password', PASSWORD,
                        '--no-must-change', '--role', u.role, '--scope', u.scope, '--db', db]);
      assert.equal(r.status, 0, `wangge user add ${u.username}: ${r.stderr}`);
      continue;
    }
    sql += `INSERT INTO account (username, display_name, password_hash, created_at, updated_at) ` +
           `VALUES (${sqlQuote(u.username)}, ${sqlQuote(u.username)}, ${sqlQuote(PWHASH)}, '${now}', '${now}');\n`;
    sql += `INSERT INTO account_role (account_id, role, scope_code, granted_at) SELECT id, ${sqlQuote(u.role)}, ` +
           `${sqlQuote(u.scope)}, '${now}' FROM account WHERE username = ${sqlQuote(u.username)};\n`;
  }
  dbExec(db, sql);
}

// ------------------------------------------------- the table of routes

const UNIT_STATUS = { [DEPT]: [400, 'unit.bad_code'], [ELSEWHERE]: [404, 'unit.not_found'] };
/** The handler's answer for a unit route: 200, or what it says about a code that is no unit here. */
const unitAnswer = (ok = 200) => (ctx) => UNIT_STATUS[ctx.params.code] || [ok];

let point;                                       // [lon, lat] inside 三元里社区第1网格, found at start
let seq = 0;                                     // for unique user names
let photoSha;                                    // a photo uploaded at start, for photo.get
// the start of a JPEG (SOI, a complete JFIF APP0 segment, a scan header): enough for the
// content check and the metadata walk, which copies everything from the scan on as it is
const JPEG_HEAD = Buffer.from('ffd8ffe000104a46494600010100000100010000ffda0008010100003f00', 'hex');
/** The user routes' answer: `ok` in scope, 404 user.not_found out of it. */
const userAnswer = (ok) => (c) => (c.scope === 'in' ? [ok] : [404, 'user.not_found']);

// For each route name: params (placeholder -> (ctx) => value, ctx.scope is
// 'in' or 'out'), query, body, fresh (use a credential of its own: the call
// ends it), revokes (the call ends the user's other sessions too) and
// answer(ctx) -> [status, code?], the handler's answer when the guard lets
// the call through.
// ------------------------------------------- command-centre helpers

/** The current duty date in China Standard Time plus offset days (yesterday before 08:00). */
function dutyDay(offset = 0) {
  const local = new Date(Date.now() + 8 * 3600e3);
  if (local.getUTCHours() < 8) local.setUTCDate(local.getUTCDate() - 1);
  local.setUTCDate(local.getUTCDate() + offset);
  return local.toISOString().slice(0, 10);
}
/** A unit the caller may read: their grant's scope (the district for departments and anonymous). */
const readUnit = (c) => (c.user.scope && c.user.role !== 'department' ? c.user.scope : '440111');
/** The caller's command centre: their town, or the district. */
const townOf = (c) => readUnit(c).slice(0, readUnit(c).length >= 9 ? 9 : 6);
/** A centre `:code`: the caller's own scope in scope, their outside unit out of it. */
const centreParam = (c) => (c.scope === 'in' ? (c.user.scope && c.user.role !== 'department' ? c.user.scope : '440111002') : c.code);
const euUnit = (c) => (townOf(c) === '440111' ? '440111002' : townOf(c));
const volUnit = (c) => `${euUnit(c)}001`;
const inOut = (code) => (c) => (c.scope === 'in' ? [200] : [404, code]);

/** A new object of `kind` in `town`, made by the admin: its id. */
async function makeObject(kind, town) {
  const h = { headers: auth(await bearer('mx_admin')) };
  const r = kind === 'equipment'
    ? await srv.post('/api/v1/equipment', { unit: town, kind: 'screen', name: '矩阵大屏' }, h)
    : await srv.post(kind === 'volunteer' ? '/api/v1/forces/volunteers' : '/api/v1/forces/emergency-units',
                     { unit: kind === 'volunteer' ? `${town}001` : town, name: '矩阵对象' }, h);
  assert.equal(r.status, 201, r.text);
  return kind === 'equipment' ? r.json.equipment.id : r.json.force.id;
}

const objects = new Map();
/** In scope: an object of the caller's town (a fresh one when `fresh`, the
 * call deletes it); out of scope: one of the other town, or an id that does
 * not exist for callers whose scope is the whole district. */
async function objectId(c, kind, fresh) {
  const own = euUnit(c);
  const town = c.scope === 'in' ? own : (readUnit(c).length < 9 ? null : own === '440111002' ? '440111010' : '440111002');
  if (!town) return 99999999;
  const key = `${kind}:${town}`;
  if (fresh || c.scope !== 'in' || !objects.has(key)) {
    const id = await makeObject(kind, town);
    if (c.scope !== 'in' || !fresh) objects.set(key, id);
    return id;
  }
  return objects.get(key);
}

let swapSeq = 0;
/** A pending swap at a centre (asked by the admin for someone on duty): its id. */
async function makeSwap(centre) {
  const h = { headers: auth(await bearer('mx_admin')) };
  const day = dutyDay(10 + (swapSeq++ % 300));
  const cal = await srv.get(`/api/v1/duty/calendar?centre=${centre}&from=${dutyDay(10)}&to=${dutyDay(40)}`, h);
  assert.equal(cal.status, 200, cal.text);
  const everybody = new Set(cal.json.days.flatMap((d) => d.shifts.flatMap((s) => [...s.leaders, ...s.officers].map((p) => p.id))));
  const shift = cal.json.days.find((d) => d.date === day).shifts.find((s) => s.leaders.length + s.officers.length > 0);
  const on = [...shift.leaders, ...shift.officers].map((p) => p.id);
  const to = [...everybody].find((id) => !on.includes(id));
  const r = await srv.post('/api/v1/duty/swaps', { centre, date: day, shift: shift.shift, from_person_id: on[0], to_person_id: to }, h);
  assert.equal(r.status, 201, r.text);
  return r.json.swap.id;
}


// ends it), revokes (the call ends the user's other sessions too), stream
// (the answer may be a never-ending stream: read the status and headers,
// then hang up) and answer(ctx) -> [status, code?], the handler's answer
// when the guard lets the call through.
const ROUTES = {
  'healthz': { answer: () => [200] },
  'metrics': { answer: () => [200] },
  'unit.search': { query: () => '?q=' + encodeURIComponent('三元里'), answer: () => [200] },
  'unit.get': { params: { code: (c) => c.code }, answer: unitAnswer() },
  'unit.children': { params: { code: (c) => c.code }, answer: unitAnswer() },
  'unit.geojson': { params: { code: (c) => c.code }, answer: unitAnswer() },
  'unit.staff': { params: { code: (c) => c.code }, answer: unitAnswer() },
  'locate': { query: () => `?lon=${point[0]}&lat=${point[1]}`, answer: () => [200] },
  'locate.batch': { body: () => ({ points: [point] }), answer: () => [200] },

  'auth.login': {
    body: (c) => ({ username: (!c.user.display && c.user.username) || 'mx_resident', password: PASSWORD, kind: 'app' }),
    answer: () => [200],
  },
  'auth.logout': { fresh: true, answer: () => [200] },
  'auth.logout_all': { fresh: true, revokes: true, answer: () => [200] },
  'auth.me': { answer: () => [200] },
  // a wrong current password: the handler's own 403, not the guard's auth.forbidden
  'auth.password': {
    body: () => ({ old_password: 'Not-the-password-1', new_password: 'Another@2027pw' }),
    answer: () => [403, 'auth.bad_password'],
  },
  'auth.tokens': { answer: () => [200] },
  'auth.token_create': { body: () => ({ name: 'matrix', days: 1 }), answer: () => [201] },
  // in: a token of the caller's own; out: another account's token (not theirs to revoke)
  'auth.token_revoke': {
    params: { id: async (c) => (c.scope === 'in' ? c.ownTokenId() : otherTokenId) },
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'auth.no_session']),
  },

  // user administration: `in` is a user inside the admin's district (a new
  // one where the call changes it), `out` one whose grant lies in another
  // district (FOREIGN): the same 404 as for a user that does not exist
  'user.list': { query: () => '?q=mx_', answer: () => [200] },
  'user.create': {
    cases: ['in', 'out'],
    body: (c) => ({ username: `mx_new_${++seq}`, display_name: '新网格员', password: PASSWORD,
                    grants: [{ role: 'grid_worker', scope: c.scope === 'in' ? '4401110020010102' : ELSEWHERE + '0010101' }] }),
    answer: (c) => (c.scope === 'in' ? [201] : [404, 'unit.not_found']),
  },
  'user.get': { params: { id: (c) => c.userId() }, answer: userAnswer(200) },
  'user.disable': { params: { id: (c) => c.userId() }, answer: userAnswer(200) },
  'user.enable': { params: { id: (c) => c.userId() }, answer: userAnswer(200) },
  'user.password': { params: { id: (c) => c.userId() }, body: () => ({ password: 'Reset@2027pass' }), answer: userAnswer(200) },
  'user.grant': {
    params: { id: (c) => c.userId() },
    body: () => ({ role: 'grid_worker', scope: '4401110020010103' }),
    answer: userAnswer(201),
  },
  'user.revoke': {
    params: { id: (c) => c.userId(), grant: (c) => c.grantId },
    answer: userAnswer(200),
  },
  'audit.list': { query: () => '?limit=5', answer: () => [200] },
  // department names (城管, 住建 …): for dispatching, staff only
  'department.list': { answer: () => [200] },

  // grid events: `in` is an event in 三元里's first grid, `out` one in 京溪;
  // an event the caller may not see reads 404 like one that does not exist
  'event_category.list': { answer: () => [200] },
  'event_category.put': {
    params: { cat: (c) => (c.scope === 'in' ? 'qt.mxa' : 'qt.mxb') },
    body: () => ({ name: '矩阵测试', accept_minutes: 60, handle_minutes: 600, verify_minutes: 60 }),
    answer: () => [201],
  },
  // 上报范围 (docs/events.md, "Intake"): the grid, here chosen by hand, must
  // lie within the caller's reach — their unit for command and leaders, the
  // community for grid staff, the district for departments and residents
  'event.create': {
    cases: ['in', 'out'],
    body: (c) => ({ category: 'csgl.srhj', description: '授权矩阵测试', lon: point[0], lat: point[1],
                    grid: REPORT_GRID[c.scope](c.user), grid_reason: '矩阵：指定网格' }),
    // admins configure, they do not report
    answer: (c) => (c.user.role === 'admin' ? [403, 'event.source_forbidden']
      : c.scope === 'out' && !['department', 'resident'].includes(c.user.role) ? [403, 'event.out_of_scope']
        : [201]),
  },
  'event.list': { answer: () => [200] },
  'event.get': {
    params: { id: (c) => (c.scope === 'in' ? events.in : events.out) },
    answer: (c) => (eventVisible(c) ? [200] : [404, 'event.not_found']),
  },
  // 督办: dispatchers and leaders over the event; others who see it may not
  'event.step': {
    params: { id: (c) => (c.scope === 'in' ? events.in : events.out) },
    body: () => ({ action: 'supervise', supervision: 1, note: '矩阵督办' }),
    answer: (c) => (!eventVisible(c) ? [404, 'event.not_found']
      : ['command', 'leader'].includes(c.user.role) ? [200] : [403, 'event.forbidden']),
  },
  // the filtered list for Excel: staff, within their own view
  'event.export': { query: () => '?format=csv&status=open', answer: () => [200] },
  // 12345 work orders from CSV: command centres and admins; the matrix's
  // empty JSON body is no CSV with the required columns
  'event.import': { answer: () => [400, 'csv.missing_column'] },
  // photos: any logged-in user uploads (raw bytes; a new photo every time)
  // and fetches by hash; `out` is a hash nobody uploaded
  'photo.upload': {
    raw: true,
    body: () => Buffer.concat([JPEG_HEAD, Buffer.from(`matrix photo ${++seq}`)]),
    answer: () => [201],
  },
  'photo.get': {
    params: { sha: (c) => (c.scope === 'in' ? photoSha : 'f'.repeat(64)) },
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'photo.not_found']),
  },
  // command centres (docs/command-centre.md). Reads take a unit the caller
  // may read (their own scope, the district for departments); changes are
  // made on the caller's own centre; `:id` rows get a fresh object in the
  // caller's town (made by the admin) or one of the other town.
  'duty.now': { query: (c) => `?unit=${readUnit(c)}`, answer: () => [200] },
  'duty.calendar': { query: (c) => `?centre=${townOf(c)}`, answer: () => [200] },
  'duty.gaps': { query: (c) => `?unit=${readUnit(c)}&days=3`, answer: () => [200] },
  'duty.pattern_get': { params: { code: centreParam }, answer: () => [200] },
  // far ahead, with no slots: clears nothing the other rows rely on
  'duty.pattern_set': { params: { code: centreParam }, body: () => ({ starts_on: dutyDay(300), slots: [] }), answer: () => [200] },
  'duty.exception_add': {
    params: { code: centreParam },
    body: () => ({ date: dutyDay(200), shift: 'full', action: 'clear', note: 'matrix' }),
    answer: () => [201],
  },
  'duty.exception_delete': {
    params: {
      code: centreParam,
      id: async (c) => {
        if (c.scope !== 'in') return 1;
        const r = await srv.post(`/api/v1/duty/centres/${c.params.code}/exceptions`,
                                 { date: dutyDay(201), shift: 'full', action: 'clear' }, { headers: auth(await bearer('mx_admin')) });
        return r.status === 201 ? r.json.id : 1;
      },
    },
    answer: () => [200],
  },
  'duty.swap_list': { query: (c) => `?centre=${townOf(c)}`, answer: () => [200] },
  // the matrix users have no staff record: nobody to swap
  'duty.swap_create': {
    body: (c) => ({ centre: townOf(c), date: dutyDay(1), shift: 'full', to_person_id: 1 }),
    answer: () => [409, 'duty.no_person'],
  },
  'duty.swap_decide': {
    params: {
      id: async (c) => {
        if (c.user.role !== 'command') return 1;
        const own = c.user.scope;
        return makeSwap(c.scope === 'in' ? own : (own === '440111002' ? '440111010' : '440111002'));
      },
    },
    body: () => ({ approve: true }),
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'duty.swap_not_found']),
  },
  'duty.log_list': { query: (c) => `?centre=${townOf(c)}`, answer: () => [200] },
  'duty.people': { query: (c) => `?centre=${townOf(c)}`, answer: () => [200] },
  'duty.exception_list': { query: (c) => `?centre=${townOf(c)}`, answer: () => [200] },
  'duty.log_add': {
    body: (c) => ({ centre: townOf(c), kind: 'log', text: '矩阵测试' }),
    answer: (c) => (['admin', 'command'].includes(c.user.role) ? [201] : [403, 'duty.not_on_shift']),
  },

  'equipment.list': { query: (c) => `?unit=${readUnit(c)}`, answer: () => [200] },
  'equipment.create': { body: (c) => ({ unit: townOf(c), kind: 'computer', name: '矩阵电脑' }), answer: () => [201] },
  'equipment.get': { params: { id: (c) => objectId(c, 'equipment', false) }, answer: inOut('equipment.not_found') },
  'equipment.update': {
    params: { id: (c) => objectId(c, 'equipment', false) },
    body: () => ({ status: 'online' }),
    answer: inOut('equipment.not_found'),
  },
  'equipment.delete': { params: { id: (c) => objectId(c, 'equipment', true) }, answer: inOut('equipment.not_found') },

  // the matrix users have no staff record: no position of their own
  'force.report': { body: () => ({ status: 'on_duty' }), answer: () => [409, 'force.no_person'] },
  'force.list': { query: (c) => `?unit=${readUnit(c)}&limit=5`, answer: () => [200] },
  'force.nearest': { query: (c) => `?lon=${point[0]}&lat=${point[1]}&unit=${readUnit(c)}&limit=3`, answer: () => [200] },
  'force.eu_list': { query: (c) => `?unit=${readUnit(c)}`, answer: () => [200] },
  'force.eu_create': { body: (c) => ({ unit: euUnit(c), name: '矩阵应急单元' }), answer: () => [201] },
  'force.eu_update': {
    params: { id: (c) => objectId(c, 'emergency_unit', true) },
    body: () => ({ status: 'on_duty' }),
    answer: inOut('force.not_found'),
  },
  'force.eu_delete': { params: { id: (c) => objectId(c, 'emergency_unit', true) }, answer: inOut('force.not_found') },
  'force.volunteer_list': { query: (c) => `?unit=${readUnit(c)}`, answer: () => [200] },
  'force.volunteer_create': { body: (c) => ({ unit: volUnit(c), name: '矩阵志愿者' }), answer: () => [201] },
  'force.volunteer_update': {
    params: { id: (c) => objectId(c, 'volunteer', true) },
    body: () => ({ status: 'off' }),
    answer: inOut('force.not_found'),
  },
  'force.volunteer_delete': { params: { id: (c) => objectId(c, 'volunteer', true) }, answer: inOut('force.not_found') },
  // the live stream (Server-Sent Events): everybody logged in, each in their scope
  'stream': { stream: true, answer: () => [200] },
  // KPIs: the unit is a query parameter the handler checks against the
  // caller's grants, with the guard's answer for a unit outside them
  'kpi.get': {
    cases: ['in', 'out'],
    query: (c) => `?unit=${c.code}&from=2026-05-01&to=2026-06-01&by=unit`,
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'unit.not_found']),
  },
  'kpi.export': {
    cases: ['in', 'out'],
    query: (c) => `?unit=${c.code}&from=2026-05-01&to=2026-06-01&format=csv`,
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'unit.not_found']),
  },
  // dispatch recommendations: staff who can see the event (others: 404 like a missing one)
  'event.recommendations': {
    params: { id: (c) => (c.scope === 'in' ? events.in : events.out) },
    answer: (c) => (eventVisible(c) ? [200] : [404, 'event.not_found']),
  },
  // the reporter's phone in full: those who handle events, over events they see
  'event.contact': {
    params: { id: (c) => (c.scope === 'in' ? events.in : events.out) },
    answer: (c) => (eventVisible(c) ? [200] : [404, 'event.not_found']),
  },
  // the command big screen: admin, command, leader and wall displays, each over their own units
  'screen.summary': {
    cases: ['in', 'out'],
    query: (c) => `?unit=${c.code}`,
    answer: (c) => (c.scope === 'in' ? [200] : [404, 'unit.not_found']),
  },
  // the live stream on the path a wall display's cookie is sent to
  'screen.stream': { stream: true, answer: () => [200] },
  // wall displays: admins and command officers manage those of their units
  // (`in` a unit inside their grant, `out` one outside: 404 as for none)
  'display.list': { answer: () => [200] },
  'display.create': {
    cases: ['in', 'out'],
    body: (c) => ({ name: `矩阵大屏 ${++seq}`, unit: c.code }),
    answer: (c) => (c.scope === 'in' ? [201] : [404, 'unit.not_found']),
  },
  'display.pairing': { params: { id: displayId }, answer: (c) => (c.scope === 'in' ? [200] : [404, 'display.not_found']) },
  'display.revoke': { params: { id: displayId }, answer: (c) => (c.scope === 'in' ? [200] : [404, 'display.not_found']) },
  // public: whoever holds a fresh pairing code (anyone may try: throttled)
  'display.pair': { body: async () => ({ code: (await makeDisplay('440111')).pairing.code }), answer: () => [200] },
  // a display's own facts: displays only
  'display.me': { answer: () => [200] },
};

/** A display made by the admin in `unit`: {display, pairing}. */
async function makeDisplay(unit) {
  const r = await srv.post('/api/v1/displays', { name: `矩阵大屏 ${++seq}`, unit }, { headers: auth(await bearer('mx_admin')) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** A display to renew or revoke: in scope one of the caller's own units (a
 * fresh one: the call may revoke it), out of scope one of the other town,
 * or an id that does not exist for the district admin. */
async function displayId(c) {
  if (!['admin', 'command'].includes(c.user.role)) return 1;
  if (c.scope === 'in') return (await makeDisplay(townOf(c))).display.id;
  if (c.user.role === 'admin') return 99999999;
  return (await makeDisplay(townOf(c) === '440111002' ? '440111010' : '440111002')).display.id;
}

/** The token of a new wall display of `unit`, paired. */
async function pairDisplay(unit) {
  const made = await makeDisplay(unit);
  const r = await srv.post('/api/v1/displays/pair', { code: made.pairing.code });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

const EVENT_GRID = { in: '4401110020010101', out: '4401110100010101' };
// where a matrix user reports: a grid within their reach, and one beyond it
// (for grid staff 龙北社区, another community of their town; for the rest
// the other town; departments and residents reach the whole district)
const REPORT_GRID = {
  in: (u) => (u.username === 'mx_command_jx' ? EVENT_GRID.out : EVENT_GRID.in),
  out: (u) => (u.username === 'mx_command_jx' ? EVENT_GRID.in
    : ['station_head', 'grid_leader', 'grid_worker'].includes(u.role) ? '4401110020020101' : EVENT_GRID.out),
};
const events = {};                               // ids of the `in` and `out` events
/** May the matrix caller see the event of this case? (a territorial grant over its grid) */
function eventVisible(c) {
  if (['department', 'resident', 'anonymous'].includes(c.user.role)) return false;
  return EVENT_GRID[c.scope].startsWith(c.user.scope);
}


// ------------------------------------------------------------------ setup

let srv;
let otherTokenId;                                // mx_outsider's token, which nobody else may revoke
let otherToken;
let foreign;                                     // [account id, grant id] of FOREIGN
const creds = new Map();                         // username -> bearer token

async function login(username, kind = 'app') {
  const display = USERS.find((u) => u.username === username && u.display);
  if (display) return pairDisplay(display.scope);
  const r = await srv.post('/api/v1/auth/login', { username, password: PASSWORD, kind });
  assert.equal(r.status, 200, `log-in of ${username}: ${r.text}`);
  return r.json.token;
}

async function bearer(username) {
  if (!creds.has(username)) creds.set(username, await login(username));
  return creds.get(username);
}

const auth = (token) => ({ authorization: `Bearer ${token}` });

/** GET a route that may answer with an endless stream: a 200 is read up to
 * its headers and then aborted; any other answer is read whole. */
async function streamRequest(path, headers) {
  const ac = new AbortController();
  const res = await fetch(srv.url + path, { headers, signal: ac.signal });
  if (res.status === 200) {
    ac.abort();
    return { status: 200, headers: res.headers, text: '', json: undefined };
  }
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

before(async () => {
  const db = demoDb();
  createUsers(db, [...USERS, OUTSIDER]);
  createUsers(db, [FOREIGN], { sql: true });
  srv = await startServer({ db });
  foreign = dbExec(srv.db, `SELECT a.id || ' ' || r.id FROM account a JOIN account_role r ON r.account_id = a.id WHERE a.username = 'mx_foreign'`)
    .trim().split(' ').map(Number);
  assert.ok(foreign[0] > 0 && foreign[1] > 0, 'the foreign user exists');
  // a point well inside a grid of 三元里: the middle of its outline, checked
  const g = await srv.get('/api/v1/units/4401110020010101/geojson');
  assert.equal(g.status, 200, g.text);
  const geom = g.json.geometry || (g.json.features && g.json.features[0].geometry);
  const ring = geom.type === 'Polygon' ? geom.coordinates[0] : geom.coordinates[0][0];
  const cand = [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];
  const l = await srv.get(`/api/v1/locate?lon=${cand[0]}&lat=${cand[1]}`);
  assert.equal(l.status, 200, `the middle of a demo grid is in a grid: ${l.text}`);
  point = cand;
  const t = await srv.post('/api/v1/auth/tokens', { name: 'outsider-integration', days: 1 },
                           { headers: auth(await bearer(OUTSIDER.username)) });
  assert.equal(t.status, 201, t.text);
  otherTokenId = t.json.id;
  otherToken = t.json.token;
  // the events the event routes read: one in each town
  const ein = await srv.post('/api/v1/events', { category: 'csgl.srhj', description: '矩阵：三元里', lon: point[0], lat: point[1] },
                             { headers: auth(await bearer('mx_gworker')) });
  assert.equal(ein.status, 201, ein.text);
  events.in = ein.json.id;
  const eout = await srv.post('/api/v1/events', { category: 'csgl.srhj', description: '矩阵：京溪', lon: point[0], lat: point[1],
                                                  grid: EVENT_GRID.out, grid_reason: '测试：指定网格' },
                              { headers: auth(await bearer(OUTSIDER.username)) });
  assert.equal(eout.status, 201, eout.text);
  assert.equal(eout.json.grid, EVENT_GRID.out);
  events.out = eout.json.id;
  const ph = await srv.post('/api/v1/photos', Buffer.concat([JPEG_HEAD, Buffer.from('matrix photo')]),
                            { raw: true, headers: auth(await bearer('mx_resident')) });
  assert.equal(ph.status, 201, ph.text);
  photoSha = ph.json.sha256;
});

after(async () => {
  // a clean exit: under ASan a leak or a memory error fails the suite here
  if (srv) assert.equal(await srv.stop(), 0, `server exit: ${srv.stderr.slice(-3000)}`);
});

// ------------------------------------------------------------------ tests

test('the route table and role.h parse, and every route has a matrix entry', () => {
  assert.ok(ROLES.flags.length >= 8, 'eight roles or more');
  const missing = ROUTE_ROWS.filter((r) => !ROUTES[r.name]);
  const msg = missing.map((r) => `route ${r.name} (${r.method} ${r.path}, ${r.roleExpr}) has no entry in the ` +
                                  'authorization matrix: add one to ROUTES in tests/api/0300-authz-matrix.test.mjs').join('\n');
  assert.equal(missing.length, 0, msg);
  const stale = Object.keys(ROUTES).filter((n) => !ROUTE_ROWS.some((r) => r.name === n));
  assert.deepEqual(stale, [], `matrix entries for routes that no longer exist: ${stale.join(', ')}`);
  for (const r of ROUTE_ROWS) {
    const placeholders = [...r.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
    for (const p of placeholders) {
      if (ROUTES[r.name]) assert.ok(ROUTES[r.name].params && ROUTES[r.name].params[p],
                                    `route ${r.name}: no value for :${p} in the authorization matrix`);
    }
  }
});

test('the route parser fails loudly on a row it cannot read', () => {
  const table = (rows) => `const struct http_route api_routes[] = {\n${rows}\n};\n`;
  const good = '\t{"GET",  "/a/:code",  api_a,  ROLE_STAFF | ROLE_RESIDENT, "a.get"},';
  assert.equal(parseRoutes(ROLES.value, table(good))[0].roles, ROLES.value.ROLE_STAFF | ROLES.value.ROLE_RESIDENT);
  // an optional sixth field: the route's own body limit
  for (const lim of ['PHOTO_BYTES_MAX', '10 * 1024 * 1024', '4096']) {
    const row = parseRoutes(ROLES.value, table(`\t{"POST", "/a", api_a, ROLE_ANY, "a.upload", ${lim}},`))[0];
    assert.equal(row.bodyMax, lim);
  }
  for (const bad of ['\t{"GET", "/a", api_a, ROLE_STAFF},', '\t{"GET", "/a", api_a, ROLE_NOBODY, "a"},',
                     '\t{"GET", "/a", api_a, ROLE_STAFF & ~ROLE_LEADER, "a"},', '\tROUTE("GET", "/a", api_a),',
                     '\t{"POST", "/a", api_a, ROLE_ANY, "a", photo_max},', '\t{"POST", "/a", api_a, ROLE_ANY, "a", 10 << 20},',
                     '\t{"POST", "/a", api_a, ROLE_ANY, "a", 1024, 2},', '\t{"POST", "/a", api_a, ROLE_ANY, "a", "1024"},',
                     '\t{"POST", "/a", api_a, ROLE_ANY, "a", },',
                     `${good}\n${good}`]) {
    assert.throws(() => parseRoutes(ROLES.value, table(bad)), /routes\.c:/, bad);
  }
});

test('every role is bound somewhere in the matrix users', () => {
  for (const f of ROLES.flags) {
    assert.ok(USERS.some((u) => u.role === f.name), `no matrix user holds role ${f.name}: add one to USERS`);
  }
});

/** What the row says this caller gets, before the handler has a say. */
function expected(row, entry, user, ctx) {
  if (row.roles === 0) return { kind: 'handler', want: entry.answer(ctx) };
  if (!user.username) return { kind: 'guard', want: [401, 'auth.required'] };
  const bit = ROLES.flags.find((f) => f.name === user.role).bit;
  if (!(row.roles & bit)) return { kind: 'guard', want: [403, 'auth.forbidden'] };
  if ('code' in ctx.params && ctx.scope === 'out') return { kind: 'scope', want: [404, 'unit.not_found'] };
  return { kind: 'handler', want: entry.answer(ctx) };
}

const results = [];

test('the matrix: every route × every role and anonymous × in and out of scope', async () => {
  const failures = [];
  for (const row of ROUTE_ROWS) {
    const entry = ROUTES[row.name];
    if (!entry) continue;                        // reported by the first test
    const hasParams = /:[a-z_]+/.test(row.path);
    for (const user of [ANON, ...USERS]) {
      for (const scope of entry.cases || (hasParams ? ['in', 'out'] : ['-'])) {
        const ctx = {
          user, scope, code: scope === 'out' ? (user.out || '440111010001') : (user.in || '440111002001'),
          params: {},
          // a token of the caller's own to revoke (callers that may not create
          // one are stopped by the guard before the id matters)
          ownTokenId: async () => {
            if (!user.username || !(row.roles & ROLES.flags.find((f) => f.name === user.role).bit)) return 1;
            const t = await srv.post('/api/v1/auth/tokens', { name: 'to-revoke', days: 1 }, { headers: auth(await bearer(user.username)) });
            assert.equal(t.status, 201, t.text);
            return t.json.id;
          },
          // a user to read or change: a new one in the district (made by the
          // admin) when the caller gets past the guard, else the foreign one
          userId: async () => {
            const passes = user.username && (row.roles & ROLES.flags.find((f) => f.name === user.role).bit);
            if (scope !== 'in' || !passes) {
              ctx.grantId = foreign[1];
              return foreign[0];
            }
            const r = await srv.post('/api/v1/users', {
              username: `mx_target_${++seq}`, display_name: '目标用户', password: PASSWORD,
              grants: [{ role: 'grid_worker', scope: '4401110020010201' }],
            }, { headers: auth(await bearer('mx_admin')) });
            assert.equal(r.status, 201, r.text);
            ctx.grantId = r.json.user.grants[0].id;
            return r.json.user.id;
          },
        };
        let path = row.path;
        for (const [p, fn] of Object.entries(entry.params || {})) {
          ctx.params[p] = String(await fn(ctx));
          path = path.replace(`:${p}`, encodeURIComponent(ctx.params[p]));
        }
        if (entry.query) path += entry.query(ctx);
        const exp = expected(row, entry, user, ctx);
        const headers = {};
        if (user.username) headers.authorization = `Bearer ${entry.fresh ? await login(user.username) : await bearer(user.username)}`;
        const opts = { headers };
        if (entry.body) opts.body = await entry.body(ctx);
        else if (row.method === 'POST') opts.body = {};
        if (entry.raw) opts.raw = true;
        const r = entry.stream ? await streamRequest(path, headers) : await srv.request(row.method, path, opts);
        if (entry.revokes && user.username) creds.delete(user.username);
        const code = r.json && r.json.error ? r.json.error.code : undefined;
        const label = `${row.method} ${path} (${row.name}, ${row.roleExpr}) as ${user.username || 'anonymous'} [${user.role}], ${scope === '-' ? 'no scope' : scope + ' of scope'}`;
        let ok = r.status === exp.want[0] && (exp.want[1] === undefined || code === exp.want[1]);
        if (row.roles === 0 && (r.status === 401 || r.status === 403)) ok = false;
        if (exp.kind === 'handler' && (code === 'auth.required' || code === 'auth.forbidden' || code === 'auth.csrf')) ok = false;
        results.push({ route: row.name, user: user.username || '-', role: user.role, scope, status: r.status, code, ok });
        if (!ok) failures.push(`${label}: expected ${exp.want.join(' ')}, got ${r.status} ${code || ''} ${r.text.slice(0, 160)}`);
      }
    }
  }
  const n = results.length;
  const routesWithScope = ROUTE_ROWS.filter((r) => /:[a-z_]+/.test(r.path) || (ROUTES[r.name] || {}).cases).length;
  console.log(`# authorization matrix: ${ROUTE_ROWS.length} routes (${routesWithScope} run in and out of scope) × ` +
              `${USERS.length + 1} callers (${ROLES.flags.length} roles, a second command user, anonymous) = ${n} requests`);
  assert.deepEqual(failures, [], `${failures.length} of ${n} matrix cells wrong:\n${failures.join('\n')}`);
});

// ------------------------------------------------ scope, looked at closely

test('三元里 dispatcher cannot read 京溪 staff: 404, the same answer as for a unit that does not exist', async () => {
  const sy = auth(await bearer('mx_command'));
  const jx = auth(await bearer('mx_command_jx'));
  assert.equal((await srv.get('/api/v1/units/440111002001/staff', { headers: sy })).status, 200);
  assert.equal((await srv.get('/api/v1/units/440111010001/staff', { headers: jx })).status, 200);
  for (const [h, code] of [[sy, '440111010'], [sy, '440111010001'], [sy, '4401110100010101'], [jx, '440111002'],
                           [jx, '4401110020010101']]) {
    for (const q of ['', '?history=1']) {
      const outside = await srv.get(`/api/v1/units/${code}/staff${q}`, { headers: h });
      assertError(assert, outside, 404, 'unit.not_found');
      // a unit of the caller's own subtree that does not exist: the handler's 404
      const own = h === sy ? '440111002099' : '440111010099';
      const missing = await srv.get(`/api/v1/units/${own}/staff${q}`, { headers: h });
      assertError(assert, missing, 404, 'unit.not_found');
      const norm = (j, c) => JSON.stringify(j).split(c).join('CODE');
      assert.equal(norm(outside.json, code), norm(missing.json, own),
                   'out of scope and non-existent read alike (nothing to learn about what lies outside)');
    }
  }
  // the public look-ups stay public for both
  for (const h of [sy, jx, {}]) {
    assert.equal((await srv.get('/api/v1/units/440111010001', { headers: h })).status, 200);
    assert.equal((await srv.get('/api/v1/units/440111002001/children', { headers: h })).status, 200);
  }
});

test('a grant covers its subtree only: not the parent, not a sibling, not a look-alike code', async () => {
  const w = auth(await bearer('mx_gworker'));        // grid 4401110020010101
  assert.equal((await srv.get('/api/v1/units/4401110020010101/staff', { headers: w })).status, 200);
  for (const c of ['44011100200101', '440111002001', '440111002', '440111', '4401110020010102', '4401110020010111',
                   '44011100200101011', '4401110020010101x', '4401110020010101%20', '440111002001010']) {
    const r = await srv.get(`/api/v1/units/${c}/staff`, { headers: w });
    assertError(assert, r, 404, 'unit.not_found');
  }
  const l = auth(await bearer('mx_gleader'));        // area 44011100200101
  for (const c of ['44011100200101', '4401110020010101', '4401110020010103']) {
    assert.equal((await srv.get(`/api/v1/units/${c}/staff`, { headers: l })).status, 200, c);
  }
  for (const c of ['440111002001', '44011100200102', '4401110020010201']) {
    assertError(assert, await srv.get(`/api/v1/units/${c}/staff`, { headers: l }), 404, 'unit.not_found');
  }
});

test('the role check comes before the scope check: a resident gets 403 in and out of scope', async () => {
  const r = auth(await bearer('mx_resident'));
  for (const c of ['440111', '440111002', ELSEWHERE, 'nonsense']) {
    assertError(assert, await srv.get(`/api/v1/units/${c}/staff`, { headers: r }), 403, 'auth.forbidden');
  }
});

test("nobody could revoke another account's token: it still works", async () => {
  const r = await srv.get('/api/v1/auth/me', { headers: auth(otherToken) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.username, OUTSIDER.username);
  const list = await srv.get('/api/v1/auth/tokens', { headers: auth(await bearer(OUTSIDER.username)) });
  assert.ok(list.json.tokens.some((t) => t.id === otherTokenId));
});
