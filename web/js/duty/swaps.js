// duty/swaps.js - the 换班申请 tab: pending requests first, then the
// decided ones. Command of the centre approves or rejects a pending request
// with a note; the server checks the rota again at that moment, so an
// approval may fail with 409 duty.swap_stale (shown in Chinese, the request
// stays pending until someone rejects it). Requests are made in the
// calendar (shift.js), on a shift of one's own.

import { h } from '../util.js';
import { msg, busy, fmtTime } from '../forms.js';
import { api, canDecide, dayLong, SHIFT_LABEL, SWAP_STATUS } from './model.js';

export async function renderSwaps(panel, ctx) {
  const swaps = ctx.swaps || [];
  const decide = canDecide(ctx.user, ctx.centre);
  const pending = swaps.filter((s) => s.status === 'pending');
  const done = swaps.filter((s) => s.status !== 'pending');
  const flashBox = h('div', { class: 'msg', id: 'swaps-msg', hidden: true });
  if (ctx.flash) msg(flashBox, ...ctx.flash);
  ctx.flash = null;
  panel.dataset.centre = '';
  panel.replaceChildren(
    flashBox,
    h('section', { class: 'card', 'aria-labelledby': 'pending-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'pending-title' }, `待审批（${pending.length}）`),
        h('p', { class: 'hint' }, decide ? '批准前系统会再次核对排班：若换出人已不在该班次或接班人已在该班次，将无法批准。'
          : '换班由本中心的指挥中心审批。要申请换班，请在排班日历中点击自己的班次。')),
      pending.length ? h('ul', { class: 'swap-cards', id: 'pending-list' }, pending.map((s) => pendingCard(ctx, s, decide)))
        : h('p', { class: 'muted', id: 'pending-empty' }, '没有待审批的换班申请。')),
    h('section', { class: 'card', 'aria-labelledby': 'done-title' },
      h('h2', { id: 'done-title' }, '已处理'),
      done.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data stack', id: 'done-table' },
        h('thead', {}, h('tr', {}, ['班次', '换出 → 接班', '还班', '理由', '结果', '审批意见', '审批时间'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, done.map((s) => h('tr', { 'data-swap': s.id },
          h('td', { 'data-label': '班次', class: 'nowrap' }, calLink(ctx, s.date, s.shift)),
          h('td', { 'data-label': '换班' }, `${s.from.name} → ${s.to.name}`),
          h('td', { 'data-label': '还班', class: 'nowrap' }, s.back_date ? calLink(ctx, s.back_date, s.back_shift) : '—'),
          h('td', { 'data-label': '理由' }, s.reason || '—'),
          h('td', { 'data-label': '结果' }, h('span', { class: `status ${SWAP_STATUS[s.status]?.[1] || ''}` }, SWAP_STATUS[s.status]?.[0] || s.status)),
          h('td', { 'data-label': '意见' }, s.decision_note || '—'),
          h('td', { 'data-label': '时间', class: 'nowrap' }, fmtTime(s.decided_at))))))) : h('p', { class: 'muted' }, '暂无记录。')));
}

function calLink(ctx, date, shift) {
  const p = new URLSearchParams({ c: ctx.centre, tab: 'cal', view: ctx.params.get('view') || 'month', d: date, sel: `${date}.${shift}` });
  return h('a', { href: `#${p}`, title: '在排班日历中查看' }, `${dayLong(date)} ${SHIFT_LABEL[shift] || shift}`);
}

function pendingCard(ctx, s, decide) {
  const box = h('div', { class: 'msg', hidden: true });
  const noteId = `swap-note-${s.id}`;
  const note = h('input', { id: noteId, maxlength: '200', placeholder: '审批意见（可选）' });
  const act = (approve) => async (ev) => {
    msg(box, null);
    await busy(ev.currentTarget, approve ? '批准中…' : '驳回中…', async () => {
      try {
        await api.decideSwap(s.id, approve, note.value.trim());
        ctx.flash = ['ok', `${approve ? '已批准' : '已驳回'}：${dayLong(s.date)} ${SHIFT_LABEL[s.shift]}，${s.from.name} → ${s.to.name}。`];
        await ctx.refresh();
      } catch (e) {
        ctx.fail(e, box);
      }
    });
  };
  return h('li', { class: 'swap-card', 'data-swap': s.id },
    h('div', { class: 'swap-main' },
      h('div', { class: 'swap-line' }, calLink(ctx, s.date, s.shift),
        h('span', { class: 'status status-warn' }, '待审批')),
      h('div', { class: 'swap-who' }, h('strong', {}, s.from.name), h('span', { 'aria-hidden': 'true' }, ' → '),
        h('span', { class: 'sr-only' }, '交给'), h('strong', {}, s.to.name)),
      s.back_date ? h('div', { class: 'muted' }, '互换：', `${s.from.name} 值 ${s.to.name} 的 `, calLink(ctx, s.back_date, s.back_shift))
        : h('div', { class: 'muted' }, '顶班：不还班'),
      s.reason ? h('div', {}, h('span', { class: 'muted' }, '理由：'), s.reason) : null,
      h('div', { class: 'muted small' }, `申请时间 ${fmtTime(s.created_at)}`)),
    decide ? h('div', { class: 'swap-decide' },
      h('label', { class: 'sr-only', for: noteId }, '审批意见'), note,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-primary', 'data-act': 'approve', onclick: act(true) }, '批准'),
        h('button', { type: 'button', class: 'btn btn-danger', 'data-act': 'reject', onclick: act(false) }, '驳回'))) : null,
    box);
}
