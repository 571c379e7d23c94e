// duty/pattern.js - the 排班模板 tab: the weekly pattern of a centre and
// its dated exceptions.
//
// The pattern: per weekday either one 24-hour shift, or a day and a night
// shift, or none; per shift 带班领导 and 值班员 picked from the centre's
// people (GET /duty/people). Saving replaces the pattern from a date on
// (PUT …/pattern, default the current duty date): earlier shifts stay as
// they were. Leaders read it; admin and command edit it.
// Below: the exceptions of the next 62 days, each removable; new ones are
// made on a shift in the calendar (临时调整).

import { h } from '../util.js';
import { msg, busy, confirmDialog, fmtTime } from '../forms.js';
import {
  api, canManage, addDays, dutyToday, dayLong, isDate, WEEKDAY, SHIFT_LABEL, ROLE_LABEL,
} from './model.js';

const SLOT_MAX = 16;
const MODES = [['full', '24小时'], ['daynight', '白班 + 夜班'], ['none', '不排班']];

export async function renderPattern(panel, ctx) {
  panel.dataset.centre = '';
  const today = dutyToday();
  const [pat, ex] = await Promise.all([
    api.pattern(ctx.centre), api.exceptions(ctx.centre, today, addDays(today, 61)),
  ]);
  const edit = canManage(ctx.user, ctx.centre);
  const starts = [...new Set(pat.rows.map((r) => r.starts_on))].sort();
  const latest = starts[starts.length - 1] || today;
  const rows = pat.rows.filter((r) => r.starts_on === latest);

  // the model: weekday -> {mode, slots: {shift: {leader: [ids], officer: [ids]}}}
  const model = {};
  for (let wd = 1; wd <= 7; wd++) model[wd] = { mode: 'none', slots: {} };
  for (const r of rows) {
    const m = model[r.weekday];
    m.mode = r.shift === 'full' ? 'full' : 'daynight';
    m.slots[r.shift] ||= { leader: [], officer: [] };
    if (!m.slots[r.shift][r.role].includes(r.person.id)) m.slots[r.shift][r.role].push(r.person.id);
  }

  const flashBox = h('div', { class: 'msg', id: 'pattern-msg', hidden: true });
  if (ctx.flash) msg(flashBox, ...ctx.flash);
  ctx.flash = null;
  const table = h('table', { class: 'data pattern-table', id: 'pattern-table' });
  const draw = () => table.replaceChildren(
    h('caption', { class: 'sr-only' }, '每周排班模板'),
    h('thead', {}, h('tr', {}, ['星期', '班制', '班次', '带班领导', '值班员'].map((t) => h('th', { scope: 'col' }, t)))),
    ...[1, 2, 3, 4, 5, 6, 7].map((wd) => weekdayRows(ctx, model, wd, edit, draw)));
  draw();

  const parts = [flashBox,
    h('section', { class: 'card', 'aria-labelledby': 'pattern-title' },
      h('div', { class: 'card-head' },
        h('h2', { id: 'pattern-title' }, '每周排班模板'),
        h('p', { class: 'hint' }, starts.length
          ? `当前模板自 ${dayLong(latest)}（${latest}）起执行${starts.length > 1 ? `；此前的模板执行到 ${dayLong(addDays(latest, -1))}` : ''}。`
          : '尚未设置排班模板。')),
      h('div', { class: 'table-wrap' }, table),
      edit ? saveBar(ctx, model, today) : h('p', { class: 'hint' }, '只有区管理员和指挥中心可以修改排班模板。'))];
  parts.push(exceptionCard(ctx, ex.exceptions, edit));
  panel.replaceChildren(...parts);
}

function weekdayRows(ctx, model, wd, edit, draw) {
  const m = model[wd];
  const shifts = m.mode === 'full' ? ['full'] : m.mode === 'daynight' ? ['day', 'night'] : [];
  const modeSel = edit ? h('select', { id: `mode-${wd}`, 'aria-label': `${WEEKDAY[wd]}班制` },
    MODES.map(([v, label]) => h('option', { value: v }, label))) : null;
  if (modeSel) {
    modeSel.value = m.mode;
    modeSel.addEventListener('change', () => {
      const old = m.slots;
      m.mode = modeSel.value;
      m.slots = {};
      // carry the people over: 24h <-> day (the night gets a copy of nobody)
      if (m.mode === 'full') m.slots.full = old.full || old.day || { leader: [], officer: [] };
      if (m.mode === 'daynight') {
        m.slots.day = old.day || old.full || { leader: [], officer: [] };
        m.slots.night = old.night || { leader: [], officer: [] };
      }
      draw();
      document.getElementById(`mode-${wd}`)?.focus();
    });
  }
  const first = (content) => h('th', { scope: 'rowgroup', rowspan: String(Math.max(shifts.length, 1)) }, content);
  if (!shifts.length) {
    return h('tbody', { 'data-weekday': wd },
      h('tr', {}, first(WEEKDAY[wd]), h('td', {}, modeSel || '不排班'), h('td', { colspan: '3', class: 'muted' }, '不排班')));
  }
  return h('tbody', { 'data-weekday': wd }, shifts.map((s, i) => {
    m.slots[s] ||= { leader: [], officer: [] };
    return h('tr', { 'data-shift': s },
      i === 0 ? first(WEEKDAY[wd]) : null,
      i === 0 ? h('td', { rowspan: String(shifts.length) }, modeSel || MODES.find(([v]) => v === m.mode)[1]) : null,
      h('td', { class: 'nowrap' }, SHIFT_LABEL[s]),
      h('td', {}, picker(ctx, m.slots[s], 'leader', `${WEEKDAY[wd]}${SHIFT_LABEL[s]}`, edit, draw, `pk-${wd}-${s}-leader`)),
      h('td', {}, picker(ctx, m.slots[s], 'officer', `${WEEKDAY[wd]}${SHIFT_LABEL[s]}`, edit, draw, `pk-${wd}-${s}-officer`)));
  }));
}

/** Chips of the people of a slot's role, with × and an "add" select. */
function picker(ctx, slot, role, where, edit, draw, id) {
  const ids = slot[role];
  const chips = ids.map((pid) => h('span', { class: `chip chip-${role}`, 'data-person': pid }, ctx.name(pid),
    edit ? h('button', {
      type: 'button', class: 'chip-x', 'aria-label': `从${where}移除${ROLE_LABEL[role]} ${ctx.name(pid)}`,
      onclick: () => {
        slot[role] = ids.filter((x) => x !== pid);
        draw();
        document.getElementById(id)?.focus();
      },
    }, '×') : null));
  if (!edit) return h('div', { class: 'chips' }, chips.length ? chips : h('span', { class: 'muted' }, '—'));
  const taken = new Set([...slot.leader, ...slot.officer]);
  const full = slot.leader.length + slot.officer.length >= SLOT_MAX;
  const people = (ctx.people?.people || []).filter((p) => !taken.has(p.id));
  const order = role === 'leader' ? ['leader', 'officer', null] : ['officer', 'leader', null];
  const label = { leader: '带班领导', officer: '值班员', null: '其他人员' };
  const add = h('select', { id, class: 'chip-add', 'aria-label': `${where}添加${ROLE_LABEL[role]}`, disabled: full },
    h('option', { value: '' }, full ? '已满 16 人' : '＋ 添加…'),
    order.map((r) => {
      const list = people.filter((p) => p.rota === r);
      return list.length ? h('optgroup', { label: label[r] }, list.map((p) => h('option', { value: String(p.id) }, p.name))) : null;
    }));
  add.addEventListener('change', () => {
    if (!add.value) return;
    slot[role] = [...ids, Number(add.value)];
    draw();
    document.getElementById(id)?.focus();
  });
  return h('div', { class: 'chips' }, chips, add);
}

function saveBar(ctx, model, today) {
  const box = h('div', { class: 'msg', hidden: true });
  const date = h('input', { type: 'date', id: 'pattern-start', value: today, min: today, max: addDays(today, 366), required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'pattern-save' }, '保存排班模板');
  const f = h('form', { class: 'pattern-save', novalidate: true },
    h('label', { for: 'pattern-start' }, '自'), date, h('span', {}, '起执行'),
    submit, box);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg(box, null);
    if (!isDate(date.value) || date.value < today) return msg(box, 'error', `生效日期须为 ${today} 或以后。`);
    const slots = [];
    const empty = [];
    for (let wd = 1; wd <= 7; wd++) {
      const m = model[wd];
      const shifts = m.mode === 'full' ? ['full'] : m.mode === 'daynight' ? ['day', 'night'] : [];
      for (const s of shifts) {
        const sl = m.slots[s] || { leader: [], officer: [] };
        if (!sl.leader.length && !sl.officer.length) empty.push(`${WEEKDAY[wd]}${SHIFT_LABEL[s]}`);
        else slots.push({ weekday: wd, shift: s, leaders: sl.leader, officers: sl.officer });
      }
    }
    const body = [`自 ${dayLong(date.value)}（${date.value}）起按新模板排班，此前的班次保持不变；已有的临时调整和换班仍然有效。`];
    if (empty.length) body.push(`注意：${empty.join('、')} 没有安排人员，将无人值班。`);
    if (!(await confirmDialog({ title: '保存排班模板', body, ok: '保存' }))) return;
    await busy(submit, '保存中…', async () => {
      try {
        const r = await api.setPattern(ctx.centre, { starts_on: date.value, slots });
        ctx.flash = ['ok', `排班模板已保存（${r.rows} 条），自 ${date.value} 起执行。`];
        await ctx.refresh();
      } catch (e) {
        ctx.fail(e, box);
      }
    });
  });
  return f;
}

function exceptionCard(ctx, list, edit) {
  const box = h('div', { class: 'msg', hidden: true });
  const what = (x) => (x.action === 'add' ? `加派${ROLE_LABEL[x.role] || ''} ${x.person?.name || ''}`
    : x.action === 'remove' ? `调出 ${x.person?.name || ''}` : '清空班次');
  return h('section', { class: 'card', 'aria-labelledby': 'ex-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'ex-title' }, '临时调整（未来 62 天）'),
      h('p', { class: 'hint' }, '新增临时调整：在排班日历中点击班次，选择“临时调整”。')),
    list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data stack', id: 'ex-table' },
      h('thead', {}, h('tr', {}, ['班次', '调整', '备注', '登记时间', ''].map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'sr-only' }, '操作'))))),
      h('tbody', {}, list.map((x) => h('tr', { 'data-ex': x.id },
        h('td', { 'data-label': '班次', class: 'nowrap' }, h('a', {
          href: `#${new URLSearchParams({ c: ctx.centre, tab: 'cal', view: 'month', d: x.date, sel: `${x.date}.${x.shift}` })}`,
        }, `${dayLong(x.date)} ${SHIFT_LABEL[x.shift]}`)),
        h('td', { 'data-label': '调整' }, what(x)),
        h('td', { 'data-label': '备注' }, x.note || '—'),
        h('td', { 'data-label': '登记', class: 'nowrap' }, fmtTime(x.created_at)),
        h('td', {}, edit ? h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `撤销 ${x.date} ${what(x)}`,
          onclick: async (ev) => {
            if (!(await confirmDialog({ title: '撤销临时调整', body: `撤销 ${dayLong(x.date)} ${SHIFT_LABEL[x.shift]} 的“${what(x)}”？`, ok: '撤销', danger: true }))) return;
            await busy(ev.currentTarget, '撤销中…', async () => {
              try {
                await api.deleteException(ctx.centre, x.id);
                ctx.flash = ['ok', `已撤销：${what(x)}`];
                await ctx.refresh();
              } catch (e) {
                ctx.fail(e, box);
              }
            });
          },
        }, '撤销') : null)))))) : h('p', { class: 'muted' }, '未来 62 天没有临时调整。'),
    box);
}
