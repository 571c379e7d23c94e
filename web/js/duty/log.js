// duty/log.js - the 值班日志 tab: the log of one shift (the one running
// now unless another of the current or two previous duty dates is chosen)
// with a form for an entry or the hand-over note (交班记录), and below it
// the entries of past days grouped by shift.
//
// Who may write (server rule): the people on that shift and admin/command
// of the centre; the form is offered to them only.

import { h } from '../util.js';
import { msg, busy, fmtTime } from '../forms.js';
import {
  api, canManage, addDays, dutyToday, dayLong, isDate, isNow, shiftKey, SHIFT_LABEL, LOG_KIND,
} from './model.js';

const HISTORY_DAYS = 7;

export async function renderLog(panel, ctx) {
  panel.dataset.centre = '';
  const today = dutyToday();
  // the shifts one may log on: the current and the two previous duty dates
  const cal = await api.calendar(ctx.centre, addDays(today, -2), today);
  const shifts = cal.days.flatMap((d) => d.shifts.filter((s) => Date.parse(s.start) <= Date.now()));
  let key = ctx.params.get('ld') && ctx.params.get('ls') ? shiftKey(ctx.params.get('ld'), ctx.params.get('ls')) : null;
  if (!shifts.some((s) => shiftKey(s.date, s.shift) === key)) {
    const now = shifts.find((s) => isNow(s)) || shifts[shifts.length - 1];
    key = now ? shiftKey(now.date, now.shift) : null;
  }
  const cur = shifts.find((s) => shiftKey(s.date, s.shift) === key) || null;

  const hf = isDate(ctx.params.get('hf') || '') ? ctx.params.get('hf') : addDays(today, -(HISTORY_DAYS - 1));
  const ht = isDate(ctx.params.get('ht') || '') ? ctx.params.get('ht') : today;
  const [entries, history] = await Promise.all([
    cur ? api.log(ctx.centre, cur.date, cur.date, cur.shift) : Promise.resolve({ entries: [] }),
    hf <= ht ? api.log(ctx.centre, hf, ht) : Promise.resolve({ entries: [] }),
  ]);

  const flashBox = h('div', { class: 'msg', id: 'log-msg', hidden: true });
  if (ctx.flash) msg(flashBox, ...ctx.flash);
  ctx.flash = null;

  const pick = h('select', { id: 'log-shift', 'aria-label': '班次' },
    shifts.map((s) => h('option', { value: shiftKey(s.date, s.shift) },
      `${dayLong(s.date)} ${SHIFT_LABEL[s.shift]}${isNow(s) ? '（当前）' : ''}`)));
  if (key) pick.value = key;
  pick.addEventListener('change', () => {
    const [ld, ls] = pick.value.split('.');
    ctx.go({ ld, ls }, true);
  });

  const onShift = cur && ctx.people?.me && [...cur.leaders, ...cur.officers].some((p) => p.id === ctx.people.me);
  const mayWrite = cur && (onShift || canManage(ctx.user, ctx.centre));

  panel.replaceChildren(
    flashBox,
    h('section', { class: 'card', 'aria-labelledby': 'log-title' },
      h('div', { class: 'card-head' },
        h('h2', { id: 'log-title' }, '本班值班日志'),
        h('label', { class: 'inline-label', for: 'log-shift' }, '班次'), pick),
      cur ? h('p', { class: 'muted' }, '值班人员：',
        [...cur.leaders.map((p) => `${p.name}（带班领导）`), ...cur.officers.map((p) => p.name)].join('、') || '无')
        : h('p', { class: 'muted' }, '最近三天没有排班。'),
      entryList(entries.entries, 'log-entries', '本班次还没有日志。'),
      mayWrite ? logForm(ctx, cur) : cur ? h('p', { class: 'hint' }, '只有该班次的值班人员和本中心的指挥中心人员可以填写值班日志。') : null),
    h('section', { class: 'card', 'aria-labelledby': 'hist-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'hist-title' }, '历史日志'), historyRange(ctx, hf, ht)),
      grouped(history.entries)));
}

function entryList(entries, id, empty) {
  if (!entries.length) return h('p', { class: 'muted', id }, empty);
  return h('ol', { class: 'log-list', id }, entries.map((e) => h('li', { class: `log-${e.kind}`, 'data-entry': e.id },
    h('div', { class: 'log-meta' },
      h('span', { class: `badge ${e.kind === 'handover' ? 'badge-handover' : ''}` }, LOG_KIND[e.kind] || e.kind),
      h('span', { class: 'muted' }, fmtTime(e.created_at)),
      e.author ? h('span', { class: 'muted' }, e.author) : null),
    h('p', { class: 'log-text' }, e.text))));
}

function grouped(entries) {
  if (!entries.length) return h('p', { class: 'muted' }, '所选日期内没有日志。');
  const groups = new Map();
  for (const e of entries) {
    const k = shiftKey(e.date, e.shift);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(e);
  }
  return h('div', { class: 'log-groups', id: 'log-history' }, [...groups].reverse().map(([k, list]) => {
    const [date, shift] = k.split('.');
    return h('section', { class: 'log-group' },
      h('h3', {}, `${dayLong(date)} ${SHIFT_LABEL[shift] || shift}`, h('span', { class: 'muted' }, ` · ${list.length} 条`)),
      entryList(list, null, ''));
  }));
}

function historyRange(ctx, hf, ht) {
  const from = h('input', { type: 'date', id: 'hist-from', value: hf, max: dutyToday() });
  const to = h('input', { type: 'date', id: 'hist-to', value: ht, max: dutyToday() });
  const f = h('form', { class: 'hist-range' },
    h('label', { for: 'hist-from' }, '从'), from, h('label', { for: 'hist-to' }, '到'), to,
    h('button', { type: 'submit', class: 'btn btn-small' }, '查看'));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!isDate(from.value) || !isDate(to.value)) return;
    const [a, b] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
    ctx.go({ hf: a < addDays(b, -61) ? addDays(b, -61) : a, ht: b });
  });
  return f;
}

function logForm(ctx, cur) {
  const box = h('div', { class: 'msg', hidden: true });
  const kindLog = h('input', { type: 'radio', name: 'log-kind', value: 'log', id: 'log-kind-log', checked: true });
  const kindHand = h('input', { type: 'radio', name: 'log-kind', value: 'handover', id: 'log-kind-handover' });
  const text = h('textarea', { id: 'log-text', rows: '3', maxlength: '1300', placeholder: '如：10:15 接群众来电反映道路积水，已派网格员现场核实。' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'log-submit' }, '保存');
  const f = h('form', { class: 'form log-form', novalidate: true, 'aria-label': '填写值班日志' },
    h('fieldset', { class: 'field sp-kind' }, h('legend', { class: 'label' }, '类型'),
      h('div', { class: 'row-checks' },
        h('label', { class: 'check', for: kindLog.id }, kindLog, '值班记录'),
        h('label', { class: 'check', for: kindHand.id }, kindHand, '交班记录（交接班时填写）'))),
    h('div', { class: 'field' }, h('label', { for: text.id }, '内容'), text),
    box,
    h('div', { class: 'actions' }, submit));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg(box, null);
    const t = text.value.trim();
    if (!t) return msg(box, 'error', '请填写内容。');
    if (new TextEncoder().encode(t).length > 4000) return msg(box, 'error', '内容过长：最多 4000 字节（约 1300 个汉字）。');
    await busy(submit, '保存中…', async () => {
      try {
        await api.addLog({ centre: ctx.centre, kind: kindHand.checked ? 'handover' : 'log', text: t, date: cur.date, shift: cur.shift });
        ctx.flash = ['ok', kindHand.checked ? '交班记录已保存。' : '值班记录已保存。'];
        await ctx.refresh();
      } catch (e) {
        ctx.fail(e, box);
      }
    });
  });
  return f;
}
