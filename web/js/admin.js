// admin.js - /admin: user administration for district admins (区管理员).
//
// Views, in the URL hash so reload and back/forward keep them:
//   #/users?q=&after=   users list with search and paging
//   #/users/new         create a user with initial grants
//   #/users/ID          one user: grants (add/remove), disable/enable,
//                       reset password, masked phone (unmask is audited)
//   #/audit?before=     the audit log, newest first
// Anyone else who opens /admin sees 无权访问; nobody logged in goes to /login.

import {
  get, post, del, isAdmin, needsLogin, goLogin, ensureCsrf, roleLabels,
  ROLE_LABEL, ROLES, PASSWORD_MIN,
} from './auth.js';
import { ApiError } from './api.js';
import { startProtectedPage } from './usermenu.js';
import { h, debounce, LEVEL_LABEL } from './util.js';
import {
  field, passwordInput, setFieldError, clearFieldErrors, msg, busy, confirmDialog, randomPassword,
  fmtTime, copyText,
} from './forms.js';

const $ = (id) => document.getElementById(id);
const main = $('main');
const PAGE = 20;
const AUDIT_PAGE = 50;
const enc = encodeURIComponent;

/** Unit levels each role may be bound to (src/domain/role.c). */
const ROLE_LEVELS = {
  admin: ['district'],
  command: ['district', 'town'],
  station_head: ['community'],
  grid_leader: ['area'],
  grid_worker: ['grid'],
  department: ['department'],
  leader: ['district', 'town', 'community'],
  resident: ['district'],
};
const levelText = (lv) => (lv === 'department' ? '职能部门' : LEVEL_LABEL[lv] || lv || '');
const rolesHint = (role) => ROLE_LEVELS[role].map(levelText).join('或');

const AUDIT_ACTIONS = {
  'auth.login': '登录',
  'auth.login_failed': '登录失败',
  'auth.logout': '退出登录',
  'auth.logout_all': '退出所有设备',
  'auth.password': '修改密码',
  'auth.token_create': '创建 API 令牌',
  'auth.token_revoke': '撤销 API 令牌',
  'access.denied': '拒绝访问',
  'user.add': '新建用户',
  'user.disable': '停用用户',
  'user.enable': '启用用户',
  'user.reset_password': '重置密码',
  'user.grant': '授予角色',
  'user.revoke': '撤销角色',
  'pii.read': '查看个人信息',
  'config.change': '修改配置',
  'org.import': '导入组织架构',
  'org.demo': '生成演示数据',
  'db.migrate_copy': '数据库迁移',
  'display.create': '新建大屏终端',
  'display.pairing': '大屏重新生成配对码',
  'display.pair': '大屏配对',
  'display.pair_failed': '大屏配对失败',
  'display.revoke': '停用大屏终端',
};
const RESULT = { ok: ['成功', 'status-ok'], denied: ['拒绝', 'status-err'], failed: ['失败', 'status-warn'] };

let me = null;
let district = null;     // {code, name} of the admin's own admin grant: the default scope
let flashNext = null;    // a message for the next view: [kind, content]
let seq = 0;             // latest view; older replies are dropped

/* --------------------------------------------------------------- start */

async function start() {
  me = await startProtectedPage((m) => main.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' }, m)));
  if (!me) return;
  main.setAttribute('aria-busy', 'false');
  if (!isAdmin(me)) return denied();
  const g = (me.grants || []).find((x) => x.role === 'admin');
  district = g ? { code: g.scope, name: g.scope_name || g.scope, level: g.scope_level || 'district' } : null;
  window.addEventListener('hashchange', route);
  route();
}

function denied(detail) {
  document.title = '无权访问 · 网格化服务管理平台';
  const roles = roleLabels(me);
  main.replaceChildren(h('section', { class: 'card denied', role: 'alert', id: 'denied' },
    h('h1', {}, '无权访问'),
    h('p', {}, detail || '用户管理仅限区管理员使用。'),
    h('p', {}, `你当前的角色：${roles.length ? roles.join('、') : '无'}。如需开通权限，请联系区管理员。`),
    h('p', {}, h('a', { class: 'btn btn-primary', href: '/' }, '返回网格地图'))));
  main.querySelector('h1').setAttribute('tabindex', '-1');
  main.querySelector('h1').focus();
}

/** A failed call: log in again, 无权访问, or a message in box. */
function fail(e, box) {
  if (needsLogin(e)) return goLogin(e.code === 'auth.csrf' ? 'csrf' : 'expired');
  if (e instanceof ApiError && e.status === 403 && e.code === 'auth.forbidden') return denied();
  if (e instanceof ApiError && e.code === 'http.not_found')
    return msg(box, 'error', '服务器尚未提供此功能（接口不存在），请升级服务端后重试。');
  msg(box, 'error', e.message || String(e));
}

/* --------------------------------------------------------------- routing */

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/users';
  const [path, qs] = raw.split('?');
  return { path, params: new URLSearchParams(qs || '') };
}

function route() {
  const { path, params } = parseHash();
  const my = ++seq;
  let m;
  if (path === '/users' || path === '/' || path === '') return usersView(params, my);
  if (path === '/users/new') return createView(my);
  if ((m = /^\/users\/(\d+)$/.exec(path))) return userView(Number(m[1]), my);
  if (path === '/audit') return auditView(params, my);
  location.replace('#/users');
}

function shell(tab, title, ...content) {
  document.title = `${title} · 用户管理 · 网格化服务管理平台`;
  const tabs = h('nav', { class: 'tabs', 'aria-label': '用户管理' },
    h('a', { href: '#/users', 'aria-current': tab === 'users' ? 'page' : null }, '用户'),
    h('a', { href: '#/users/new', 'aria-current': tab === 'new' ? 'page' : null }, '新建用户'),
    h('a', { href: '#/audit', 'aria-current': tab === 'audit' ? 'page' : null }, '审计日志'));
  const flash = h('div', { class: 'msg', id: 'flash', hidden: true });
  if (flashNext) {
    msg(flash, flashNext[0], flashNext[1]);
    flashNext = null;
  }
  main.replaceChildren(
    h('div', { class: 'page-title' }, h('h1', { id: 'view-title', tabindex: '-1' }, title),
      district ? h('p', { class: 'muted' }, `管理范围：${district.name}`) : null),
    tabs, flash, ...content);
  return flash;
}

function focusTitle() {
  $('view-title')?.focus({ preventScroll: true });
}

/* -------------------------------------------------------------- pieces */

function grantChip(g) {
  return h('span', { class: 'grant-chip', title: `${g.role_label || ROLE_LABEL[g.role] || g.role}：${g.scope_name || ''} ${g.scope}` },
    g.role_label || ROLE_LABEL[g.role] || g.role,
    h('small', {}, g.scope_name || g.scope),
    g.title ? h('small', {}, `· ${g.title}`) : null);
}

function statusChips(u) {
  return [
    u.disabled ? h('span', { class: 'status status-off' }, '已停用') : h('span', { class: 'status status-ok' }, '正常'),
    u.must_change_password ? h('span', { class: 'status status-warn', style: 'margin-left:4px' }, '待改密码') : null,
  ];
}

/**
 * A scope picker: a combobox that searches units (GET /api/v1/units?q=),
 * keeping those of the levels the role allows, or a department code typed
 * as is. picker.value: {code, name, level} or null.
 */
function scopePicker(id, getRole) {
  const listId = `${id}-list`;
  const input = h('input', {
    id, type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', spellcheck: 'false',
    placeholder: '搜索单位名称或编码，如 三元里',
  });
  const list = h('ul', { class: 'scope-list', id: listId, role: 'listbox', hidden: true, 'aria-label': '匹配的单位' });
  const picked = h('p', { class: 'picked', 'aria-live': 'polite' });
  const wrap = h('div', { class: 'scope-picker' }, input, list, picked);
  let options = [];
  let active = -1;
  let qseq = 0;
  const picker = { el: wrap, input, value: null };

  const closeList = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const showPicked = () => {
    const v = picker.value;
    picked.textContent = v ? `已选：${v.name ? v.name + '（' : ''}${v.code}${v.name ? '）' : ''}${v.level ? ' · ' + levelText(v.level) : ''}` : '';
  };
  picker.set = (v) => {
    picker.value = v;
    input.value = v ? (v.level === 'department' ? v.code : v.name || v.code) : '';
    showPicked();
    closeList();
  };
  const choose = (i) => {
    const o = options[i];
    if (!o) return;
    picker.set({ code: o.code, name: o.name, level: o.level });
    setFieldError(input, '');
  };
  const setActive = (i) => {
    const items = [...list.children].filter((li) => li.id);
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach((li, k) => li.setAttribute('aria-selected', String(k === active)));
    input.setAttribute('aria-activedescendant', items[active].id);
    items[active].scrollIntoView({ block: 'nearest' });
  };

  const search = debounce(async () => {
    const role = getRole();
    const q = input.value.trim();
    const my = ++qseq;
    if (role === 'department') {
      picker.value = q ? { code: q, name: null, level: 'department' } : null;
      showPicked();
      return;
    }
    if (!q) return closeList();
    let r;
    try {
      r = await get(`/api/v1/units?q=${enc(q)}&limit=100`);
    } catch (e) {
      if (my !== qseq) return;
      list.replaceChildren(h('li', { class: 'none' }, `搜索失败：${e.message}`));
      list.hidden = false;
      return;
    }
    if (my !== qseq) return;
    const levels = role ? ROLE_LEVELS[role] : null;
    const all = r.units || [];
    options = levels ? all.filter((u) => levels.includes(u.level)) : all;
    active = -1;
    list.replaceChildren(...(options.length
      ? options.slice(0, 30).map((u, i) => h('li', {
        id: `${id}-opt-${i}`, role: 'option', 'aria-selected': 'false',
        onmousedown: (ev) => { ev.preventDefault(); choose(i); },
      }, h('span', {}, u.name, ' ', h('span', { class: 'muted' }, u.parent_name ? `· ${u.parent_name}` : '')),
      h('span', { class: 'code' }, `${levelText(u.level)} ${u.code}`)))
      : [h('li', { class: 'none' }, all.length && role
        ? `找到 ${all.length} 个单位，但${ROLE_LABEL[role]}只能授予${rolesHint(role)}级单位`
        : '没有匹配的单位')]));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }, 250);

  input.addEventListener('input', () => {
    picker.value = null;
    showPicked();
    search();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); if (list.hidden) search(); else setActive(active + 1); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); setActive(active - 1); }
    else if (ev.key === 'Enter' && !list.hidden && active >= 0) { ev.preventDefault(); choose(active); }
    else if (ev.key === 'Escape' && !list.hidden) { ev.preventDefault(); closeList(); }
  });
  input.addEventListener('blur', () => setTimeout(closeList, 150));

  /** The role changed: adapt the placeholder, drop a selection it cannot use. */
  picker.roleChanged = (role) => {
    input.placeholder = role === 'department' ? '部门编码，如 440111-cg'
      : role ? `搜索${rolesHint(role)}的名称或编码` : '搜索单位名称或编码，如 三元里';
    const v = picker.value;
    if (v && role && !ROLE_LEVELS[role].includes(v.level)) picker.set(null);
    if (role === 'department' && input.value && !v) search();
    if (['admin', 'resident'].includes(role) && district && !picker.value) picker.set(district);
  };
  return picker;
}

/**
 * A grant editor: role, scope, title. editor.read() -> {role, scope, title}
 * or null after flagging what is missing (unless quiet and empty).
 */
function grantEditor(idBase) {
  const roleSel = h('select', { id: `${idBase}-role` },
    h('option', { value: '' }, '请选择角色'),
    ROLES.map((r) => h('option', { value: r }, ROLE_LABEL[r])));
  const picker = scopePicker(`${idBase}-scope`, () => roleSel.value);
  const title = h('input', { id: `${idBase}-title`, maxlength: '60', placeholder: '如 调度员' });
  const hint = h('p', { class: 'hint', id: `${idBase}-scope-hint` }, '先选角色，再按名称或编码搜索单位；职能部门请输入部门编码。');
  roleSel.addEventListener('change', () => {
    picker.roleChanged(roleSel.value);
    hint.textContent = roleSel.value === 'department'
      ? '输入职能部门编码：区编码-部门简称，如 440111-cg（城管）。'
      : roleSel.value ? `${ROLE_LABEL[roleSel.value]}可授予${rolesHint(roleSel.value)}级单位。` : '先选角色，再按名称或编码搜索单位；职能部门请输入部门编码。';
    setFieldError(roleSel, '');
  });
  const scopeField = field(`${idBase}-scope`, '范围', picker.el, {});
  scopeField.querySelector('.field-error').before(hint);
  picker.input.setAttribute('aria-describedby', `${hint.id} ${idBase}-scope-err`);
  const el = h('div', { class: 'grant-editor' },
    field(`${idBase}-role`, '角色', roleSel),
    scopeField,
    field(`${idBase}-title`, '职务（可选）', title));
  return {
    el, roleSel, picker, title,
    isEmpty: () => !roleSel.value && !picker.input.value.trim(),
    read() {
      let ok = true;
      if (!roleSel.value) { setFieldError(roleSel, '请选择角色'); ok = false; }
      const v = picker.value || (roleSel.value === 'department' && picker.input.value.trim()
        ? { code: picker.input.value.trim(), level: 'department' } : null);
      if (!v) { setFieldError(picker.input, '请从搜索结果中选择一个单位'); ok = false; }
      if (!ok) return null;
      return { role: roleSel.value, scope: v.code, title: title.value.trim() || undefined, _name: v.name };
    },
    reset() {
      roleSel.value = '';
      picker.set(null);
      roleSel.dispatchEvent(new Event('change'));   // placeholder and hint back to the start
      title.value = '';
    },
    /** Put an API error naming a grant field on its input. */
    showError(e) {
      const target = e.param === 'role' ? roleSel : e.param === 'title' ? title : picker.input;
      setFieldError(target, e.message);
      target.focus();
    },
  };
}

/** Map an API error's `param` to a form input; true when shown there. */
function fieldFail(e, inputs) {
  const el = e instanceof ApiError && e.param && inputs[e.param];
  if (!el) return false;
  setFieldError(el, e.message);
  el.focus();
  return true;
}

/* ------------------------------------------------------------ users list */

const pageStack = [];   // `after` cursors of the pages before this one

async function usersView(params, my) {
  const q = params.get('q') || '';
  const after = Number(params.get('after')) || 0;
  const search = h('input', { type: 'search', id: 'user-q', value: q, placeholder: '用户名或姓名', enterkeyhint: 'search' });
  const form = h('form', { role: 'search', id: 'user-search' },
    h('label', { class: 'sr-only', for: 'user-q' }, '搜索用户'), search,
    h('button', { type: 'submit', class: 'btn' }, '搜索'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    pageStack.length = 0;
    const v = search.value.trim();
    location.hash = `#/users${v ? '?q=' + enc(v) : ''}`;
  });
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: '6', class: 'empty' }, h('span', { class: 'loading' }, '加载中…'))));
  const table = h('table', { class: 'data stack', id: 'user-table' },
    h('caption', { class: 'sr-only' }, '用户列表'),
    h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色与范围', '手机号', '状态'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const pager = h('div', { class: 'pager' });
  const box = h('div', { class: 'msg', hidden: true });
  const flash = shell('users', '用户',
    h('section', { class: 'card' },
      h('div', { class: 'toolbar-row' }, form, h('a', { class: 'btn btn-primary', href: '#/users/new' }, '＋ 新建用户')),
      box, h('div', { class: 'table-wrap' }, table), pager));
  void flash;
  let r;
  try {
    r = await get(`/api/v1/users?limit=${PAGE}${q ? '&q=' + enc(q) : ''}${after ? '&after=' + after : ''}`);
  } catch (e) {
    if (my !== seq) return;
    tbody.replaceChildren();
    return fail(e, box);
  }
  if (my !== seq) return;
  const users = r.users || [];
  tbody.replaceChildren(...(users.length ? users.map((u) => h('tr', { dataset: { user: u.username } },
    h('td', { 'data-label': '用户名' }, h('a', { href: `#/users/${u.id}` }, u.username)),
    h('td', { 'data-label': '姓名' }, u.display_name),
    h('td', { 'data-label': '角色' }, (u.grants || []).length ? u.grants.map(grantChip) : h('span', { class: 'muted' }, '无')),
    h('td', { 'data-label': '手机号', class: 'nowrap phone' }, u.phone || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': '状态', class: 'nowrap' }, statusChips(u))))
    : [h('tr', {}, h('td', { colspan: '5', class: 'empty' }, q ? `没有用户名或姓名包含“${q}”的用户。` : '还没有用户。'))]));

  const first = pageStack.length === 0 && !after;
  const prev = h('button', { type: 'button', class: 'btn', disabled: first, id: 'users-prev' }, '‹ 上一页');
  const next = h('button', { type: 'button', class: 'btn', disabled: !r.next_after, id: 'users-next' }, '下一页 ›');
  prev.addEventListener('click', () => {
    const a = pageStack.pop() || 0;
    location.hash = `#/users?${new URLSearchParams({ ...(q ? { q } : {}), ...(a ? { after: String(a) } : {}) })}`;
  });
  next.addEventListener('click', () => {
    pageStack.push(after);
    location.hash = `#/users?${new URLSearchParams({ ...(q ? { q } : {}), after: String(r.next_after) })}`;
  });
  pager.replaceChildren(h('span', { class: 'muted', role: 'status' },
    users.length ? `${q ? `搜索“${q}”：` : ''}本页 ${users.length} 个用户${r.next_after ? '，还有更多' : ''}` : ''),
  h('div', { class: 'actions' }, prev, next));
}

/* ------------------------------------------------------------ create user */

function createView() {
  const username = h('input', { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: '32' });
  const display = h('input', { maxlength: '60', autocomplete: 'off' });
  const phone = h('input', { type: 'tel', inputmode: 'tel', maxlength: '20', autocomplete: 'off' });
  const pw = passwordInput('new-user-password', { autocomplete: 'new-password' });
  const gen = h('button', { type: 'button', class: 'btn' }, '生成随机密码');
  gen.addEventListener('click', () => {
    pw.input.value = randomPassword();
    pw.input.type = 'text';
    pw.wrap.querySelector('.pw-toggle').textContent = '隐藏';
    setFieldError(pw.input, '');
  });
  const must = h('input', { type: 'checkbox', id: 'new-user-must', checked: true });
  const editor = grantEditor('ng');
  const pending = [];
  const pendingBox = h('div', { class: 'grant-rows', id: 'pending-grants' });
  const renderPending = () => pendingBox.replaceChildren(...(pending.length ? pending.map((g, i) => {
    const rm = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `移除授权 ${ROLE_LABEL[g.role]} ${g._name || g.scope}` }, '移除');
    rm.addEventListener('click', () => { pending.splice(i, 1); renderPending(); });
    return h('div', { class: 'grant-row' }, h('span', {}, grantChip({ role: g.role, scope: g.scope, scope_name: g._name, title: g.title })), rm);
  }) : [h('p', { class: 'muted', style: 'margin:0' }, '尚未添加授权。没有角色的用户登录后只能查看公开信息。')]));
  renderPending();
  const addBtn = h('button', { type: 'button', class: 'btn', id: 'ng-add' }, '添加到列表');
  addBtn.addEventListener('click', () => {
    clearFieldErrors(editor.el);
    const g = editor.read();
    if (!g) return;
    if (pending.some((x) => x.role === g.role && x.scope === g.scope)) {
      setFieldError(editor.picker.input, '该授权已在列表中');
      return;
    }
    pending.push(g);
    renderPending();
    editor.reset();
    editor.roleSel.focus();
  });
  const box = h('div', { class: 'msg', hidden: true, id: 'create-msg' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-lg', id: 'create-submit' }, '创建用户');
  const form = h('form', { class: 'form', novalidate: true, id: 'create-form' },
    h('div', { class: 'fields-2' },
      field('new-user-username', '用户名', username, { required: true, hint: '3–32 位小写字母、数字或 _ . -，创建后不能修改，如 zhang.wei' }),
      field('new-user-display', '姓名', display, { required: true, hint: '显示给其他工作人员的名字' })),
    h('div', { class: 'fields-2' },
      field('new-user-phone', '手机号（可选）', phone, { hint: '个人信息：列表中打码显示，查看完整号码会记入审计日志' }),
      field('new-user-password', '初始密码', h('div', { class: 'row' }, pw.wrap, gen), {
        required: true, hint: `至少 ${PASSWORD_MIN} 个字符，不能是常见密码，不能与用户名相近。请通过安全渠道告知本人。`,
      })),
    h('label', { class: 'check' }, must, '首次登录时必须修改密码（建议）'),
    h('fieldset', { class: 'card', style: 'margin:0;box-shadow:none' },
      h('legend', { class: 'label', style: 'font-weight:600;padding:0 4px' }, '初始授权'),
      pendingBox,
      h('div', { style: 'margin-top:12px' }, editor.el),
      h('div', { class: 'actions' }, addBtn)),
    box,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn', href: '#/users' }, '取消')));
  pw.wrap.style.flex = '1';

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    msg(box, null);
    const u = username.value.trim();
    const dn = display.value.trim();
    const password = pw.input.value;
    let bad = null;
    const flag = (el, t) => { setFieldError(el, t); bad = bad || el; };
    if (!/^[a-z0-9_.-]{3,32}$/.test(u)) flag(username, '用户名须为 3–32 位小写字母、数字或 _ . -');
    if (!dn) flag(display, '请填写姓名');
    if (phone.value.trim() && !/^[\d+\- ]{5,20}$/.test(phone.value.trim())) flag(phone, '手机号只能包含数字、+、- 和空格（5–20 位）');
    if ([...password].length < PASSWORD_MIN) flag(pw.input, `初始密码至少需要 ${PASSWORD_MIN} 个字符`);
    // A grant filled in but not yet added to the list counts too.
    const grants = [...pending];
    if (!editor.isEmpty()) {
      const g = editor.read();
      if (!g) bad = bad || editor.roleSel;
      else if (!grants.some((x) => x.role === g.role && x.scope === g.scope)) grants.push(g);
    }
    if (bad) return bad.focus();
    const body = {
      username: u, display_name: dn, password, must_change_password: must.checked,
      grants: grants.map(({ role, scope, title }) => ({ role, scope, ...(title ? { title } : {}) })),
    };
    if (phone.value.trim()) body.phone = phone.value.trim();
    let r;
    try {
      r = await busy(submit, '正在创建…', () => post('/api/v1/users', body));
    } catch (e) {
      if (e.code === 'user.exists') { setFieldError(username, e.message || '该用户名已被使用'); return username.focus(); }
      if (/^password\./.test(e.code || '')) { setFieldError(pw.input, e.message); return pw.input.focus(); }
      if (['role', 'scope', 'title', 'grants'].includes(e.param)) {
        msg(box, 'error', `授权有误：${e.message}`);
        return;
      }
      if (fieldFail(e, { username, display_name: display, phone, password: pw.input })) return;
      return fail(e, box);
    }
    const nu = r.user || r;
    flashNext = ['ok', [h('strong', {}, `已创建用户 ${nu.display_name}（${nu.username}）。`),
      must.checked ? ' 请通过安全渠道把初始密码告知本人，首次登录时须修改。' : ' 请通过安全渠道把初始密码告知本人。']];
    location.hash = `#/users/${nu.id}`;
  });

  shell('new', '新建用户', h('section', { class: 'card' }, form));
  focusTitle();
}

/* ------------------------------------------------------------- one user */

async function userView(id, my) {
  const box = h('div', { class: 'msg', hidden: true });
  const keep = flashNext;   // for the view once loaded
  shell('users', '用户详情', h('p', { class: 'back' }, h('a', { class: 'back-link', href: '#/users' }, '‹ 返回用户列表')), box,
    h('p', { class: 'loading' }, '加载中…'));
  let u;
  try {
    u = (await get(`/api/v1/users/${id}`)).user;
  } catch (e) {
    if (my !== seq) return;
    main.querySelector('.loading')?.remove();
    if (e.code === 'user.not_found') return msg(box, 'error', '找不到该用户，或该用户不在你的管理范围内。');
    return fail(e, box);
  }
  if (my !== seq) return;
  flashNext = keep;
  renderUser(u, my);
}

function renderUser(u, my) {
  const self = me && u.id === me.id;
  const box = h('div', { class: 'msg', hidden: true, id: 'user-msg' });
  const reload = async (note) => {
    try {
      const nu = (await get(`/api/v1/users/${u.id}`)).user;
      if (my !== seq) return;
      if (note) flashNext = note;
      renderUser(nu, my);
    } catch (e) {
      fail(e, box);
    }
  };

  /* info, with the masked phone */
  const phoneCell = h('dd', { id: 'user-phone' });
  const showPhone = (value, unmasked) => {
    phoneCell.replaceChildren(value ? h('span', { class: 'phone' }, value) : h('span', { class: 'muted' }, '未登记'));
    if (value && !unmasked) {
      const btn = h('button', { type: 'button', class: 'btn btn-small', id: 'unmask' }, '显示完整号码');
      btn.addEventListener('click', async () => {
        let r;
        try {
          r = await busy(btn, '读取中…', () => get(`/api/v1/users/${u.id}?unmask=1`));
        } catch (e) {
          return fail(e, box);
        }
        showPhone(r.user.phone, true);
      });
      phoneCell.append(btn, h('span', { class: 'audit-note' }, '查看将记入审计日志'));
    } else if (unmasked) {
      phoneCell.append(h('span', { class: 'audit-note', role: 'status' }, '已显示完整号码，本次查看已记入审计日志'));
    }
  };
  showPhone(u.phone, false);
  const info = h('section', { class: 'card', 'aria-labelledby': 'info-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'info-title' }, '基本信息'), h('span', {}, statusChips(u))),
    h('dl', { class: 'kv' },
      h('dt', {}, '用户名'), h('dd', { class: 'code', style: 'font-size:14px;color:var(--text)' }, u.username),
      h('dt', {}, '姓名'), h('dd', {}, u.display_name),
      h('dt', {}, '手机号'), phoneCell,
      h('dt', {}, '创建时间'), h('dd', {}, fmtTime(u.created_at)),
      h('dt', {}, '最后修改'), h('dd', {}, fmtTime(u.updated_at))));

  /* account actions: disable / enable, reset password */
  const toggle = h('button', { type: 'button', class: `btn ${u.disabled ? 'btn-primary' : 'btn-danger'}`, id: 'toggle-disabled', disabled: self && !u.disabled },
    u.disabled ? '启用账号' : '停用账号');
  toggle.addEventListener('click', async () => {
    const ok = await confirmDialog(u.disabled
      ? { title: '启用账号', ok: '启用', body: `启用后 ${u.display_name}（${u.username}）可以重新登录。` }
      : { title: '停用账号', ok: '停用', danger: true, body: [`停用后 ${u.display_name}（${u.username}）将无法登录，其所有登录会话和 API 令牌立即失效。`, '可以随时重新启用。'] });
    if (!ok) return;
    try {
      await busy(toggle, u.disabled ? '启用中…' : '停用中…', () => post(`/api/v1/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`));
    } catch (e) {
      return fail(e, box);
    }
    reload(['ok', u.disabled ? '账号已启用。' : '账号已停用，该用户的登录和 API 令牌已全部失效。']);
  });

  const rpw = passwordInput('reset-password', { autocomplete: 'new-password' });
  rpw.wrap.style.flex = '1';
  const rgen = h('button', { type: 'button', class: 'btn' }, '生成');
  rgen.addEventListener('click', () => {
    rpw.input.value = randomPassword();
    rpw.input.type = 'text';
    rpw.wrap.querySelector('.pw-toggle').textContent = '隐藏';
  });
  const rmust = h('input', { type: 'checkbox', id: 'reset-must', checked: true });
  const rbox = h('div', { class: 'msg', hidden: true, id: 'reset-msg' });
  const rsubmit = h('button', { type: 'submit', class: 'btn', id: 'reset-submit' }, '重置密码');
  const rform = h('form', { class: 'form', novalidate: true, id: 'reset-form' },
    field('reset-password', '新密码', h('div', { class: 'row' }, rpw.wrap, rgen),
      { hint: `至少 ${PASSWORD_MIN} 个字符。重置后该用户在所有设备上的登录都会退出（API 令牌不受影响）。` }),
    h('label', { class: 'check' }, rmust, '下次登录时必须修改密码'),
    rbox, h('div', { class: 'actions' }, rsubmit));
  rform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(rform);
    msg(rbox, null);
    const pw = rpw.input.value;
    if ([...pw].length < PASSWORD_MIN) { setFieldError(rpw.input, `新密码至少需要 ${PASSWORD_MIN} 个字符`); return rpw.input.focus(); }
    try {
      await busy(rsubmit, '正在重置…', () => post(`/api/v1/users/${u.id}/password`, { password: pw, must_change_password: rmust.checked }));
    } catch (e) {
      if (/^password\./.test(e.code || '') || e.param === 'password') { setFieldError(rpw.input, e.message); return rpw.input.focus(); }
      return fail(e, rbox);
    }
    const shown = pw;
    rform.reset();
    rpw.input.type = 'password';
    const copy = h('button', { type: 'button', class: 'btn btn-small' }, '复制新密码');
    copy.addEventListener('click', async () => { copy.textContent = (await copyText(shown)) ? '已复制' : '复制失败'; });
    msg(rbox, 'ok', [h('span', {}, `密码已重置${rmust.checked ? '，下次登录时须修改' : ''}。请通过安全渠道告知本人。`), copy]);
  });

  const actions = h('section', { class: 'card', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, '账号操作'),
    h('div', { class: 'actions', style: 'margin:10px 0 16px' }, toggle,
      self ? h('span', { class: 'muted' }, '不能停用自己的账号') : null),
    h('h3', { style: 'font-size:14px;margin-bottom:8px' }, '重置密码'),
    rform);

  /* grants */
  const gbody = h('tbody', {}, ...((u.grants || []).length ? u.grants.map((g) => {
    const rm = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `撤销 ${g.role_label} ${g.scope_name || g.scope}` }, '撤销');
    if (self && g.role === 'admin') { rm.disabled = true; rm.title = '不能撤销自己的管理员角色'; }
    rm.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: '撤销角色', ok: '撤销', danger: true,
        body: `撤销 ${u.display_name} 在“${g.scope_name || g.scope}”的${g.role_label}角色？该用户将立即失去此角色的权限。` });
      if (!ok) return;
      try {
        await busy(rm, '撤销中…', () => del(`/api/v1/users/${u.id}/grants/${g.id}`));
      } catch (e) {
        return fail(e, gbox);
      }
      reload(['ok', `已撤销${g.role_label}角色（${g.scope_name || g.scope}）。`]);
    });
    return h('tr', { dataset: { grant: String(g.id) } },
      h('td', { 'data-label': '角色' }, h('strong', {}, g.role_label || ROLE_LABEL[g.role] || g.role)),
      h('td', { 'data-label': '范围' }, g.scope_name || h('span', { class: 'muted' }, '（名称未知）'), ' ', h('span', { class: 'code' }, g.scope),
        g.scope_level ? h('span', { class: 'muted' }, ` · ${levelText(g.scope_level)}`) : null),
      h('td', { 'data-label': '职务' }, g.title || h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': '' }, rm));
  }) : [h('tr', {}, h('td', { colspan: '4', class: 'empty' }, '该用户还没有任何角色。'))]));
  const gbox = h('div', { class: 'msg', hidden: true, id: 'grant-msg' });
  const editor = grantEditor('ag');
  const gadd = h('button', { type: 'submit', class: 'btn btn-primary', id: 'grant-add' }, '添加授权');
  const gform = h('form', { novalidate: true, id: 'grant-form', class: 'form' }, editor.el, gbox, h('div', { class: 'actions' }, gadd));
  gform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(gform);
    msg(gbox, null);
    const g = editor.read();
    if (!g) return;
    try {
      await busy(gadd, '添加中…', () => post(`/api/v1/users/${u.id}/grants`,
        { role: g.role, scope: g.scope, ...(g.title ? { title: g.title } : {}) }));
    } catch (e) {
      if (['role', 'scope', 'title'].includes(e.param)) return editor.showError(e);
      if (e.code === 'user.grant_exists') return editor.showError({ ...e, param: 'scope', message: e.message });
      return fail(e, gbox);
    }
    reload(['ok', `已授予${ROLE_LABEL[g.role]}角色（${g._name || g.scope}）。`]);
  });
  const grants = h('section', { class: 'card wide', 'aria-labelledby': 'grants-title' },
    h('h2', { id: 'grants-title' }, '角色与范围'),
    h('p', { class: 'hint' }, '每项授权把一个角色绑定到一个单位（或职能部门），权限覆盖该单位及其下级。'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data stack', id: 'grant-table' },
      h('caption', { class: 'sr-only' }, '该用户的授权'),
      h('thead', {}, h('tr', {}, ['角色', '范围', '职务'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, '操作')))),
      gbody)),
    h('h3', { style: 'font-size:14px;margin:16px 0 8px' }, '添加授权'),
    gform);

  shell('users', `${u.display_name}（${u.username}）`,
    h('p', { class: 'back' }, h('a', { class: 'back-link', href: '#/users' }, '‹ 返回用户列表')), box,
    h('div', { class: 'detail-grid' }, info, actions, grants));
  main.dataset.user = u.username;
}

/* ----------------------------------------------------------- audit log */

const auditStack = [];

/** "account:7" links to that user; anything else as text. */
function auditTarget(t) {
  if (!t) return h('span', { class: 'muted' }, '—');
  const m = /^account:(\d+)$/.exec(t);
  return m ? h('a', { href: `#/users/${m[1]}`, title: '查看该用户' }, `用户 #${m[1]}`) : t;
}

async function auditView(params, my) {
  const before = Number(params.get('before')) || 0;
  const box = h('div', { class: 'msg', hidden: true });
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: '7', class: 'empty' }, h('span', { class: 'loading' }, '加载中…'))));
  const pager = h('div', { class: 'pager' });
  shell('audit', '审计日志',
    h('section', { class: 'card' },
      h('p', { class: 'hint', style: 'margin-top:0' }, '登录、权限变更、查看个人信息等操作都会记入审计日志，记录逐条串联哈希，不可修改或删除。最新的记录在前。'),
      box,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data stack', id: 'audit-table' },
        h('caption', { class: 'sr-only' }, '审计日志'),
        h('thead', {}, h('tr', {}, ['时间', '操作人', '操作', '对象', '结果', '来源 IP', '详情'].map((t) => h('th', { scope: 'col' }, t)))),
        tbody)),
      pager));
  let r;
  try {
    r = await get(`/api/v1/audit?limit=${AUDIT_PAGE}${before ? '&before=' + before : ''}`);
  } catch (e) {
    if (my !== seq) return;
    tbody.replaceChildren();
    return fail(e, box);
  }
  if (my !== seq) return;
  const rows = r.rows || r.entries || [];
  tbody.replaceChildren(...(rows.length ? rows.map((a) => {
    const [rt, rc] = RESULT[a.result] || [a.result || '—', 'status-off'];
    return h('tr', { dataset: { audit: String(a.id) } },
      h('td', { 'data-label': '时间', class: 'nowrap' }, fmtTime(a.at)),
      h('td', { 'data-label': '操作人' }, a.actor || '—', a.role ? h('span', { class: 'muted' }, ` · ${ROLE_LABEL[a.role] || a.role}`) : null),
      h('td', { 'data-label': '操作' }, AUDIT_ACTIONS[a.action] || a.action, ' ', h('span', { class: 'code' }, a.action)),
      h('td', { 'data-label': '对象' }, auditTarget(a.target)),
      h('td', { 'data-label': '结果' }, h('span', { class: `status ${rc}` }, rt)),
      h('td', { 'data-label': 'IP', class: 'nowrap code' }, a.ip || '—'),
      h('td', { 'data-label': '详情' }, a.detail || h('span', { class: 'muted' }, '—')));
  }) : [h('tr', {}, h('td', { colspan: '7', class: 'empty' }, '没有记录。'))]));
  const newer = h('button', { type: 'button', class: 'btn', disabled: !before, id: 'audit-newer' }, '‹ 较新');
  const older = h('button', { type: 'button', class: 'btn', disabled: !r.next_before, id: 'audit-older' }, '较早 ›');
  newer.addEventListener('click', () => {
    const b = auditStack.pop() || 0;
    location.hash = b ? `#/audit?before=${b}` : '#/audit';
  });
  older.addEventListener('click', () => {
    auditStack.push(before);
    location.hash = `#/audit?before=${r.next_before}`;
  });
  pager.replaceChildren(h('span', { class: 'muted', role: 'status' }, rows.length ? `本页 ${rows.length} 条` : ''),
    h('div', { class: 'actions' }, newer, older));
}

ensureCsrf();   // borrow the token from another tab early, if this one has none
start();
