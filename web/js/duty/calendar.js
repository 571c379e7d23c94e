// duty/calendar.js - the rota as a month grid or a week list, with the
// selected shift in a side panel (shift.js).
//
// Each shift is a button: its kind (白/夜/24h), the 带班领导 in bold, the
// 值班员; people who came by an approved swap carry ⇄, those added by an
// exception +, people an exception took off are struck through, a cleared
// or empty shift says so in red. Today's cell and the shift running now are
// marked. One calendar request (≤ 62 days) and one exceptions request per
// range, cached until the page refreshes.

import { h } from '../util.js';
import {
  api, addDays, addMonths, mondayOf, monthOf, monthText, dayText, dayLong, dutyToday,
  isNow, isOver, shiftKey, SHIFT_LABEL, SHIFT_SHORT, SHIFT_TIME, SHIFT_ORDER, WEEKDAY, SWAP_STATUS,
} from './model.js';
import { renderShiftPanel } from './shift.js';

let cache = { key: '', promise: null };

/** The days shown: a month grid runs Monday to Sunday around the month. */
function range(view, d) {
  if (view === 'week') return [d, addDays(d, 6)];
  const from = mondayOf(d);
  const last = addDays(addMonths(d, 1), -1);
  return [from, addDays(mondayOf(last), 6)];
}

/** Calendar and exceptions of the range (cached per centre, range and refresh). */
function load(ctx, from, to) {
  const key = `${ctx.centre}|${from}|${to}|${ctx.gen || 0}`;
  if (cache.key !== key) {
    const promise = Promise.all([api.calendar(ctx.centre, from, to), api.exceptions(ctx.centre, from, to)]);
    cache = { key, promise };
    promise.catch(() => { if (cache.promise === promise) cache = { key: '', promise: null }; });
  }
  return cache.promise;
}

/** Index: shift key -> {shift, exceptions, pending swaps}. */
function indexOf(cal, exceptions, swaps) {
  const idx = new Map();
  for (const d of cal.days) {
    for (const s of d.shifts) idx.set(shiftKey(d.date, s.shift), { date: d.date, shift: s, ex: [], pending: [] });
  }
  const slot = (date, shift) => {
    const k = shiftKey(date, shift);
    if (!idx.has(k)) idx.set(k, { date, shift: null, ex: [], pending: [] });
    return idx.get(k);
  };
  for (const x of exceptions) slot(x.date, x.shift).ex.push(x);
  for (const s of swaps || []) {
    if (s.status !== 'pending') continue;
    if (idx.has(shiftKey(s.date, s.shift))) idx.get(shiftKey(s.date, s.shift)).pending.push(s);
  }
  return idx;
}

export async function renderCalendar(panel, ctx) {
  const view = ctx.params.get('view');
  const anchor = ctx.params.get('d');
  const [from, to] = range(view, anchor);
  let body = panel.querySelector('#cal-body');
  if (!body || panel.dataset.centre !== ctx.centre) {
    panel.dataset.centre = ctx.centre;
    panel.replaceChildren(toolbar(ctx), h('div', { class: 'cal-layout' },
      h('div', { class: 'cal-main', id: 'cal-body' }, h('p', { class: 'loading' }, '正在读取排班…')),
      h('aside', { class: 'shift-panel card', id: 'shift-panel', 'aria-label': '班次详情' })));
    body = panel.querySelector('#cal-body');
  } else {
    panel.querySelector('.cal-toolbar').replaceWith(toolbar(ctx));
  }
  const [cal, ex] = await load(ctx, from, to);
  const idx = indexOf(cal, ex.exceptions, ctx.swaps);

  // the selection: the URL's, else the shift running now when it is shown
  let sel = ctx.params.get('sel');
  if (!sel || !idx.has(sel)) {
    const now = [...idx.values()].find((x) => x.shift && isNow(x.shift));
    sel = now ? shiftKey(now.date, now.shift.shift) : null;
  }
  const hadFocus = body.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  body.replaceChildren(view === 'week' ? weekList(ctx, cal, idx, sel) : monthGrid(ctx, cal, idx, sel, anchor));
  body.dataset.from = from;
  body.dataset.to = to;
  body.dataset.state = 'ready';
  if (hadFocus) body.querySelector(`[data-key="${hadFocus}"]`)?.focus();
  body.onkeydown = (ev) => arrows(ev, body, view);
  renderShiftPanel(panel.querySelector('#shift-panel'), ctx, sel ? idx.get(sel) : null);
}

/**
 * Arrow keys between the shift buttons: ←/→ the previous/next shift, ↑/↓
 * the same shift a week (month grid) or a day (week list) earlier/later.
 */
function arrows(ev, body, view) {
  const cur = ev.target.closest?.('button.shift');
  if (!cur || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(ev.key)) return;
  const all = [...body.querySelectorAll('button.shift')];
  let next = null;
  if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
    next = all[all.indexOf(cur) + (ev.key === 'ArrowLeft' ? -1 : 1)];
  } else {
    const step = (view === 'week' ? 1 : 7) * (ev.key === 'ArrowUp' ? -1 : 1);
    const date = addDays(cur.dataset.date, step);
    next = body.querySelector(`button.shift[data-date="${date}"][data-shift="${cur.dataset.shift}"]`) ||
      body.querySelector(`button.shift[data-date="${date}"]`);
  }
  if (!next) return;
  ev.preventDefault();
  next.focus();
}

/* --------------------------------------------------------------- toolbar */

function toolbar(ctx) {
  const view = ctx.params.get('view');
  const d = ctx.params.get('d');
  const step = (n) => (view === 'week' ? addDays(d, 7 * n) : addMonths(d, n));
  const title = view === 'week' ? `${dayText(d)} – ${dayText(addDays(d, 6))}` : monthText(d);
  const seg = (v, label) => h('button', {
    type: 'button', 'aria-pressed': String(view === v), 'data-view': v,
    onclick: () => ctx.go({ view: v, d: v === 'week' ? mondayOf(ctx.params.get('sel')?.slice(0, 10) || dutyToday()) : d }),
  }, label);
  return h('div', { class: 'cal-toolbar' },
    h('button', { type: 'button', class: 'btn btn-small', id: 'cal-prev', onclick: () => ctx.go({ d: step(-1) }) },
      h('span', { 'aria-hidden': 'true' }, '‹ '), view === 'week' ? '上一周' : '上个月'),
    h('button', { type: 'button', class: 'btn btn-small', id: 'cal-today', onclick: () => ctx.go({ d: dutyToday(), sel: null }) }, '今天'),
    h('button', { type: 'button', class: 'btn btn-small', id: 'cal-next', onclick: () => ctx.go({ d: step(1) }) },
      view === 'week' ? '下一周' : '下个月', h('span', { 'aria-hidden': 'true' }, ' ›')),
    h('h2', { class: 'cal-title', id: 'cal-title', 'aria-live': 'polite' }, `${ctx.centreName} · ${title}`),
    h('div', { class: 'cal-legend', 'aria-hidden': 'true' },
      h('span', { class: 'lg lg-leader' }, '领导'), h('span', { class: 'lg' }, '值班员'),
      h('span', { class: 'lg by-swap' }, '⇄ 换班'), h('span', { class: 'lg by-ex' }, '+ 加派'),
      h('span', { class: 'lg removed' }, '调出')),
    h('div', { class: 'seg', role: 'group', 'aria-label': '视图' }, seg('month', '月'), seg('week', '周')));
}

/* ---------------------------------------------------------------- people */

function swapOf(ctx, id) {
  return (ctx.swaps || []).find((s) => s.id === id);
}

/** One person on a shift, with the marks of how they came to be there. */
function personChip(ctx, p, role, entry) {
  const cls = ['p', role === 'leader' ? 'p-leader' : 'p-officer'];
  let title = `${role === 'leader' ? '带班领导' : '值班员'} ${p.name}`;
  let mark = null;
  if (p.swap_id) {
    const s = swapOf(ctx, p.swap_id);
    cls.push('by-swap');
    mark = '⇄';
    title += s ? `（换班：${s.to.id === p.id ? `替 ${s.from.name}` : `与 ${s.to.name} 互换`}，${SWAP_STATUS[s.status]?.[0] || ''}）` : '（换班）';
  } else if (p.by_exception) {
    const x = entry?.ex.find((e) => e.action === 'add' && e.person?.id === p.id);
    cls.push('by-ex');
    mark = '+';
    title += `（临时加派${x?.note ? `：${x.note}` : ''}）`;
  }
  return h('span', { class: cls.join(' '), title, 'data-person': p.id }, p.name,
    mark ? h('span', { class: 'mark', 'aria-hidden': 'true' }, mark) : null,
    mark ? h('span', { class: 'sr-only' }, mark === '⇄' ? '（换班）' : '（加派）') : null);
}

/** People an exception took off this shift and who are still off. */
function removed(entry) {
  const on = new Set([...(entry.shift?.leaders || []), ...(entry.shift?.officers || [])].map((p) => p.id));
  return entry.ex.filter((x) => x.action === 'remove' && x.person && !on.has(x.person.id));
}

/** The contents of a shift button. */
function shiftBody(ctx, entry, compact) {
  const s = entry.shift;
  const empty = !s || (!s.leaders.length && !s.officers.length);
  const cleared = entry.ex.some((x) => x.action === 'clear');
  const parts = [];
  if (s) {
    for (const p of s.leaders) parts.push(personChip(ctx, p, 'leader', entry));
    for (const p of s.officers) parts.push(personChip(ctx, p, 'officer', entry));
  }
  for (const x of removed(entry)) {
    parts.push(h('span', { class: 'p removed', title: `临时调出 ${x.person.name}${x.note ? `：${x.note}` : ''}` },
      h('s', {}, x.person.name), h('span', { class: 'sr-only' }, '（已调出）')));
  }
  const flags = [];
  if (empty) flags.push(h('span', { class: 'flag flag-gap' }, cleared ? '已清空 · 无人值班' : '无人值班'));
  else if (s && !s.leaders.length) flags.push(h('span', { class: 'flag flag-warn' }, '缺带班领导'));
  if (entry.pending.length) flags.push(h('span', { class: 'flag flag-pending', title: '有待审批的换班申请' }, compact ? '换班待批' : `${entry.pending.length} 条换班待审批`));
  return [h('span', { class: 'people' }, parts), flags.length ? h('span', { class: 'flags' }, flags) : null];
}

function shiftButton(ctx, entry, sel, compact) {
  const shift = entry.shift?.shift || entry.ex[0]?.shift;
  const key = shiftKey(entry.date, shift);
  const now = entry.shift && isNow(entry.shift);
  const over = entry.shift && isOver(entry.shift);
  const cls = ['shift', `shift-${shift}`];
  if (now) cls.push('is-now');
  if (over) cls.push('is-over');
  if (key === sel) cls.push('is-selected');
  if (!entry.shift || (!entry.shift.leaders.length && !entry.shift.officers.length)) cls.push('is-gap');
  return h('button', {
    type: 'button', class: cls.join(' '), 'data-key': key, 'data-date': entry.date, 'data-shift': shift,
    'aria-pressed': String(key === sel),
    'aria-label': null,
    title: `${dayLong(entry.date)} ${SHIFT_LABEL[shift]} ${SHIFT_TIME[shift]}${now ? '（正在值班）' : ''}`,
    onclick: () => ctx.go({ sel: key }, true),
  },
  h('span', { class: 'tag' }, SHIFT_SHORT[shift], h('span', { class: 'sr-only' }, `${SHIFT_LABEL[shift]}：`)),
  now ? h('span', { class: 'now-tag' }, '当前') : null,
  ...shiftBody(ctx, entry, compact));
}

function dayShifts(idx, date) {
  return SHIFT_ORDER.map((s) => idx.get(shiftKey(date, s))).filter(Boolean);
}

/* ------------------------------------------------------------ month grid */

function monthGrid(ctx, cal, idx, sel, month) {
  const today = dutyToday();
  const weeks = [];
  for (let i = 0; i < cal.days.length; i += 7) weeks.push(cal.days.slice(i, i + 7));
  return h('table', { class: 'cal-month', id: 'cal-month' },
    h('caption', { class: 'sr-only' }, `${ctx.centreName} ${monthText(month)} 排班`),
    h('thead', {}, h('tr', {}, [1, 2, 3, 4, 5, 6, 7].map((w) => h('th', { scope: 'col', class: w > 5 ? 'weekend' : null }, WEEKDAY[w])))),
    h('tbody', {}, weeks.map((week) => h('tr', {}, week.map((d) => {
      const shifts = dayShifts(idx, d.date);
      const cls = ['cal-day'];
      if (d.date === today) cls.push('is-today');
      if (monthOf(d.date) !== month) cls.push('other-month');
      if (d.date < today) cls.push('is-past');
      return h('td', { class: cls.join(' '), 'data-date': d.date },
        h('div', { class: 'cal-date' },
          h('span', { class: 'dnum' }, Number(d.date.slice(8, 10))),
          d.date.slice(8, 10) === '01' ? h('span', { class: 'dmon' }, `${Number(d.date.slice(5, 7))}月`) : null,
          d.date === today ? h('span', { class: 'today-tag' }, '今天') : null,
          h('span', { class: 'sr-only' }, dayLong(d.date))),
        shifts.length ? shifts.map((e) => shiftButton(ctx, e, sel, true)) : h('span', { class: 'muted none' }, '未排班'));
    })))));
}

/* ------------------------------------------------------------- week list */

function weekList(ctx, cal, idx, sel) {
  const today = dutyToday();
  const rows = [];
  for (const d of cal.days) {
    const shifts = dayShifts(idx, d.date);
    if (!shifts.length) {
      rows.push(h('tr', { class: d.date === today ? 'is-today' : null },
        h('th', { scope: 'row', class: 'nowrap' }, dayLong(d.date), d.date === today ? h('span', { class: 'today-tag' }, '今天') : null),
        h('td', { colspan: '3', class: 'muted' }, '未排班')));
      continue;
    }
    shifts.forEach((e, i) => {
      const s = e.shift;
      rows.push(h('tr', { class: [d.date === today ? 'is-today' : '', s && isNow(s) ? 'is-now' : ''].join(' ').trim() || null },
        i === 0 ? h('th', { scope: 'row', rowspan: String(shifts.length), class: 'nowrap' },
          dayLong(d.date), d.date === today ? h('span', { class: 'today-tag' }, '今天') : null) : null,
        h('td', { class: 'nowrap' }, SHIFT_LABEL[s?.shift || e.ex[0]?.shift], h('br'),
          h('span', { class: 'muted' }, SHIFT_TIME[s?.shift || e.ex[0]?.shift])),
        h('td', { class: 'week-shift' }, shiftButton(ctx, e, sel, false)),
        h('td', { class: 'week-notes' }, notes(ctx, e))));
    });
  }
  return h('table', { class: 'data cal-week', id: 'cal-week' },
    h('caption', { class: 'sr-only' }, `${ctx.centreName} 一周排班`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '日期'), h('th', { scope: 'col' }, '班次'),
      h('th', { scope: 'col' }, '值班人员（带班领导加粗）'), h('th', { scope: 'col' }, '调整与换班'))),
    h('tbody', {}, rows));
}

/** "郑芳 → 杨强明" for a person who came by swap (the return leg reversed). */
function swapLine(ctx, p) {
  const s = swapOf(ctx, p.swap_id);
  if (!s) return p.name;
  return s.to.id === p.id ? `${s.from.name} → ${s.to.name}` : `${s.to.name} → ${s.from.name}（还班）`;
}

/** Exceptions and swaps of a shift, one line each (week list). */
function notes(ctx, entry) {
  const out = [];
  for (const x of entry.ex) {
    const who = x.person ? x.person.name : '';
    const what = x.action === 'add' ? `加派${x.role === 'leader' ? '带班领导' : '值班员'} ${who}`
      : x.action === 'remove' ? `调出 ${who}` : '清空班次';
    out.push(h('div', { class: 'note-line' }, what, x.note ? h('span', { class: 'muted' }, `（${x.note}）`) : null));
  }
  for (const p of [...(entry.shift?.leaders || []), ...(entry.shift?.officers || [])]) {
    if (p.swap_id) out.push(h('div', { class: 'note-line by-swap' }, `换班：${swapLine(ctx, p)}`));
  }
  for (const s of entry.pending) out.push(h('div', { class: 'note-line pending' }, `换班待审批：${s.from.name} → ${s.to.name}`));
  return out.length ? out : h('span', { class: 'muted' }, '—');
}
