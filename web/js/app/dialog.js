// dialog.js - the modal form every step and the report use: a native
// <dialog> (focus stays inside, Esc cancels), a message box for the
// server's error, and a busy submit button. The focus goes back to where
// it was when the dialog closes.

import { h } from '../util.js';
import { msg } from '../forms.js';

/**
 * Open a form. opts: {title, intro, fields (nodes), submit (label), wide,
 * id, onSubmit(ctx) -> truthy to close; throw an ApiError to show its
 * message}. ctx: {error(text), dialog}. Resolves with onSubmit's value, or
 * null when cancelled.
 */
export function openForm(opts) {
  return new Promise((resolve) => {
    const titleId = `${opts.id || 'dlg'}-title`;
    const box = h('div', { class: 'msg', hidden: true });
    const submit = h('button', { type: 'submit', class: `btn btn-primary${opts.danger ? ' btn-danger-fill' : ''}`, 'data-role': 'submit' },
      opts.submit || '确定');
    const cancel = h('button', { type: 'button', class: 'btn', 'data-role': 'cancel' }, '取消');
    const form = h('form', { class: 'dlg-body wb-form', novalidate: true },
      h('h2', { id: titleId }, opts.title),
      opts.intro ? h('p', { class: 'muted' }, opts.intro) : null,
      ...(opts.fields || []),
      box,
      h('div', { class: 'actions' }, submit, cancel));
    const dlg = h('dialog', { class: `dlg wb-dlg${opts.wide ? ' wb-dlg-wide' : ''}`, id: opts.id || null, 'aria-labelledby': titleId }, form);
    const back = document.activeElement;
    let result = null;
    let closing = false;
    const ctx = {
      dialog: dlg,
      error: (content) => msg(box, 'error', content),
      info: (content) => msg(box, 'info', content),
    };
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      if (closing) return;
      closing = true;
      dlg.remove();
      opts.onClose?.();
      if (back && back.isConnected) back.focus?.();
      resolve(result);
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (submit.disabled) return;
      msg(box, 'error', null);
      submit.disabled = true;
      submit.setAttribute('aria-busy', 'true');
      try {
        const r = await opts.onSubmit(ctx);
        if (r) {
          result = r;
          dlg.close();
        }
      } catch (e) {
        ctx.error(errorContent(e));
      } finally {
        submit.disabled = false;
        submit.removeAttribute('aria-busy');
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    opts.onOpen?.(ctx);
    const first = form.querySelector('[autofocus]') || form.querySelector('input:not([type="file"]), select, textarea, button');
    first?.focus();
  });
}

/** The server's message, with what it means when it is a 采办分离 rule or a conflict. */
export function errorContent(e) {
  const text = e?.message || String(e);
  if (/^rule\./.test(e?.code || '')) {
    return [h('strong', { class: 'rule-tag' }, '违反采办分离规则'), h('span', { 'data-code': e.code }, text)];
  }
  if (e?.code === 'event.conflict') return [h('span', { 'data-code': e.code }, `${text}（请关闭后刷新）`)];
  return [h('span', { 'data-code': e?.code || '' }, text)];
}
