// duty/main.js - /duty: the command centres' duty rota (值班安排).
//
// One page, four tabs, the place in the URL hash so reload and back keep it:
//   #c=440111002&tab=cal&view=month&d=2026-11-01&sel=2026-11-30.full
//   tab cal      month grid or week list of the resolved rota, the selected
//                shift in a side panel (people, swap request, exceptions)
//   tab swaps    swap requests; command of the centre approves or rejects
//   tab log      the shift log (值班日志) and hand-over notes
//   tab pattern  the weekly pattern and dated exceptions (admin, command;
//                leaders read it)
// Above the tabs: who is on duty now (GET /duty/now) and the gaps of the
// next 7 days (GET /duty/gaps) in red.
//
// Modules: model.js (dates, permissions, API, error texts), calendar.js,
// shift.js, swaps.js, log.js, pattern.js; every one builds DOM with
// util.js's h(), which never parses strings as HTML.

import { isStaff, needsLogin, goLogin, roleLabels } from '../auth.js';
import { getChildren } from '../api.js';
import { startProtectedPage } from '../usermenu.js';
import { h, telLink } from '../util.js';
import { msg } from '../forms.js';
import {
  DISTRICT, api, errText, dutyToday, isDate, monthOf, mondayOf, readableCentres, homeCentre,
  canReadPattern, SHIFT_LABEL, SHIFT_TIME, dayLong, cstTime,
} from './model.js';
import { renderCalendar } from './calendar.js';
import { renderSwaps } from './swaps.js';
import { renderLog } from './log.js';
import { renderPattern } from './pattern.js';

const $ = (id) => document.getElementById(id);
const main = $('main');

const TABS = [
  ['cal', '排班日历'],
  ['swaps', '换班申请'],
  ['log', '值班日志'],
  ['pattern', '排班模板'],
];

/** Everything the tabs share. */
const ctx = {
  user: null,
  centres: [],                 // [{code, name}] the user may read
  centre: null,                // code shown
  centreName: '',
  people: null,                // GET /duty/people of the centre: {me, people, byId}
  swaps: null,                 // GET /duty/swaps of the centre (newest first)
  now: null,                   // GET /duty/now of the centre
  params: new URLSearchParams(),
  gen: 0,                      // bumped by refresh(): cached calendars are stale
  flash: null,                 // [kind, text] to show once after a change
  /** Change the hash (a new history entry unless replace). */
  go(changes, replace = false) {
    const p = new URLSearchParams(ctx.params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') p.delete(k);
      else p.set(k, v);
    }
    const hash = `#${p.toString()}`;
    if (hash === location.hash) return route();
    if (replace) {
      history.replaceState(null, '', hash);
      route();
    } else {
      location.hash = hash;
    }
  },
  /** Reload what a change touches: banner, gaps, swaps, people; then the tab. */
  async refresh() {
    ctx.gen = (ctx.gen || 0) + 1;
    shared = null;
    await route();
  },
  fail,
  name: (id) => ctx.people?.byId.get(id)?.name || `人员 ${id}`,
};

let shared = null;             // promise of the centre's shared data, by centre
let seq = 0;

/* ---------------------------------------------------------------- start */

async function start() {
  const user = await startProtectedPage((m) => main.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' }, m)));
  if (!user) return;
  ctx.user = user;
  main.setAttribute('aria-busy', 'false');
  if (!isStaff(user)) return denied();
  let towns = [];
  try {
    towns = (await getChildren(DISTRICT)).children.filter((c) => c.level === 'town');
  } catch (e) {
    return fail(e, null);
  }
  ctx.centres = readableCentres(user, { code: DISTRICT, name: '白云区' }, towns.map((t) => ({ code: t.code, name: t.name })));
  window.addEventListener('hashchange', route);
  route();
}

function denied() {
  document.title = '无权访问 · 网格化服务管理平台';
  const roles = roleLabels(ctx.user);
  main.replaceChildren(h('section', { class: 'card denied', role: 'alert', id: 'denied' },
    h('h1', { tabindex: '-1' }, '无权访问'),
    h('p', {}, '值班安排仅供工作人员使用。'),
    h('p', {}, `你当前的角色：${roles.length ? roles.join('、') : '无'}。`),
    h('p', {}, h('a', { class: 'btn btn-primary', href: '/' }, '返回网格地图'))));
  main.querySelector('h1').focus();
}

/** A failed call: log in again, or a message in box (the page when null). */
function fail(e, box) {
  if (needsLogin(e)) return goLogin(e.code === 'auth.csrf' ? 'csrf' : 'expired');
  const text = errText(e);
  if (box) msg(box, 'error', text);
  else main.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' }, text));
  return null;
}

/* -------------------------------------------------------------- routing */

function readParams() {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (!ctx.centres.some((c) => c.code === p.get('c'))) p.set('c', homeCentre(ctx.user, ctx.centres));
  if (!TABS.some(([t]) => t === p.get('tab'))) p.set('tab', 'cal');
  if (p.get('tab') === 'pattern' && !canReadPattern(ctx.user, p.get('c'))) p.set('tab', 'cal');
  if (!['month', 'week'].includes(p.get('view'))) p.set('view', 'month');
  if (!isDate(p.get('d') || '')) p.set('d', dutyToday());
  p.set('d', p.get('view') === 'month' ? monthOf(p.get('d')) : mondayOf(p.get('d')));
  return p;
}

async function loadShared(centre) {
  const [now, people, swaps, gaps] = await Promise.all([
    api.now(centre), api.people(centre), api.swaps(centre), api.gaps(centre, 7),
  ]);
  people.byId = new Map(people.people.map((p) => [p.id, p]));
  return { centre, now, people, swaps: swaps.swaps, gaps };
}

async function route() {
  const my = ++seq;
  ctx.params = readParams();
  const centre = ctx.params.get('c');
  if (!shared || shared.centre !== centre) {
    shared = { centre, promise: loadShared(centre) };
    shared.promise.catch(() => { shared = null; });
  }
  skeleton();
  main.dataset.state = 'loading';
  let data;
  try {
    data = await shared.promise;
  } catch (e) {
    if (my === seq) fail(e, $('duty-msg'));
    return;
  }
  if (my !== seq) return;
  ctx.centre = centre;
  ctx.centreName = ctx.centres.find((c) => c.code === centre)?.name || centre;
  ctx.now = data.now;
  ctx.people = data.people;
  ctx.swaps = data.swaps;
  document.title = `值班安排 · ${ctx.centreName} · 网格化服务管理平台`;
  renderNow(data.now);
  renderGaps(data.gaps);
  renderTabs();
  const panel = $('tab-panel');
  const tab = ctx.params.get('tab');
  panel.setAttribute('aria-labelledby', `tab-${tab}`);
  try {
    if (tab === 'cal') await renderCalendar(panel, ctx);
    else if (tab === 'swaps') await renderSwaps(panel, ctx);
    else if (tab === 'log') await renderLog(panel, ctx);
    else if (tab === 'pattern') await renderPattern(panel, ctx);
  } catch (e) {
    if (my === seq) fail(e, $('duty-msg'));
  }
  if (my === seq) main.dataset.state = 'ready';   // for tests and screenshots
}

/* --------------------------------------------------------------- layout */

/** The page frame, built once; later routes only refill its parts. */
function skeleton() {
  if ($('duty-head')) {
    $('centre-pick').value = ctx.params.get('c');
    return;
  }
  const pick = h('select', { id: 'centre-pick', 'aria-label': '指挥中心' },
    ctx.centres.map((c) => h('option', { value: c.code }, c.code === DISTRICT ? `${c.name}（区指挥中心）` : c.name)));
  pick.value = ctx.params.get('c');
  pick.addEventListener('change', () => ctx.go({ c: pick.value, sel: null }));
  main.replaceChildren(
    h('div', { class: 'duty-head', id: 'duty-head' },
      h('h1', {}, '值班安排'),
      h('label', { class: 'centre-label', for: 'centre-pick' }, '指挥中心'),
      pick,
      h('span', { class: 'duty-head-right' },
        h('button', { type: 'button', class: 'btn btn-small', id: 'btn-refresh', onclick: () => ctx.refresh() }, '刷新'))),
    h('div', { id: 'duty-msg', class: 'msg', hidden: true }),
    h('section', { class: 'now-banner', id: 'duty-now', 'aria-label': '当前值班', 'aria-live': 'polite' },
      h('p', { class: 'loading' }, '正在读取当前值班…')),
    h('section', { class: 'gaps', id: 'duty-gaps', 'aria-label': '未来 7 天排班缺口', hidden: true }),
    h('div', { class: 'tabs duty-tabs', role: 'tablist', id: 'duty-tabs', 'aria-label': '值班安排' }),
    h('div', { class: 'tab-panel', id: 'tab-panel', role: 'tabpanel', tabindex: '-1' }));
}

function renderTabs() {
  const bar = $('duty-tabs');
  const cur = ctx.params.get('tab');
  const pending = (ctx.swaps || []).filter((s) => s.status === 'pending').length;
  const tabs = TABS.filter(([t]) => t !== 'pattern' || canReadPattern(ctx.user, ctx.centre));
  bar.replaceChildren(...tabs.map(([t, label]) => h('button', {
    type: 'button', role: 'tab', id: `tab-${t}`, class: 'tab', 'data-tab': t,
    'aria-selected': String(t === cur), 'aria-controls': 'tab-panel', tabindex: t === cur ? '0' : '-1',
    onclick: () => ctx.go({ tab: t }),
  }, label, t === 'swaps' && pending ? h('span', {
    class: 'count', title: `${pending} 条待审批`,
  }, String(pending), h('span', { class: 'sr-only' }, ' 条待审批')) : null)));
  bar.onkeydown = (ev) => {
    const list = [...bar.querySelectorAll('[role="tab"]')];
    const i = list.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % list.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + list.length) % list.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = list.length - 1;
    if (j === null) return;
    ev.preventDefault();
    list[j].focus();
    list[j].click();
  };
  // keep the focus on the tab after a re-render by the tab's own click
  const active = document.activeElement;
  if (active?.getAttribute?.('role') === 'tab') bar.querySelector(`[data-tab="${cur}"]`)?.focus();
}

/* ------------------------------------------------------- who is on now */

function peopleLine(list, cls) {
  if (!list.length) return h('span', { class: 'muted' }, '无');
  return list.map((p) => h('span', { class: `person ${cls}` },
    h('span', { class: 'pname' }, p.name), ' ', telLink(p.phone)));
}

function renderNow(n) {
  const box = $('duty-now');
  if (!n.on_duty || !n.shift) {
    box.className = 'now-banner now-none';
    box.replaceChildren(h('strong', { class: 'now-title' }, '当前无人值班'),
      h('span', {}, `${ctx.centreName}和区指挥中心此刻都没有排班，请尽快安排。`));
    return;
  }
  const s = n.shift;
  box.className = `now-banner${n.fallback ? ' now-fallback' : ''}`;
  box.replaceChildren(
    h('div', { class: 'now-when' },
      h('strong', { class: 'now-title' }, '正在值班'),
      h('span', { class: 'now-shift' }, `${n.centre.name} · ${SHIFT_LABEL[s.shift] || s.shift_label}`),
      h('span', { class: 'muted now-time' }, `${dayLong(s.date)} ${SHIFT_TIME[s.shift] || ''}`, '，',
        `至 ${cstTime(s.end, true)}`)),
    h('div', { class: 'now-who' },
      h('span', { class: 'now-role' }, '带班领导'), h('span', { class: 'now-people' }, peopleLine(s.leaders, 'leader')),
      h('span', { class: 'now-role' }, '值班员'), h('span', { class: 'now-people' }, peopleLine(s.officers, 'officer'))),
    n.fallback ? h('p', { class: 'now-note' }, `${ctx.centreName}此刻无人值班，由区指挥中心兜底。`) : '');
}

/* ----------------------------------------------------------------- gaps */

function renderGaps(g) {
  const box = $('duty-gaps');
  const gaps = g.gaps || [];
  if (!gaps.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.setAttribute('role', 'alert');
  box.replaceChildren(
    h('h2', {}, `未来 7 天有 ${gaps.length} 个班次缺人`),
    h('ul', { class: 'gap-list', id: 'gap-list' }, gaps.map((x) => h('li', { 'data-date': x.date, 'data-shift': x.shift, 'data-centre': x.centre },
      h('a', {
        href: `#${new URLSearchParams({ c: x.centre, tab: 'cal', view: 'month', d: x.date, sel: `${x.date}.${x.shift}` })}`,
      }, x.centre !== ctx.centre || ctx.centre === DISTRICT ? `${x.centre_name} ` : '',
      `${dayLong(x.date)} ${SHIFT_LABEL[x.shift] || x.shift}`),
      h('span', { class: 'gap-reason' }, x.reason === 'no_leader' ? '缺带班领导' : '无人值班')))));
}

start();
