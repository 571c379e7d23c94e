// duty/model.js - dates, labels, permissions and API calls of the duty page.
//
// Every date is a duty date "YYYY-MM-DD" in China Standard Time (UTC+8, no
// daylight saving), as the server uses them (docs/command-centre.md). Date
// arithmetic runs on UTC midnights of those strings, so the browser's own
// time zone never matters. Shifts: day 白班 08–18, night 夜班 18–08, full
// 24小时 08–08; between 00:00 and 08:00 the current duty date is yesterday.

import { get, post, request } from '../auth.js';

const enc = encodeURIComponent;
export const DISTRICT = '440111';
const CST = 8 * 3600e3;

export const SHIFT_LABEL = { day: '白班', night: '夜班', full: '24小时' };
export const SHIFT_SHORT = { day: '白', night: '夜', full: '24h' };
export const SHIFT_TIME = { day: '08:00–18:00', night: '18:00–次日08:00', full: '08:00–次日08:00' };
export const SHIFT_ORDER = ['day', 'night', 'full'];
export const WEEKDAY = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
export const ROLE_LABEL = { leader: '带班领导', officer: '值班员' };
export const SWAP_STATUS = { pending: ['待审批', 'status-warn'], approved: ['已批准', 'status-ok'], rejected: ['已驳回', 'status-off'] };
export const LOG_KIND = { log: '值班记录', handover: '交班记录' };

/* ---------------------------------------------------------------- dates */

const pad = (n) => String(n).padStart(2, '0');
const toDate = (s) => new Date(`${s}T00:00:00Z`);
const fromDate = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

export const isDate = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(toDate(s).getTime());

/** The current duty date (yesterday before 08:00 CST). */
export function dutyToday(now = Date.now()) {
  const d = new Date(now + CST);
  if (d.getUTCHours() < 8) d.setUTCDate(d.getUTCDate() - 1);
  return fromDate(d);
}

export function addDays(s, n) {
  const d = toDate(s);
  d.setUTCDate(d.getUTCDate() + n);
  return fromDate(d);
}

/** 1 Monday … 7 Sunday. */
export const weekday = (s) => ((toDate(s).getUTCDay() + 6) % 7) + 1;
export const monthOf = (s) => `${s.slice(0, 7)}-01`;
export const mondayOf = (s) => addDays(s, 1 - weekday(s));

export function addMonths(s, n) {
  const d = toDate(monthOf(s));
  d.setUTCMonth(d.getUTCMonth() + n);
  return fromDate(d);
}

/** "11月30日" */
export const dayText = (s) => `${Number(s.slice(5, 7))}月${Number(s.slice(8, 10))}日`;
/** "11月30日 周一" */
export const dayLong = (s) => `${dayText(s)} ${WEEKDAY[weekday(s)]}`;
/** "2026年11月" */
export const monthText = (s) => `${s.slice(0, 4)}年${Number(s.slice(5, 7))}月`;

/** An ISO instant in CST: "11-27 08:00" (withDate) or "08:00". */
export function cstTime(iso, withDate = false) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const d = new Date(t + CST);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return withDate ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm;
}

/** Is the shift running now / over? */
export const isNow = (s, now = Date.now()) => Date.parse(s.start) <= now && now < Date.parse(s.end);
export const isOver = (s, now = Date.now()) => Date.parse(s.end) <= now;

/** "2026-11-30.full" keys of shifts. */
export const shiftKey = (date, shift) => `${date}.${shift}`;

/* ------------------------------------------------------------- permissions */

const grantsOf = (user, roles) => (user?.grants || []).filter((g) => roles.includes(g.role));
const covers = (scope, code) => typeof scope === 'string' && !scope.includes('-') && code.startsWith(scope);

/** May the user change the rota of the centre (admin or command over it)? */
export const canManage = (user, code) => grantsOf(user, ['admin', 'command']).some((g) => covers(g.scope, code));
/** May the user decide swaps of the centre (command over it)? */
export const canDecide = (user, code) => grantsOf(user, ['command']).some((g) => covers(g.scope, code));
/** May the user read the weekly pattern (admin, command, leader over it)? */
export const canReadPattern = (user, code) =>
  grantsOf(user, ['admin', 'command', 'leader']).some((g) => covers(g.scope, code));

/**
 * The centres the user may read, given the district's towns: the whole
 * district for grants on it and for departments; else the district and the
 * grants' own towns. Each {code, name}.
 */
export function readableCentres(user, district, towns) {
  const staff = (user?.grants || []).filter((g) => g.role !== 'resident');
  const all = staff.some((g) => g.scope === district.code || String(g.scope).includes('-'));
  const mine = new Set(staff.map((g) => String(g.scope).slice(0, 9)));
  return [district, ...towns.filter((t) => all || mine.has(t.code))];
}

/** The centre to open first: the user's own town, else the district. */
export function homeCentre(user, centres) {
  for (const g of user?.grants || []) {
    const t = String(g.scope).slice(0, 9);
    if (t.length === 9 && centres.some((c) => c.code === t)) return t;
  }
  return centres[0]?.code || DISTRICT;
}

/* -------------------------------------------------------------------- API */

export const api = {
  now: (unit) => get(`/api/v1/duty/now?unit=${enc(unit)}`),
  calendar: (centre, from, to) => get(`/api/v1/duty/calendar?centre=${enc(centre)}&from=${from}&to=${to}`),
  gaps: (unit, days = 7) => get(`/api/v1/duty/gaps?unit=${enc(unit)}&days=${days}`),
  people: (centre) => get(`/api/v1/duty/people?centre=${enc(centre)}`),
  exceptions: (centre, from, to) => get(`/api/v1/duty/exceptions?centre=${enc(centre)}&from=${from}&to=${to}`),
  swaps: (centre, status = '', limit = 200) =>
    get(`/api/v1/duty/swaps?centre=${enc(centre)}&limit=${limit}${status ? `&status=${status}` : ''}`),
  requestSwap: (body) => post('/api/v1/duty/swaps', body),
  decideSwap: (id, approve, note) => post(`/api/v1/duty/swaps/${enc(id)}/decision`, note ? { approve, note } : { approve }),
  pattern: (centre) => get(`/api/v1/duty/centres/${enc(centre)}/pattern`),
  setPattern: (centre, body) => request('PUT', `/api/v1/duty/centres/${enc(centre)}/pattern`, body),
  addException: (centre, body) => post(`/api/v1/duty/centres/${enc(centre)}/exceptions`, body),
  deleteException: (centre, id) => request('DELETE', `/api/v1/duty/centres/${enc(centre)}/exceptions/${enc(id)}`),
  log: (centre, from, to, shift = '') =>
    get(`/api/v1/duty/log?centre=${enc(centre)}&from=${from}&to=${to}${shift ? `&shift=${shift}` : ''}`),
  addLog: (body) => post('/api/v1/duty/log', body),
  town: (code) => get(`/api/v1/units/${enc(code)}/children`),
};

/* ----------------------------------------------------------------- errors */

/** Chinese texts for the duty module's error codes (docs/api.md). */
const ERRORS = {
  'duty.swap_stale': '排班在申请之后有了变动，这次换班已不成立（换出人已不在该班次，或接班人已在该班次）。请驳回此申请，必要时重新申请。',
  'duty.swap_decided': '该换班申请已由其他人处理，请刷新查看结果。',
  'duty.swap_pending': '该班次已有一条待审批的换班申请，请等待审批结果后再申请。',
  'duty.swap_not_found': '找不到该换班申请，它可能不在你的管辖范围内。',
  'duty.not_on_duty': '无法换班：换出人不在该班次，或接班人已在该班次。',
  'duty.no_person': '你的账号未关联人员档案，不能申请换班。请联系区管理员为账号关联人员。',
  'duty.not_yours': '只能为自己的班次申请换班。',
  'duty.past': '该班次已经结束，不能再修改。',
  'duty.too_far': '只能安排 366 天以内的班次。',
  'duty.not_on_shift': '只有该班次的值班人员或本中心的指挥中心人员可以填写值班日志。',
  'duty.log_window': '只能为当前及前两个值班日的班次填写值班日志。',
  'duty.duplicate_slot': '同一天的同一班次出现了两次。',
  'duty.overlap': '同一天不能既排 24 小时班又排白班或夜班。',
  'duty.duplicate_person': '同一班次中同一人员出现了两次。',
  'duty.unknown_person': '找不到所选人员。',
  'duty.exception_not_found': '该临时调整已不存在（可能已被删除），请刷新。',
  'duty.not_centre': '只有区和镇街设有指挥中心。',
  'unit.not_found': '找不到该指挥中心，或它不在你的管辖范围内。',
  'auth.forbidden': '你的角色无权进行此操作。',
};

/** A message fit to show for an API error. */
export function errText(e) {
  return (e && ERRORS[e.code]) || e?.message || String(e);
}
