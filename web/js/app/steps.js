// steps.js - one small form per step of the closed loop, asking exactly
// what the step needs (src/domain/event_flow.c: which steps need a reason,
// a result, minutes, a target), then POST /api/v1/events/:id/steps with
// the version the user saw (409 event.conflict when someone else moved the
// event meanwhile). Errors are the server's Chinese messages (采办分离 rules
// marked as such).

import { h } from '../util.js';
import { field, setFieldError, clearFieldErrors } from '../forms.js';
import { openForm } from './dialog.js';
import { send } from './http.js';
import { photoField, PHOTOS_MAX } from './photos.js';
import { dispatchField, forcesSection } from './dispatch.js';
import { SUPERVISION, RATINGS } from './fmt.js';

/** Steps that need a reason (note), with the label of their reason. */
const REASON = {
  reject: '不予受理原因（上报人可见）',
  escalate: '上报上级的原因',
  return: '退回原因',
  verify_fail: '核查不通过原因（返工要求）',
  extend_request: '延期原因',
  extend_deny: '驳回原因',
  to_internal: '申请外转内的原因',
  to_internal_deny: '驳回原因',
  rollback: '回退原因',
};

/** Main-flow steps (primary buttons) and steps that undo or refuse (danger). */
export const PRIMARY = new Set(['accept', 'register', 'dispatch', 'sign', 'complete', 'verify_pass', 'close', 'rate']);
export const DANGER = new Set(['reject', 'verify_fail', 'return', 'rollback', 'extend_deny', 'to_internal_deny']);

/** Short explanations shown in each form. */
const INTRO = {
  accept: '受理后事件进入处置环节（内循环）。',
  escalate: '上报到上一级指挥中心立案、派遣（外循环）。',
  register: '立案后可派遣到职能部门或镇街。',
  dispatch: '选择承办的职能部门或镇街。',
  sign: '签收后开始处置，处置时限开始计算。',
  complete: '填写处置结果并上传处置后照片，提交核查。',
  verify_pass: '现场核查处置结果属实。',
  verify_fail: '核查不通过，退回重新处置（返工）。',
  close: '结案后事件办结。',
  merge: '本事件将并入主事件，随主事件一起办结。',
  supervise: '督办记录将通知承办单位。',
};

const textarea = (id, attrs = {}) => h('textarea', { id, rows: '3', maxlength: '2000', ...attrs });

/**
 * Take `action` on event ev. opts: {master} for 合并 from the similar list.
 * Resolves to the event after the step, or null when cancelled.
 */
export function takeStep(ev, action, opts = {}) {
  const a = ev.allowed?.find((x) => x.action === action);
  const label = a?.label || action;
  const fields = [];
  const get = {};            // name -> () => value
  const id = (s) => `st-${action}-${s}`;
  let photos = null;
  let dispatch = null;

  if (action === 'complete') {
    const t = textarea(id('result'), { required: true, autofocus: true, placeholder: '如：已清理垃圾，恢复整洁' });
    fields.push(field(id('result'), '处置结果', t, { required: true }));
    get.result = () => t.value.trim();
  }
  if (REASON[action]) {
    const t = textarea(id('note'), { required: true, autofocus: !fields.length });
    fields.push(field(id('note'), REASON[action], t, { required: true }));
    get.note = () => t.value.trim();
  }
  if (action === 'extend_request') {
    const n = h('input', { id: id('hours'), type: 'number', min: '1', max: '720', step: '1', value: '24', inputmode: 'numeric' });
    fields.push(field(id('hours'), '延期时长（小时）', n, { required: true, hint: '1 小时到 30 天（720 小时）' }));
    get.minutes = () => Math.round(Number(n.value) * 60);
  }
  if (action === 'dispatch') {
    dispatch = dispatchField(ev);
    fields.push(dispatch.el);
  }
  if (action === 'assign') {
    const n = h('input', { id: id('account'), type: 'number', min: '1', step: '1', inputmode: 'numeric', autofocus: true });
    fields.push(field(id('account'), '指派给（账号 ID）', n, { required: true, hint: '被指派处置人员的账号 ID' }));
    fields.push(forcesSection(ev, { onPick: (f) => { if (f.account_id) n.value = String(f.account_id); } }));
    get.account = () => Number(n.value) || 0;
  }
  if (action === 'supervise') {
    const s = h('select', { id: id('level') }, ...Object.entries(SUPERVISION).map(([k, v]) => h('option', { value: k }, v)));
    fields.push(field(id('level'), '督办级别', s, { required: true }));
    get.supervision = () => Number(s.value);
  }
  if (action === 'rate') {
    const radios = Object.entries(RATINGS).map(([k, v], i) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: id('rating'), value: k, checked: i === 0 || null }), v));
    const set = h('fieldset', { class: 'field radio-row' }, h('legend', { class: 'label' }, '评价'), ...radios);
    fields.push(set);
    get.rating = () => Number(set.querySelector('input:checked')?.value || 0);
  }
  if (action === 'merge') {
    const n = h('input', { id: id('master'), type: 'number', min: '1', step: '1', inputmode: 'numeric',
      value: opts.master ? String(opts.master) : null, autofocus: !opts.master });
    fields.push(field(id('master'), '主事件编号', n, { required: true, hint: '本事件并入的事件 #编号' }));
    get.master = () => Number(n.value) || 0;
  }
  if (['complete', 'verify_pass', 'verify_fail'].includes(action)) {
    photos = photoField(id('photos'), { max: PHOTOS_MAX, onError: (t) => ctxRef.ctx?.error(t) });
    fields.push(h('div', { class: 'field' }, h('span', { class: 'label' }, action === 'complete' ? '处置后照片' : '核查照片'), photos.el));
  }
  if (!get.note) {
    const t = textarea(id('note'), { rows: '2', autofocus: !fields.length, placeholder: '可不填' });
    fields.push(field(id('note'), '备注', t));
    get.note = () => t.value.trim();
  }

  const ctxRef = {};
  return openForm({
    id: `step-${action}`,
    title: `${label} · #${ev.id}`,
    intro: INTRO[action],
    fields,
    wide: action === 'dispatch' || action === 'assign' || action === 'complete',
    submit: label,
    danger: DANGER.has(action),
    onOpen: (ctx) => { ctxRef.ctx = ctx; },
    onSubmit: async (ctx) => {
      clearFieldErrors(ctx.dialog);
      const body = { action, version: ev.version };
      for (const [k, fn] of Object.entries(get)) {
        const v = fn();
        if (v !== '' && v !== 0 && v !== undefined) body[k] = v;
      }
      // what the step needs, before asking the server
      const need = (name, ok, text) => {
        if (ok) return true;
        const el = document.getElementById(id(name));
        setFieldError(el, text);
        el?.focus();
        return false;
      };
      if (REASON[action] && !need('note', body.note, '请填写原因')) return null;
      if (action === 'complete' && !need('result', body.result, '请填写处置结果')) return null;
      if (action === 'extend_request' && !need('hours', body.minutes >= 60 && body.minutes <= 720 * 60, '请填写 1 到 720 小时')) return null;
      if (action === 'assign' && !need('account', body.account > 0, '请填写账号 ID')) return null;
      if (action === 'merge' && !need('master', body.master > 0 && body.master !== ev.id, '请填写另一个事件的编号')) return null;
      if (dispatch) {
        const t = dispatch.target();
        if (!t) { ctx.error('请选择派遣的职能部门或镇街'); return null; }
        Object.assign(body, t);
      }
      if (photos) {
        if (photos.busy()) { ctx.error('照片还在上传，请稍候'); return null; }
        const shas = photos.shas();
        if (shas.length) body.photos = shas;
      }
      return send('POST', `/api/v1/events/${ev.id}/steps`, body);
    },
  });
}
