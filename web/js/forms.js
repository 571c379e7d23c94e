// forms.js - form helpers for the account and admin pages: field errors,
// busy buttons, show/hide password, a confirm dialog, copy to clipboard.

import { h } from './util.js';

/** Every .pw-toggle button under root shows/hides the password input it controls. */
export function wirePasswordToggles(root) {
  for (const b of root.querySelectorAll('.pw-toggle')) {
    if (b.dataset.wired) continue;
    b.dataset.wired = '1';
    b.addEventListener('click', () => {
      const input = document.getElementById(b.getAttribute('aria-controls'));
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      b.textContent = show ? '隐藏' : '显示';
      b.setAttribute('aria-pressed', String(show));
      b.setAttribute('aria-label', show ? '隐藏密码' : '显示密码');
    });
    b.setAttribute('aria-label', '显示密码');
  }
}

/** A password input with its show/hide button: {wrap, input}. */
export function passwordInput(id, attrs = {}) {
  const input = h('input', { id, type: 'password', maxlength: '128', ...attrs });
  const wrap = h('div', { class: 'pw-wrap' }, input,
    h('button', { type: 'button', class: 'pw-toggle', 'aria-controls': id, 'aria-pressed': 'false' }, '显示'));
  wirePasswordToggles(wrap);
  return { wrap, input };
}

/**
 * A labelled field: field('user-name', '用户名', input, {hint, required}).
 * The input gets aria-describedby for its hint and its error line.
 */
export function field(id, label, control, opts = {}) {
  const input = control.matches?.('input,select,textarea') ? control : control.querySelector('input,select,textarea');
  if (input && !input.id) input.id = id;
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  if (input) {
    input.setAttribute('aria-describedby', [opts.hint ? hintId : '', errId].filter(Boolean).join(' '));
    if (opts.required) input.required = true;
  }
  return h('div', { class: 'field' },
    h('label', { for: input ? input.id : id }, label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null,
    h('p', { class: 'field-error', id: errId }));
}

export function setFieldError(input, text) {
  if (!input) return;
  const err = document.getElementById(`${input.id}-err`);
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  if (err) err.textContent = text || '';
}

export function clearFieldErrors(root) {
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) setFieldError(el, '');
}

/** A message box: msg(box, 'error'|'ok'|'info'|'warn', text or nodes); null text hides it. */
export function msg(box, kind, content) {
  if (!content) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.className = `msg msg-${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.replaceChildren(...(Array.isArray(content) ? content : [content]));
  box.hidden = false;
}

/** Run fn with the button disabled and marked busy (label swapped while busy). */
export async function busy(button, label, fn) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (label) button.textContent = label;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = old;
  }
}

/**
 * A modal confirm dialog (native <dialog>: focus trapped, Esc cancels).
 * Resolves true when confirmed.
 */
export function confirmDialog({ title, body, ok = '确定', cancel = '取消', danger = false }) {
  return new Promise((resolve) => {
    const okBtn = h('button', { type: 'submit', value: 'ok', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, ok);
    const dlg = h('dialog', { class: 'dlg', 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog', class: 'dlg-body' },
        h('h2', { id: 'dlg-title' }, title),
        ...(Array.isArray(body) ? body : [body]).map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
        h('div', { class: 'actions' }, okBtn,
          h('button', { type: 'submit', value: 'cancel', class: 'btn' }, cancel))));
    const back = document.activeElement;
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
      back?.focus?.();
    });
    document.body.append(dlg);
    dlg.showModal();
    okBtn.focus();
  });
}

/** Copy text; resolves true on success (Clipboard API, else a selection copy). */
export async function copyText(text, input = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const el = input || h('textarea', { style: 'position:fixed;opacity:0' }, text);
    if (!input) document.body.append(el);
    el.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    if (!input) el.remove();
    return ok;
  }
}

/** A random password that passes the policy: 4 groups of 4 from an unambiguous alphabet. */
export function randomPassword() {
  const abc = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const s = [...bytes].map((b) => abc[b % abc.length]).join('');
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}`;
}

/** "2026-11-26T15:03:34Z" -> "2026-11-26 23:03:34" (local time), "—" when empty. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
