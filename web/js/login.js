// login.js - the log-in page (/login?next=/where&reason=expired|csrf|logout|required).
//
// Wrong credentials and lock-outs get a clear Chinese message (a lock-out
// with a countdown, the submit button disabled until it ends). After log-in
// the user goes back to `next` (same-origin paths only), or first to the
// account page when the password must be changed. Without a `next`, a
// resident goes to 随手报 (/report), everybody else to the map.

import { login, currentUser, ensureCsrf, safeNext, isStaff } from './auth.js';
import { ApiError } from './api.js';
import { h } from './util.js';
import { wirePasswordToggles } from './forms.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next') || '/');
const nextGiven = !!params.get('next');

const REASONS = {
  expired: '登录已过期或已在其他地方退出，请重新登录。',
  required: '请先登录后再继续。',
  csrf: '为保护账号安全，此页面需要重新登录后才能继续操作。',
  logout: '你已退出登录。',
  disabled: '此账号已被停用。',
};

const form = $('login-form');
const userEl = $('username');
const pwEl = $('password');
const submit = $('login-submit');
const errBox = $('login-error');
let lockTimer = null;

wirePasswordToggles(document);

const reason = params.get('reason');
if (reason && REASONS[reason]) {
  $('login-notice').textContent = REASONS[reason];
  $('login-notice').hidden = false;
}

function showError(text) {
  errBox.replaceChildren(...(Array.isArray(text) ? text : [text]));
  errBox.hidden = false;
}

function clearErrors() {
  errBox.hidden = true;
  errBox.replaceChildren();
  for (const el of [userEl, pwEl]) {
    el.removeAttribute('aria-invalid');
    $(`${el.id}-err`).textContent = '';
  }
}

function fieldError(el, text) {
  el.setAttribute('aria-invalid', 'true');
  $(`${el.id}-err`).textContent = text;
}

function setBusy(busy) {
  submit.disabled = busy;
  submit.setAttribute('aria-busy', String(busy));
  submit.textContent = busy ? '正在登录…' : '登录';
}

/** Locked out for `secs` seconds: say so, count down, keep the button off. */
function lockedOut(secs) {
  clearInterval(lockTimer);
  let left = Math.max(1, Math.ceil(secs));
  const count = h('span', { class: 'countdown', id: 'lock-seconds' }, String(left));
  const fmt = () => (left >= 120 ? `（约 ${Math.ceil(left / 60)} 分钟）` : '');
  const approx = h('span', {}, fmt());
  showError([h('strong', {}, '登录失败次数过多，已暂时锁定。'), h('br'),
    '请在 ', count, ' 秒', approx, '后再试；如忘记密码，请联系区管理员重置。']);
  errBox.dataset.kind = 'locked';
  submit.disabled = true;
  lockTimer = setInterval(() => {
    left -= 1;
    count.textContent = String(left);
    approx.textContent = fmt();
    if (left <= 0) {
      clearInterval(lockTimer);
      submit.disabled = false;
      showError('锁定已解除，现在可以重新登录。');
      errBox.dataset.kind = 'unlocked';
    }
  }, 1000);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (submit.disabled) return;
  clearErrors();
  const username = userEl.value.trim();
  const password = pwEl.value;
  if (!username) fieldError(userEl, '请输入用户名');
  if (!password) fieldError(pwEl, '请输入密码');
  if (!username || !password) {
    (username ? pwEl : userEl).focus();
    return;
  }
  setBusy(true);
  try {
    const user = await login(username, password);
    if (user.must_change_password) {
      const q = new URLSearchParams({ must: '1' });
      if (next !== '/') q.set('next', next);
      location.replace(`/account?${q}#password`);
    } else {
      location.replace(!nextGiven && !isStaff(user) ? '/report' : next);
    }
    return;
  } catch (e) {
    setBusy(false);
    if (e instanceof ApiError && e.code === 'auth.locked') {
      const secs = e.retryAfter || Number((/(\d+)\s*秒/.exec(e.message) || [])[1]) || 60;
      lockedOut(secs);
    } else if (e instanceof ApiError && e.code === 'auth.bad_credentials') {
      showError([h('strong', {}, '用户名或密码错误。'), '请检查后重试（注意大小写和输入法）；连续输错多次，账号将被暂时锁定。']);
      errBox.dataset.kind = 'bad_credentials';
      pwEl.setAttribute('aria-invalid', 'true');
      pwEl.focus();
      pwEl.select();
    } else {
      showError(`登录失败：${e.message || e}`);
      errBox.dataset.kind = 'other';
    }
  }
});

/* Already logged in: offer to go on (or log in as someone else). */
(async () => {
  let user = null;
  try { user = await currentUser(); } catch { user = null; }
  if (!user) return;
  const canAct = !!(await ensureCsrf());
  const box = $('login-already');
  box.replaceChildren(h('span', {},
    `你已以 ${user.display_name}（${user.username}）的身份登录。`,
    canAct ? '' : '此页面需要重新登录后才能修改设置。'),
  canAct && reason !== 'csrf' ? h('a', { class: 'btn btn-small btn-primary', href: next }, '继续') : null);
  box.hidden = false;
  if (!userEl.value) userEl.value = user.username;
  if (reason === 'csrf' || !canAct) pwEl.focus();
})();

if (!userEl.value) userEl.focus();
