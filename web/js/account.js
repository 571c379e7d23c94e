// account.js - /account: change my password; my API tokens (staff).
//
// /account?must=1&next=/x#password comes from the log-in page when the
// password must be changed first: after the change the user goes on to next.

import {
  currentUser, changePassword, get, post, del, isStaff, ensureCsrf, needsLogin, goLogin,
  safeNext, ROLE_LABEL, PASSWORD_MIN,
} from './auth.js';
import { startProtectedPage } from './usermenu.js';
import { h } from './util.js';
import {
  wirePasswordToggles, setFieldError, clearFieldErrors, msg, busy, confirmDialog, copyText, fmtTime,
} from './forms.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let user = null;

async function main() {
  user = await startProtectedPage((m) => {
    $('page-loading').hidden = true;
    msg($('page-msg'), 'error', m);
  }, { passwordPage: true });
  if (!user) return;
  $('page-loading').hidden = true;
  $('main').setAttribute('aria-busy', 'false');
  $('who').textContent = `${user.display_name}（${user.username}）`;
  if (!(await ensureCsrf())) {
    msg($('page-msg'), 'warn', [
      '此标签页没有登录时的安全校验信息，修改设置前需要重新登录。 ',
      h('a', { href: `/login?reason=csrf&next=${encodeURIComponent(location.pathname + location.search + location.hash)}` }, '重新登录'),
    ]);
  }
  renderProfile();
  setupPassword();
  // until an initial password is changed the server answers nothing else
  if (isStaff(user) && !user.must_change_password) setupTokens();
  if (location.hash) document.querySelector(location.hash)?.focus();
}

function onError(e, box) {
  if (needsLogin(e)) return goLogin(e.code === 'auth.csrf' ? 'csrf' : 'expired');
  msg(box, 'error', e.message || String(e));
}

/* ------------------------------------------------------------- profile */

function renderProfile() {
  const list = $('grant-list');
  const grants = user.grants || [];
  list.replaceChildren(...(grants.length ? grants.map((g) => h('li', {},
    h('span', { class: 'grant-chip' }, g.role_label || ROLE_LABEL[g.role] || g.role),
    ' ', g.scope_name || g.scope, ' ', h('span', { class: 'code' }, g.scope))) : [h('li', { class: 'muted' }, '暂无角色')]));
  $('profile').hidden = false;
}

/* ------------------------------------------------------------ password */

function setupPassword() {
  const sec = $('password');
  sec.hidden = false;
  const must = user.must_change_password || params.get('must') === '1';
  $('must-change').hidden = !must;
  $('pw-username').value = user.username;
  wirePasswordToggles(sec);
  const form = $('pw-form');
  const oldEl = $('old-password');
  const newEl = $('new-password');
  const new2El = $('new-password2');
  const box = $('pw-msg');
  const btn = $('pw-submit');

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    msg(box, null);
    const oldPw = oldEl.value;
    const newPw = newEl.value;
    let bad = null;
    const flag = (el, text) => { setFieldError(el, text); bad = bad || el; };
    if (!oldPw) flag(oldEl, '请输入当前密码');
    if ([...newPw].length < PASSWORD_MIN) flag(newEl, `新密码至少需要 ${PASSWORD_MIN} 个字符（现在 ${[...newPw].length} 个）`);
    else if (newPw.toLowerCase() === user.username.toLowerCase()) flag(newEl, '密码不能与用户名相同');
    else if (newPw === oldPw) flag(newEl, '新密码不能与当前密码相同');
    if (newPw && new2El.value !== newPw) flag(new2El, '两次输入的新密码不一致');
    if (bad) return bad.focus();
    try {
      await busy(btn, '正在修改…', () => changePassword(oldPw, newPw));
    } catch (e) {
      if (e.code === 'auth.bad_password') { setFieldError(oldEl, '当前密码不正确'); oldEl.focus(); return; }
      if (/^password\./.test(e.code || '')) { setFieldError(newEl, e.message); newEl.focus(); return; }
      return onError(e, box);
    }
    form.reset();
    user = (await currentUser({ fresh: true }).catch(() => null)) || user;
    $('must-change').hidden = true;
    if (isStaff(user) && $('tokens').hidden) setupTokens();
    const next = params.get('next') ? safeNext(params.get('next')) : (must ? '/' : null);
    msg(box, 'ok', next
      ? ['密码已修改，其他设备上的登录已退出。 ', h('a', { href: next, id: 'pw-continue' }, '继续 →')]
      : '密码已修改，其他设备上的登录已退出。');
    if (next) setTimeout(() => location.assign(next), 1500);
  });
}

/* -------------------------------------------------------------- tokens */

function tokenRoles(t) {
  return t.roles && t.roles.length ? t.roles.map((r) => ROLE_LABEL[r] || r).join('、') : '全部角色';
}

async function loadTokens() {
  const tbody = $('token-table').tBodies[0];
  const box = $('token-list-msg');
  msg(box, null);
  let r;
  try {
    r = await get('/api/v1/auth/tokens');
  } catch (e) {
    tbody.replaceChildren();
    return onError(e, box);
  }
  const now = Date.now();
  const rows = (r.tokens || []).map((t) => {
    const expired = t.expires_at && new Date(t.expires_at).getTime() < now;
    const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `撤销令牌“${t.name}”` }, '撤销');
    revoke.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: '撤销 API 令牌', danger: true, ok: '撤销',
        body: `撤销后，使用令牌“${t.name}”的系统将立即无法访问接口。此操作不能撤回。`,
      });
      if (!ok) return;
      try {
        await busy(revoke, '撤销中…', () => del(`/api/v1/auth/tokens/${encodeURIComponent(t.id)}`));
      } catch (e) {
        return onError(e, box);
      }
      msg(box, 'ok', `令牌“${t.name}”已撤销。`);
      loadTokens();
    });
    return h('tr', { dataset: { token: String(t.id) } },
      h('td', { 'data-label': '名称' }, h('strong', {}, t.name)),
      h('td', { 'data-label': '角色' }, tokenRoles(t)),
      h('td', { 'data-label': '创建', class: 'nowrap' }, fmtTime(t.created_at)),
      h('td', { 'data-label': '最后使用', class: 'nowrap' }, t.last_used_at && t.last_used_at !== t.created_at ? fmtTime(t.last_used_at) : h('span', { class: 'muted' }, '未使用')),
      h('td', { 'data-label': '到期', class: 'nowrap' }, fmtTime(t.expires_at), expired ? h('span', { class: 'status status-err', style: 'margin-left:6px' }, '已过期') : null),
      h('td', { 'data-label': '' }, revoke));
  });
  tbody.replaceChildren(...(rows.length ? rows
    : [h('tr', {}, h('td', { colspan: '6', class: 'empty' }, '还没有 API 令牌。'))]));
}

function setupTokens() {
  $('tokens').hidden = false;
  const roleBox = $('token-roles');
  roleBox.replaceChildren(...(user.roles || []).map((r) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: r, name: 'token-role' }), ROLE_LABEL[r] || r)));
  loadTokens();

  const form = $('token-form');
  const nameEl = $('token-name');
  const box = $('token-msg');
  const once = $('token-once');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    msg(box, null);
    const name = nameEl.value.trim();
    if (!name) { setFieldError(nameEl, '请填写令牌名称，说明它给谁用'); return nameEl.focus(); }
    const roles = [...roleBox.querySelectorAll('input:checked')].map((c) => c.value);
    let r;
    try {
      r = await busy($('token-submit'), '正在创建…', () =>
        post('/api/v1/auth/tokens', { name, roles, days: Number($('token-days').value) }));
    } catch (e) {
      if (e.param === 'name') { setFieldError(nameEl, e.message); return nameEl.focus(); }
      return onError(e, box);
    }
    form.reset();
    showOnce(once, r);
    loadTokens();
  });
}

/** The new token, shown this once, with a copy button. */
function showOnce(box, r) {
  const input = h('input', { id: 'token-value', readonly: true, value: r.token, 'aria-label': '新令牌', spellcheck: 'false' });
  const status = h('span', { role: 'status', class: 'muted', id: 'copy-status' });
  const copy = h('button', { type: 'button', class: 'btn btn-primary', id: 'token-copy' }, '复制');
  copy.addEventListener('click', async () => {
    const ok = await copyText(r.token, input);
    status.textContent = ok ? '已复制到剪贴板' : '复制失败，请手动选中后复制';
    if (!ok) input.select();
  });
  const done = h('button', { type: 'button', class: 'btn' }, '我已保存，关闭');
  done.addEventListener('click', () => { box.hidden = true; box.replaceChildren(); $('token-name').focus(); });
  box.replaceChildren(
    h('strong', {}, `令牌“${r.name}”已创建`),
    h('p', { class: 'msg msg-warn', style: 'margin:0' }, '此令牌只显示这一次，关闭或离开本页后无法再次查看。请立即复制并妥善保存，不要发给他人。'),
    h('div', { class: 'row' }, input, copy),
    h('div', { class: 'actions' }, done, status));
  box.hidden = false;
  input.focus();
  input.select();
}

main();
