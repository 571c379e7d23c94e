// displays.js - /displays: the wall displays (大屏终端) of the command big
// screen, for admins and command officers (docs/api.md, "Wall displays").
//
// Create a display for a unit of yours and get its pairing code (shown
// once, with the link to open on the wall); see every display of your
// units with its state, when it was last connected and when its pairing
// ends; give one a new pairing code (a replaced computer, or before the 90
// days are over); revoke one (its screen stops at once). Anyone else who
// opens the page sees 无权访问; nobody logged in goes to /login.

import { get, post, needsLogin, goLogin, roleLabels } from './auth.js';
import { ApiError } from './api.js';
import { startProtectedPage } from './usermenu.js';
import { h, LEVEL_LABEL } from './util.js';
import { field, setFieldError, clearFieldErrors, msg, busy, confirmDialog, fmtTime, copyText } from './forms.js';

const $ = (id) => document.getElementById(id);
const main = $('main');
const MANAGERS = ['admin', 'command'];
const SOON_DAYS = 7;                 // "ends soon" below this
const STATUS_CLASS = { pending: 'status-warn', unpaired: 'status-off', active: 'status-ok', expired: 'status-err', revoked: 'status-off' };

let me = null;
let scopes = [];                     // the manager's grants: [{code, name, level}]
let showRevoked = false;

/* --------------------------------------------------------------- start */

async function start() {
  me = await startProtectedPage((m) => main.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' }, m)));
  if (!me) return;
  main.setAttribute('aria-busy', 'false');
  const seen = new Set();
  scopes = (me.grants || []).filter((g) => MANAGERS.includes(g.role) && !seen.has(g.scope) && seen.add(g.scope))
    .map((g) => ({ code: g.scope, name: g.scope_name || g.scope, level: g.scope_level }));
  if (!scopes.length) return denied();
  render();
}

function denied() {
  document.title = '无权访问 · 网格化服务管理平台';
  const roles = roleLabels(me);
  main.replaceChildren(h('section', { class: 'card denied', role: 'alert', id: 'denied' },
    h('h1', { tabindex: '-1' }, '无权访问'),
    h('p', {}, '大屏终端由区管理员和指挥中心管理。'),
    h('p', {}, `你当前的角色：${roles.length ? roles.join('、') : '无'}。如需开通权限，请联系区管理员。`),
    h('p', {}, h('a', { class: 'btn btn-primary', href: '/' }, '返回网格地图'))));
  main.querySelector('h1').focus();
}

/** A failed call: log in again, 无权访问, or a message in box. */
function fail(e, box) {
  if (needsLogin(e)) return goLogin(e.code === 'auth.csrf' ? 'csrf' : 'expired');
  if (e instanceof ApiError && e.status === 403 && e.code === 'auth.forbidden') return denied();
  msg(box, 'error', e.message || String(e));
}

/* --------------------------------------------------------------- page */

let listBox, tbody, once, createMsg;

function render() {
  document.title = '大屏终端 · 网格化服务管理平台';
  once = h('div', { class: 'pair-once', id: 'pair-once', hidden: true, tabindex: '-1' });
  createMsg = h('div', { class: 'msg', hidden: true, id: 'create-msg' });
  listBox = h('div', { class: 'msg', hidden: true, id: 'list-msg' });
  tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: '6', class: 'empty' }, h('span', { class: 'loading' }, '加载中…'))));
  const revokedBox = h('input', { type: 'checkbox', id: 'show-revoked' });
  revokedBox.addEventListener('change', () => { showRevoked = revokedBox.checked; load(); });

  main.replaceChildren(
    h('div', { class: 'page-title' }, h('h1', { id: 'view-title', tabindex: '-1' }, '大屏终端'),
      h('p', { class: 'muted' }, `管理范围：${scopes.map((s) => s.name).join('、')}`)),
    h('section', { class: 'card', 'aria-labelledby': 'create-title' },
      h('h2', { id: 'create-title' }, '新建大屏终端'),
      h('p', { class: 'hint' }, '大屏终端让指挥中心墙上的大屏长期显示“指挥大屏”，不需要任何人的账号登录，下班后也不会掉线。',
        '它只能查看所选单位的大屏数据，不能修改任何内容。创建后会得到一个配对码：在大屏电脑的浏览器中打开配对链接（或打开 ',
        h('span', { class: 'code' }, '/screen#pair'), ' 输入配对码）即可完成配对。配对后 90 天内有效；连续 14 天未连接也会失效。'),
      createForm(), createMsg, once),
    h('section', { class: 'card', 'aria-labelledby': 'list-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'list-title' }, '大屏终端列表'),
        h('label', { class: 'check', for: 'show-revoked' }, revokedBox, '显示已停用')),
      listBox,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data stack', id: 'display-table' },
          h('caption', { class: 'sr-only' }, '大屏终端列表'),
          h('thead', {}, h('tr', {}, ['名称', '显示单位', '状态', '最近连接', '授权到期', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
          tbody))));
  loadUnits();
  load();
}

/* -------------------------------------------------------------- create */

let unitSel;

function createForm() {
  const name = h('input', { id: 'display-name', maxlength: '40', autocomplete: 'off', placeholder: '如 白云区指挥中心大屏1' });
  unitSel = h('select', { id: 'display-unit' }, scopes.map((s) => h('option', { value: s.code }, `${s.name}（${LEVEL_LABEL[s.level] || s.level}）`)));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'display-create' }, '创建并生成配对码');
  const form = h('form', { class: 'form', id: 'display-form', novalidate: true },
    h('div', { class: 'fields-2' },
      field('display-name', '名称', name, { required: true, hint: '便于识别的名称，最多 40 个字，如 三元里街道指挥中心大屏' }),
      field('display-unit', '显示单位', unitSel, { required: true, hint: '大屏显示此单位及其下级的数据（区、镇街或村社区）' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    msg(createMsg, 'ok', null);
    const n = name.value.trim();
    if (!n) { setFieldError(name, '请填写名称'); name.focus(); return; }
    let r;
    try {
      r = await busy(submit, '正在创建…', () => post('/api/v1/displays', { name: n, unit: unitSel.value }));
    } catch (e) {
      if (e instanceof ApiError && e.param === 'name') { setFieldError(name, e.message); name.focus(); return; }
      if (e instanceof ApiError && e.param === 'unit') { setFieldError(unitSel, e.message); unitSel.focus(); return; }
      return fail(e, createMsg);
    }
    name.value = '';
    showCode(r, `已创建“${r.display.name}”。`);
    load();
  });
  return form;
}

/** The units a display may show: each grant's unit and its children (towns, communities). */
async function loadUnits() {
  for (const s of scopes) {
    if (!['district', 'town'].includes(s.level)) continue;
    let r;
    try {
      r = await get(`/api/v1/units/${encodeURIComponent(s.code)}/children`);
    } catch {
      continue;                        // the grant's own unit is there anyway
    }
    const kids = (r.children || []).filter((c) => ['town', 'community'].includes(c.level));
    if (!kids.length) continue;
    unitSel.append(h('optgroup', { label: `${s.name}的${LEVEL_LABEL[kids[0].level] || '下级单位'}` },
      kids.map((c) => h('option', { value: c.code }, c.name))));
  }
}

/** The pairing code, shown this once, with the link and what to do with it. */
function showCode(r, lead) {
  const link = `${location.origin}${r.pairing.path}`;
  const linkInput = h('input', { id: 'pair-link', readonly: true, value: link, 'aria-label': '配对链接', spellcheck: 'false' });
  const copyLink = h('button', { type: 'button', class: 'btn btn-primary', id: 'pair-copy' }, '复制链接');
  const copyCode = h('button', { type: 'button', class: 'btn', id: 'pair-copy-code' }, '复制配对码');
  const status = h('span', { class: 'muted', role: 'status' });
  copyLink.addEventListener('click', async () => { status.textContent = (await copyText(link, linkInput)) ? '链接已复制' : '复制失败，请手动选择复制'; });
  copyCode.addEventListener('click', async () => { status.textContent = (await copyText(r.pairing.code)) ? '配对码已复制' : '复制失败，请手动抄写'; });
  const done = h('button', { type: 'button', class: 'btn' }, '完成');
  done.addEventListener('click', () => { once.hidden = true; once.replaceChildren(); });
  once.replaceChildren(
    h('p', {}, h('strong', {}, lead), ` 配对码只显示这一次，${r.pairing.valid_hours} 小时内有效（至 ${fmtTime(r.pairing.expires_at)}），只能使用一次。`),
    h('div', { class: 'pair-code', id: 'pair-code', 'aria-label': '配对码' }, r.pairing.code),
    h('div', { class: 'row' }, linkInput, copyLink, copyCode),
    h('ol', { class: 'pair-steps' },
      h('li', {}, '在大屏电脑的浏览器（Chrome、Edge 或 Chromium）中打开上面的链接；或打开 ', h('span', { class: 'code' }, `${location.origin}/screen#pair`), ' 后输入配对码。'),
      h('li', {}, '配对完成后大屏立即显示，刷新或重启浏览器后仍保持登录，无需再输入。'),
      h('li', {}, '建议将浏览器设为全屏（F11）并开机自动打开 ', h('span', { class: 'code' }, `${location.origin}/screen`), '。')),
    h('div', { class: 'actions' }, done, status));
  once.hidden = false;
  once.focus();
}

/* ---------------------------------------------------------------- list */

let loadSeq = 0;

async function load() {
  const my = ++loadSeq;
  const all = [];
  try {
    let before = 0;
    for (let i = 0; i < 10; i++) {
      const r = await get(`/api/v1/displays?limit=200${before ? `&before=${before}` : ''}`);
      all.push(...(r.displays || []));
      if (!r.next_before) break;
      before = r.next_before;
    }
  } catch (e) {
    if (my !== loadSeq) return;
    tbody.replaceChildren();
    return fail(e, listBox);
  }
  if (my !== loadSeq) return;
  if (listBox.classList.contains('msg-error')) msg(listBox, 'error', null);   // an old failure, not news
  const rows = all.filter((d) => showRevoked || d.status !== 'revoked');
  const hidden = all.length - rows.length;
  tbody.replaceChildren(...(rows.length ? rows.map(row)
    : [h('tr', {}, h('td', { colspan: '6', class: 'empty' },
      hidden ? `没有在用的大屏终端（另有 ${hidden} 个已停用）。` : '还没有大屏终端。在上方新建一个。'))]));
}

function row(d) {
  const days = d.expires_at ? (Date.parse(d.expires_at) - Date.now()) / 86400e3 : null;
  const soon = d.status === 'active' && days !== null && days < SOON_DAYS;
  const renew = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'pairing' },
    d.status === 'active' ? '重新配对' : '生成配对码');
  const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'revoke' }, '停用');
  renew.addEventListener('click', () => newCode(d, renew));
  revoke.addEventListener('click', () => doRevoke(d, revoke));
  const seen = d.last_seen_at
    ? h('span', { title: [d.paired_ip && `配对地址 ${d.paired_ip}`, d.user_agent].filter(Boolean).join('\n') || null }, fmtTime(d.last_seen_at))
    : h('span', { class: 'muted' }, '从未连接');
  return h('tr', { dataset: { display: String(d.id), status: d.status } },
    h('td', { 'data-label': '名称' }, h('strong', {}, d.name), h('br'), h('small', { class: 'muted' }, `由 ${d.created_by || '—'} 创建于 ${fmtTime(d.created_at)}`)),
    h('td', { 'data-label': '单位' }, d.unit.name || d.unit.code, ' ', h('small', { class: 'muted' }, LEVEL_LABEL[d.unit.level] || '')),
    h('td', { 'data-label': '状态', class: 'nowrap' },
      h('span', { class: `status ${STATUS_CLASS[d.status] || 'status-off'}` }, d.status_label),
      d.pairing_expires_at && d.status !== 'pending'
        ? h('div', {}, h('small', { class: 'muted' }, `新配对码待使用，至 ${fmtTime(d.pairing_expires_at)}`)) : null,
      d.status === 'pending' ? h('div', {}, h('small', { class: 'muted' }, `配对码有效至 ${fmtTime(d.pairing_expires_at)}`)) : null),
    h('td', { 'data-label': '最近连接', class: 'nowrap' }, seen),
    h('td', { 'data-label': '到期', class: 'nowrap' }, d.status === 'revoked' ? h('span', { class: 'muted' }, `已于 ${fmtTime(d.revoked_at)} 停用`)
      : d.expires_at ? [fmtTime(d.expires_at), soon ? h('div', {}, h('span', { class: 'status status-warn' }, `${Math.max(0, Math.ceil(days))} 天内到期，请重新配对`)) : null]
        : h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': '操作' }, d.status === 'revoked' ? h('span', { class: 'muted' }, '—') : h('div', { class: 'actions' }, renew, revoke)));
}

async function newCode(d, btn) {
  if (d.status === 'active') {
    const ok = await confirmDialog({
      title: `重新配对“${d.name}”？`,
      body: ['将生成新的配对码。在新电脑（或原电脑）上用新配对码完成配对后，原来的大屏会立即停止显示；新配对起重新计算 90 天有效期。', '新配对码使用前，原大屏照常工作。'],
      ok: '生成新配对码',
    });
    if (!ok) return;
  }
  let r;
  try {
    r = await busy(btn, '生成中…', () => post(`/api/v1/displays/${d.id}/pairing`));
  } catch (e) {
    return fail(e, listBox);
  }
  showCode(r, `“${d.name}”的新配对码。`);
  load();
}

async function doRevoke(d, btn) {
  const ok = await confirmDialog({
    title: `停用“${d.name}”？`,
    body: ['停用后该大屏立即停止显示（实时推送同时断开），并显示“本大屏已停用”。此操作不能撤销：如需再用，请新建大屏终端。'],
    ok: '停用', danger: true,
  });
  if (!ok) return;
  try {
    await busy(btn, '停用中…', () => post(`/api/v1/displays/${d.id}/revoke`));
  } catch (e) {
    return fail(e, listBox);
  }
  msg(listBox, 'ok', `已停用“${d.name}”。`);
  load();
}

start();
