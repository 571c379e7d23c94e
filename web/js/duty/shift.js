// duty/shift.js - the side panel of the calendar: one shift in detail.
//
// Shows who is on it (phones as tel: links), its exceptions and swaps, and
// what the user may do with it while it has not ended:
//   申请换班      the user is on the shift: give it to a colleague, as a
//                 plain hand-over (顶班) or an exchange (互换) for one of the
//                 colleague's shifts in the next 62 days
//   代为申请换班  admin/command of the centre, for someone on the shift
//   临时调整      admin/command: add or take off a person on this date, or
//                 clear the shift (dated exceptions; remove them again here)
// Every error is shown in Chinese (model.js errText).

import { h, telLink } from '../util.js';
import { msg, busy, confirmDialog } from '../forms.js';
import {
  api, errText, canManage, dayLong, isNow, isOver, addDays, dutyToday, shiftKey, cstTime,
  SHIFT_LABEL, SHIFT_TIME, SWAP_STATUS, ROLE_LABEL,
} from './model.js';

let formSeq = 0;

export function renderShiftPanel(box, ctx, entry) {
  if (!box) return;
  const flash = ctx.flash;
  ctx.flash = null;
  const flashBox = h('div', { class: 'msg', id: 'shift-msg', hidden: true });
  if (flash) msg(flashBox, flash[0], flash[1]);
  if (!entry) {
    box.replaceChildren(flashBox, h('h2', {}, '班次详情'),
      h('p', { class: 'hint' }, '点击日历中的班次（或用方向键移动、回车选中），查看值班人员和联系电话，申请换班，或（指挥中心）临时调整人员。'));
    return;
  }
  const s = entry.shift;
  const shift = s?.shift || entry.ex[0]?.shift;
  const over = s ? isOver(s) : entry.date < dutyToday();
  const now = s && isNow(s);
  const manage = canManage(ctx.user, ctx.centre);
  const onShift = new Map([...(s?.leaders || []).map((p) => [p.id, 'leader']), ...(s?.officers || []).map((p) => [p.id, 'officer'])]);
  const mine = ctx.people?.me && onShift.has(ctx.people.me);

  const state = now ? h('span', { class: 'status status-ok' }, '正在值班')
    : over ? h('span', { class: 'status status-off' }, '已结束') : h('span', { class: 'status' }, '未开始');
  const parts = [
    flashBox,
    h('div', { class: 'sp-head' },
      h('h2', { id: 'sp-title' }, `${dayLong(entry.date)} · ${SHIFT_LABEL[shift]}`), state),
    h('p', { class: 'muted sp-time' }, s ? `${cstTime(s.start, true)} 至 ${cstTime(s.end, true)}` : SHIFT_TIME[shift]),
    peopleList(ctx, '带班领导', s?.leaders || [], 'leader'),
    peopleList(ctx, '值班员', s?.officers || [], 'officer'),
  ];
  if (s && !s.leaders.length && !s.officers.length) parts.push(h('p', { class: 'msg msg-error sp-gap' }, '该班次无人值班，请安排人员。'));
  else if (s && !s.leaders.length) parts.push(h('p', { class: 'msg msg-warn sp-gap' }, '该班次没有带班领导。'));

  parts.push(exceptionList(ctx, entry, manage && !over));
  parts.push(swapList(ctx, entry));

  const actions = h('div', { class: 'sp-actions' });
  if (!over && s) {
    if (mine) actions.append(h('button', { type: 'button', class: 'btn btn-primary', id: 'btn-swap', onclick: () => openSwap(box, ctx, entry, onShift, false) }, '申请换班'));
    else if (manage && onShift.size) actions.append(h('button', { type: 'button', class: 'btn', id: 'btn-swap', onclick: () => openSwap(box, ctx, entry, onShift, true) }, '代为申请换班'));
    if (manage) actions.append(h('button', { type: 'button', class: 'btn', id: 'btn-exception', onclick: () => openException(box, ctx, entry, onShift) }, '临时调整'));
  }
  if (entry.date >= addDays(dutyToday(), -2) && entry.date <= dutyToday()) {
    actions.append(h('a', { class: 'btn', href: `#${new URLSearchParams({ ...Object.fromEntries(ctx.params), tab: 'log', ld: entry.date, ls: shift })}` }, '值班日志'));
  }
  if (actions.childElementCount) parts.push(actions);
  if (!over && s && !mine && !manage && ctx.people && !ctx.people.me) {
    parts.push(h('p', { class: 'hint' }, '你的账号未关联人员档案，不能申请换班。'));
  }
  parts.push(h('div', { id: 'sp-form' }));
  box.replaceChildren(...parts.filter(Boolean));
}

function peopleList(ctx, title, list, role) {
  return h('div', { class: 'sp-sec' },
    h('h3', {}, title),
    list.length
      ? h('ul', { class: 'sp-people', 'data-role': role }, list.map((p) => h('li', { 'data-person': p.id },
        h('span', { class: 'who' }, p.name, p.id === ctx.people?.me ? h('span', { class: 'badge' }, '我') : null,
          p.swap_id ? h('small', { class: 'by-swap' }, swapText(ctx, p)) : null,
          p.by_exception ? h('small', { class: 'by-ex' }, '+ 临时加派') : null),
        telLink(p.phone))))
      : h('p', { class: 'muted sp-none' }, '无'));
}

function swapText(ctx, p) {
  const s = (ctx.swaps || []).find((x) => x.id === p.swap_id);
  if (!s) return '⇄ 换班';
  return s.to.id === p.id ? `⇄ 换班，替 ${s.from.name}` : `⇄ 互换，与 ${s.to.name}`;
}

function exceptionList(ctx, entry, canDelete) {
  if (!entry.ex.length) return null;
  const box = h('div', { class: 'msg', hidden: true });
  return h('div', { class: 'sp-sec' },
    h('h3', {}, '临时调整'),
    h('ul', { class: 'sp-ex' }, entry.ex.map((x) => {
      const who = x.person ? x.person.name : '';
      const what = x.action === 'add' ? `加派${ROLE_LABEL[x.role] || ''} ${who}` : x.action === 'remove' ? `调出 ${who}` : '清空班次';
      return h('li', { 'data-ex': x.id },
        h('span', {}, what, x.note ? h('small', { class: 'muted' }, x.note) : null),
        canDelete ? h('button', {
          type: 'button', class: 'btn btn-small btn-danger', title: `撤销：${what}`,
          onclick: async (ev) => {
            const ok = await confirmDialog({ title: '撤销临时调整', body: `撤销“${what}”？该班次将恢复按排班模板执行。`, ok: '撤销', danger: true });
            if (!ok) return;
            await busy(ev.currentTarget, '撤销中…', async () => {
              try {
                await api.deleteException(ctx.centre, x.id);
                ctx.flash = ['ok', `已撤销：${what}`];
                await ctx.refresh();
              } catch (e) {
                ctx.fail(e, box);
              }
            });
          },
        }, '撤销') : null);
    })),
    box);
}

function swapList(ctx, entry) {
  const shift = entry.shift?.shift;
  const list = (ctx.swaps || []).filter((s) => s.status !== 'rejected' &&
    ((s.date === entry.date && s.shift === shift) || (s.back_date === entry.date && s.back_shift === shift)));
  if (!list.length) return null;
  return h('div', { class: 'sp-sec' },
    h('h3', {}, '换班'),
    h('ul', { class: 'sp-ex' }, list.map((s) => h('li', { 'data-swap': s.id },
      h('span', {}, `${s.from.name} → ${s.to.name}`,
        s.back_date ? h('small', { class: 'muted' }, `还班：${dayLong(s.back_date)} ${SHIFT_LABEL[s.back_shift] || ''}`) : null,
        s.reason ? h('small', { class: 'muted' }, `理由：${s.reason}`) : null),
      h('span', { class: `status ${SWAP_STATUS[s.status]?.[1] || ''}` }, SWAP_STATUS[s.status]?.[0] || s.status)))));
}

/* ------------------------------------------------------------ swap form */

/** People of the centre for a select: on the rota first, then the others. */
function personOptions(ctx, exclude, placeholder) {
  const groups = [['officer', '值班员'], ['leader', '带班领导'], [null, '其他人员']];
  const people = (ctx.people?.people || []).filter((p) => !exclude.has(p.id));
  return [h('option', { value: '' }, placeholder),
    ...groups.map(([rota, label]) => {
      const list = people.filter((p) => p.rota === rota);
      if (!list.length) return null;
      return h('optgroup', { label }, list.map((p) => h('option', { value: String(p.id) },
        p.name, p.posts?.length ? `（${p.posts.map((x) => `${x.unit_name}${x.role_label}`).join('、')}）` : '')));
    })].filter(Boolean);
}

function openSwap(panel, ctx, entry, onShift, onBehalf) {
  const form = panel.querySelector('#sp-form');
  const id = `sw${++formSeq}`;
  const s = entry.shift;
  const box = h('div', { class: 'msg', hidden: true, id: `${id}-msg` });
  const fromSel = onBehalf ? h('select', { id: `${id}-from`, required: true },
    h('option', { value: '' }, '请选择换出人'),
    [...onShift].map(([pid, role]) => h('option', { value: String(pid) }, `${ctx.name(pid)}（${ROLE_LABEL[role]}）`))) : null;
  const toSel = h('select', { id: `${id}-to`, required: true }, personOptions(ctx, new Set(onShift.keys()), '请选择接班人'));
  const kindOne = h('input', { type: 'radio', name: `${id}-kind`, value: 'one', id: `${id}-one`, checked: true });
  const kindBack = h('input', { type: 'radio', name: `${id}-kind`, value: 'back', id: `${id}-back` });
  const backSel = h('select', { id: `${id}-backshift`, disabled: true }, h('option', { value: '' }, '先选择接班人'));
  const reason = h('textarea', { id: `${id}-reason`, rows: '2', maxlength: '500', placeholder: '如：参加培训、家中有事' });
  const giver = () => (onBehalf ? Number(fromSel.value) : ctx.people.me);

  let upcoming = null;       // the calendar of the next 62 days, for the exchange
  async function fillBack() {
    backSel.disabled = !kindBack.checked;
    if (!kindBack.checked) return;
    const taker = Number(toSel.value);
    if (!taker || !giver()) {
      backSel.replaceChildren(h('option', { value: '' }, onBehalf && !giver() ? '先选择换出人' : '先选择接班人'));
      return;
    }
    backSel.replaceChildren(h('option', { value: '' }, '读取中…'));
    try {
      upcoming = upcoming || await api.calendar(ctx.centre, dutyToday(), addDays(dutyToday(), 61));
    } catch (e) {
      ctx.fail(e, box);
      return;
    }
    const options = [];
    for (const d of upcoming.days) {
      for (const x of d.shifts) {
        if (isOver(x) || (d.date === entry.date && x.shift === s.shift)) continue;
        const ids = [...x.leaders, ...x.officers].map((p) => p.id);
        if (ids.includes(taker) && !ids.includes(giver())) {
          options.push(h('option', { value: shiftKey(d.date, x.shift) }, `${dayLong(d.date)} ${SHIFT_LABEL[x.shift]}`));
        }
      }
    }
    backSel.replaceChildren(...(options.length
      ? [h('option', { value: '' }, '请选择对方的班次'), ...options]
      : [h('option', { value: '' }, '对方未来 62 天没有可互换的班次')]));
  }
  toSel.addEventListener('change', fillBack);
  fromSel?.addEventListener('change', fillBack);
  kindOne.addEventListener('change', fillBack);
  kindBack.addEventListener('change', fillBack);

  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: `${id}-submit` }, '提交申请');
  const el = h('form', { class: 'form sp-form', id: 'swap-form', novalidate: true, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, onBehalf ? '代为申请换班' : '申请换班'),
    onBehalf ? h('div', { class: 'field' }, h('label', { for: fromSel.id }, '换出人'), fromSel) : null,
    h('div', { class: 'field' }, h('label', { for: toSel.id }, '接班人'), toSel),
    h('fieldset', { class: 'field sp-kind' }, h('legend', { class: 'label' }, '方式'),
      h('label', { class: 'check', for: kindOne.id }, kindOne, '顶班：对方接替此班，不还班'),
      h('label', { class: 'check', for: kindBack.id }, kindBack, '互换：换出人去值对方的一个班')),
    h('div', { class: 'field' }, h('label', { for: backSel.id }, '还班班次'), backSel),
    h('div', { class: 'field' }, h('label', { for: reason.id }, '理由'), reason),
    box,
    h('div', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'btn', onclick: () => { form.replaceChildren(); panel.querySelector('#btn-swap')?.focus(); } }, '取消')));
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg(box, null);
    if (onBehalf && !fromSel.value) return msg(box, 'error', '请选择换出人。');
    if (!toSel.value) return msg(box, 'error', '请选择接班人。');
    if (kindBack.checked && !backSel.value) return msg(box, 'error', '请选择还班班次，或改为顶班。');
    const body = { centre: ctx.centre, date: entry.date, shift: s.shift, to_person_id: Number(toSel.value) };
    if (onBehalf) body.from_person_id = Number(fromSel.value);
    if (kindBack.checked) [body.back_date, body.back_shift] = backSel.value.split('.');
    if (reason.value.trim()) body.reason = reason.value.trim();
    await busy(submit, '提交中…', async () => {
      try {
        await api.requestSwap(body);
        ctx.flash = ['ok', `换班申请已提交：${ctx.name(giver())} → ${ctx.name(body.to_person_id)}，等待指挥中心审批。`];
        await ctx.refresh();
      } catch (e) {
        ctx.fail(e, box);
      }
    });
  });
  form.replaceChildren(el);
  (fromSel || toSel).focus();
}

/* ------------------------------------------------------- exception form */

function openException(panel, ctx, entry, onShift) {
  const form = panel.querySelector('#sp-form');
  const id = `ex${++formSeq}`;
  const s = entry.shift;
  const box = h('div', { class: 'msg', hidden: true });
  const action = h('select', { id: `${id}-action` },
    h('option', { value: 'add' }, '加派人员'), h('option', { value: 'remove' }, '调出人员'), h('option', { value: 'clear' }, '清空班次'));
  const role = h('select', { id: `${id}-role` }, h('option', { value: 'officer' }, '值班员'), h('option', { value: 'leader' }, '带班领导'));
  const person = h('select', { id: `${id}-person` });
  const note = h('input', { id: `${id}-note`, maxlength: '200', placeholder: '如：重大活动保障' });
  const roleField = h('div', { class: 'field' }, h('label', { for: role.id }, '角色'), role);
  const personField = h('div', { class: 'field' }, h('label', { for: person.id }, '人员'), person);
  const sync = () => {
    const a = action.value;
    roleField.hidden = a !== 'add';
    personField.hidden = a === 'clear';
    if (a === 'add') person.replaceChildren(...personOptions(ctx, new Set(onShift.keys()), '请选择人员'));
    else if (a === 'remove') {
      person.replaceChildren(h('option', { value: '' }, '请选择人员'),
        ...[...onShift].map(([pid, r]) => h('option', { value: String(pid) }, `${ctx.name(pid)}（${ROLE_LABEL[r]}）`)));
    }
  };
  action.addEventListener('change', sync);
  sync();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: `${id}-submit` }, '保存调整');
  const el = h('form', { class: 'form sp-form', id: 'exception-form', novalidate: true, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, '临时调整（仅此班次）'),
    h('div', { class: 'field' }, h('label', { for: action.id }, '调整'), action),
    roleField, personField,
    h('div', { class: 'field' }, h('label', { for: note.id }, '备注'), note),
    box,
    h('div', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'btn', onclick: () => { form.replaceChildren(); panel.querySelector('#btn-exception')?.focus(); } }, '取消')));
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg(box, null);
    const a = action.value;
    if (a !== 'clear' && !person.value) return msg(box, 'error', '请选择人员。');
    if (a === 'clear' && !(await confirmDialog({
      title: '清空班次', body: `清空 ${dayLong(entry.date)} ${SHIFT_LABEL[s.shift]} 的全部值班人员？清空后该班次将无人值班，会出现在缺口提醒中。`,
      ok: '清空', danger: true,
    }))) return;
    const body = { date: entry.date, shift: s.shift, action: a };
    if (a === 'add') body.role = role.value;
    if (a !== 'clear') body.person_id = Number(person.value);
    if (note.value.trim()) body.note = note.value.trim();
    await busy(submit, '保存中…', async () => {
      try {
        await api.addException(ctx.centre, body);
        ctx.flash = ['ok', a === 'clear' ? '已清空该班次。' : a === 'add' ? `已加派 ${ctx.name(body.person_id)}。` : `已调出 ${ctx.name(body.person_id)}。`];
        await ctx.refresh();
      } catch (e) {
        ctx.fail(e, box);
      }
    });
  });
  form.replaceChildren(el);
  action.focus();
}
