// resident.js - 随手报 (/report): the residents' page, made for a phone.
//
//   #new        我要报: category, what happened, where (my location, a tap
//               on the map or typed coordinates), address and photos; sent
//               with an Idempotency-Key that stays the same across retries
//               of one submission, so a weak signal never makes two events
//   #mine       我的上报: the resident's own reports, newest first, with
//               their status (待评价 once closed and not yet rated)
//   #event/ID   one report: what the resident sees of it (docs/api.md: the
//               public steps, roles instead of names) and, once closed, the
//               rating (满意 / 基本满意 / 不满意; 不满意 sends it back once)
//   #find       找网格员: whose grid my location is in, and their phone
//
// 我的上报 and a report follow the live stream (app/live.js: each step of
// the resident's own reports, public steps only; a poll when there is no
// stream), so a step taken by staff shows without reloading the page.
//
// Everything goes through the public event API (docs/api.md, "Events"),
// as a mini program would. Staff are pointed to the workbench (/app).
// Test hook: window.__rs.

import { isStaff } from './auth.js';
import { startProtectedPage } from './usermenu.js';
import { h } from './util.js';
import { field, setFieldError, clearFieldErrors } from './forms.js';
import { locate } from './api.js';
import { renderGridCard } from './panel.js';
import { send, get, getCategories } from './app/http.js';
import { photoField, thumbs } from './app/photos.js';
import { categoryField, placeField, submission } from './app/place.js';
import { fmtTime, fmtAge, RATINGS } from './app/fmt.js';
import { Live } from './app/live.js';

const $ = (id) => document.getElementById(id);
const main = $('rs-main');
const PAGE = 20;

let user = null;
let form = null;       // the report form, kept across tabs so a draft survives

/* ------------------------------------------------------------ routing */

function route() {
  const m = /^#event\/(\d{1,15})$/.exec(location.hash);
  if (m) return { view: 'event', id: Number(m[1]) };
  const v = location.hash.slice(1);
  return { view: ['new', 'mine', 'find'].includes(v) ? v : 'new' };
}

async function show() {
  const r = route();
  for (const a of $('rs-tabs').querySelectorAll('a')) {
    const on = a.dataset.view === r.view || (r.view === 'event' && a.dataset.view === 'mine');
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.dataset.view = r.view;
  main.setAttribute('aria-busy', 'true');
  try {
    if (r.view === 'new') await showNew();
    else if (r.view === 'mine') await showMine();
    else if (r.view === 'event') await showEvent(r.id);
    else await showFind();
  } catch (e) {
    main.replaceChildren(h('div', { class: 'msg msg-error', role: 'alert' }, e.message || String(e)));
  }
  main.setAttribute('aria-busy', 'false');
  main.dataset.ready = '1';
}

/* ------------------------------------------------------------ 我要报 */

/** A title from what the resident wrote: its first sentence, at most 20 characters. */
export function titleOf(text) {
  const first = String(text).trim().split(/[\n。！？!?；;]/)[0].trim();
  const chars = [...first];
  return chars.length > 20 ? `${chars.slice(0, 19).join('')}…` : first;
}

async function buildForm() {
  const cats = await getCategories();
  const sub = submission();

  const cat = categoryField('rs', cats, { label: '请选择问题类别', idle: '先选类别', subLabel: '问题小类', required: '请选择问题类别' });
  const { cat1, cat2 } = cat;
  const desc = h('textarea', { id: 'rs-desc', rows: '4', maxlength: '2000', required: true,
    placeholder: '发生了什么？在哪里？持续多久了？' });
  const address = h('input', { id: 'rs-address', maxlength: '160', placeholder: '如：三元里大道 123 号旁（选填）', autocomplete: 'street-address' });
  const pl = placeField('rs', {
    idle: '请定位，或在地图上点选问题所在位置', geoLabel: '◎ 使用我的位置', geoClass: 'btn btn-primary',
    whereClass: 'rs-where', mapClass: 'rs-map', worker: true,
  });
  const note = h('div', { class: 'msg', id: 'rs-form-msg', role: 'alert', hidden: true });
  const showError = (t) => { note.className = 'msg msg-error'; note.textContent = t; note.hidden = !t; };
  const photos = photoField('rs-photos', { onError: showError });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary rs-submit', id: 'rs-submit' }, '提交');
  // a field's complaint goes once it is answered
  cat1.addEventListener('change', () => setFieldError(cat1, ''));
  cat2.addEventListener('change', () => setFieldError(cat1, ''));
  desc.addEventListener('input', () => setFieldError(desc, ''));

  const el = h('form', { class: 'card rs-form', id: 'rs-form', novalidate: true, autocomplete: 'off' },
    h('h2', {}, '发现问题，随手一报'),
    h('p', { class: 'muted small' }, '提交后由所在网格的网格员和社区工作站受理，办理进度可在“我的上报”查看。'),
    field('rs-cat1', '问题类别', h('div', { class: 'rs-cats' }, cat1, cat2), { required: true }),
    field('rs-desc', '问题描述', desc, { required: true }),
    h('div', { class: 'field' },
      h('span', { class: 'label' }, '问题位置', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      h('div', { class: 'rs-geo-row' }, pl.geo),
      pl.where,
      pl.mapEl,
      h('details', { class: 'rs-coords' }, h('summary', {}, '输入经纬度（WGS-84）'),
        h('div', { class: 'row' }, pl.lon, pl.lat)),
      h('p', { class: 'field-error', id: 'rs-lon-err' })),
    field('rs-address', '详细地址', address),
    h('div', { class: 'field' }, h('span', { class: 'label' }, '现场照片'), photos.el),
    note,
    submit);

  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(el);
    showError('');
    const category = cat.value();
    const p = pl.point();
    let ok = true;
    if (cat.missing()) { setFieldError(cat1, cat.missing()); ok = false; }
    if (!desc.value.trim()) { setFieldError(desc, '请描述一下问题'); ok = false; }
    if (!p) { setFieldError(pl.lon, '请定位或在地图上点选问题位置'); ok = false; }
    if (!ok) { el.querySelector('[aria-invalid="true"]')?.focus(); return; }
    if (photos.busy()) { showError('照片还在上传，请稍候'); return; }
    const body = { category, description: desc.value.trim(), lon: p[0], lat: p[1], crs: 'wgs84' };
    if (titleOf(body.description)) body.title = titleOf(body.description);
    if (address.value.trim()) body.address = address.value.trim();
    if (photos.shas().length) body.photos = photos.shas();
    submit.disabled = true;
    submit.textContent = '正在提交…';
    try {
      const evt = await sub.send(body);
      reset();
      if (route().view === 'new') done(evt);
    } catch (e) {
      // no answer: the next 提交 retries with the same key (place.js)
      if (e.param === 'lon' || e.code === 'event.outside') setFieldError(pl.lon, e.message);
      else if (e.code === 'event.bad_category') setFieldError(cat1, e.message);
      else showError(e.status ? e.message : '网络不畅，提交没有完成。请稍后再点“提交”，不会重复上报。');
    } finally {
      submit.disabled = false;
      submit.textContent = '提交';
    }
  });

  function reset() {
    sub.renew();
    el.reset();
    cat.reset();
    photos.reset();
    pl.reset();
  }

  const scope = String(user.grants?.find((g) => g.role === 'resident')?.scope || '440111');
  return {
    el,
    mount() {
      pl.show(scope, scope.length <= 6 ? 'district' : 'town').catch(() => {});
    },
    place: pl,
  };
}

/** The answer to a report: its number, where it went, what happens next. */
function done(evt) {
  const box = h('section', { class: 'card rs-done', id: 'rs-done', tabindex: '-1', 'data-id': String(evt.id) },
    h('h2', {}, '✓ 已提交'),
    h('p', {}, `问题编号 `, h('strong', { class: 'code' }, `#${evt.id}`)),
    h('dl', { class: 'dt-facts' },
      h('dt', {}, '类别'), h('dd', {}, evt.category_name || evt.category),
      h('dt', {}, '所属网格'), h('dd', {}, [evt.town_name, evt.community_name, evt.grid_name].filter(Boolean).join(' › ')),
      h('dt', {}, '状态'), h('dd', {}, h('span', { class: `st st-${evt.status}` }, evt.status_label))),
    h('p', { class: 'muted small' }, '社区工作站受理后会安排处置，每一步都会显示在办理进度里；办结后请您评价。'),
    h('div', { class: 'rs-actions' },
      h('a', { class: 'btn btn-primary', href: `#event/${evt.id}` }, '查看办理进度'),
      h('a', { class: 'btn', href: '#new', onclick: (e) => { e.preventDefault(); showNew(); } }, '再报一件')));
  main.replaceChildren(box);
  box.focus();
}

async function showNew() {
  if (!form) form = await buildForm();
  if (route().view !== 'new') return;   // the user went elsewhere meanwhile
  main.replaceChildren(form.el);
  form.mount();
}

/* ------------------------------------------------------------ 我的上报 */

const needsRating = (ev) => ev.status === 'closed' && !ev.rating;

function item(ev) {
  return h('li', { class: 'rs-item', 'data-id': String(ev.id) },
    h('a', { href: `#event/${ev.id}` },
      h('div', { class: 'rs-item-top' },
        h('span', { class: 'rs-item-title' }, ev.title),
        h('span', { class: `st st-${ev.status}` }, ev.status_label)),
      h('div', { class: 'muted small' },
        [ev.category_name || ev.category, ev.community_name, `${fmtTime(ev.created_at)}`].filter(Boolean).join(' · '),
        needsRating(ev) ? h('span', { class: 'rs-rate-badge' }, '待评价') : null)));
}

async function showMine() {
  const list = h('ul', { class: 'rs-list', id: 'rs-list' });
  const more = h('button', { type: 'button', class: 'btn rs-more', id: 'rs-more', hidden: true }, '加载更多');
  const head = h('div', { class: 'rs-list-head' }, h('h2', {}, '我的上报'),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => showMine() }, '刷新'));
  const box = h('section', { class: 'card rs-mine' }, head, list, more);
  let cursor = null;
  const load = async () => {
    const q = new URLSearchParams({ mine: '1', limit: String(PAGE) });
    if (cursor) q.set('after', cursor);
    const r = await get(`/api/v1/events?${q}`);
    list.append(...(r.events || []).map(item));
    cursor = r.next_cursor;
    more.hidden = !cursor;
    if (!list.children.length) {
      list.replaceWith(h('p', { class: 'muted rs-empty', id: 'rs-list' }, '您还没有上报过问题。',
        h('a', { href: '#new' }, '去上报')));
    }
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await load(); } catch (e) { alert(e.message); } finally { more.disabled = false; }
  });
  await load();
  if (route().view === 'mine') main.replaceChildren(box);
}

/* ------------------------------------------------------------ one report */

let eventSeq = 0;

async function showEvent(id) {
  const mine = ++eventSeq;
  const ev = await get(`/api/v1/events/${id}`);
  const now = route();
  if (mine !== eventSeq || now.view !== 'event' || now.id !== id) return;   // a newer call, or the user went elsewhere
  const row = (k, v) => (v ? [h('dt', {}, k), h('dd', {}, v)] : []);
  const parts = [
    h('a', { href: '#mine', class: 'rs-back' }, '‹ 我的上报'),
    h('div', { class: 'rs-ev-head' },
      h('h2', { id: 'rs-ev-title' }, ev.title),
      h('span', { class: `st st-${ev.status}`, id: 'rs-ev-status' }, ev.status_label)),
    h('dl', { class: 'dt-facts' },
      ...row('编号', `#${ev.id}`),
      ...row('类别', ev.category_name || ev.category),
      ...row('位置', [ev.town_name, ev.community_name, ev.grid_name].filter(Boolean).join(' › ')),
      ...row('地址', ev.address),
      ...row('上报时间', `${fmtTime(ev.created_at)}（${fmtAge(ev.created_at)}）`),
      ...row('办结时间', ev.closed_at ? fmtTime(ev.closed_at) : ''),
      ...row('处置结果', ev.result),
      ...row('不予受理原因', ev.reject_reason),
      ...row('我的评价', ev.rating ? RATINGS[ev.rating] : '')),
    h('p', { class: 'rs-desc' }, ev.description),
  ];
  const ph = thumbs(ev.photos, `问题 #${ev.id}`);
  if (ph) parts.push(ph);
  if ((ev.allowed || []).some((a) => a.action === 'rate')) parts.push(rateForm(ev));
  parts.push(h('h3', {}, '办理进度'),
    h('ol', { class: 'timeline', id: 'rs-timeline' }, (ev.timeline || []).slice().reverse().map((t) => h('li', { class: `tl tl-${t.action}` },
      h('time', { datetime: t.at }, fmtTime(t.at)),
      h('div', { class: 'tl-body' },
        h('div', {}, h('strong', {}, t.action_label), t.to_label && t.from !== t.to
          ? h('span', { class: 'muted small' }, ` → ${t.to_label}`) : null),
        t.actor ? h('div', { class: 'muted small' }, t.actor) : null,
        t.note ? h('p', { class: 'tl-note' }, t.note) : null,
        thumbs(t.photos, t.action_label))))));
  main.replaceChildren(h('section', { class: 'card rs-event', id: 'rs-event', 'data-id': String(ev.id), 'data-status': ev.status }, ...parts));
}

/** 评价: 满意 / 基本满意 / 不满意 with an optional note. */
function rateForm(ev) {
  const choices = [1, 2, 3].map((v) => h('label', { class: 'rs-rate' },
    h('input', { type: 'radio', name: 'rs-rating', value: String(v) }), RATINGS[v]));
  const note = h('textarea', { id: 'rs-rate-note', rows: '2', maxlength: '500', placeholder: '说说您的看法（选填）' });
  const err = h('p', { class: 'msg msg-error', role: 'alert', hidden: true });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'rs-rate-submit' }, '提交评价');
  const f = h('form', { class: 'rs-rating', id: 'rs-rating' },
    h('h3', {}, '对办理结果满意吗？'),
    h('p', { class: 'muted small' }, ev.reopen_count ? '' : '选择“不满意”，问题会退回重新办理一次。'),
    h('div', { class: 'rs-rates', role: 'radiogroup', 'aria-label': '评价' }, choices),
    note, err, btn);
  f.addEventListener('change', () => { err.hidden = true; });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = f.querySelector('input[name="rs-rating"]:checked')?.value;
    if (!v) { err.textContent = '请选择一项评价'; err.hidden = false; return; }
    btn.disabled = true;
    try {
      const body = { action: 'rate', rating: Number(v) };
      if (note.value.trim()) body.note = note.value.trim();
      await send('POST', `/api/v1/events/${ev.id}/steps`, body);
      await showEvent(ev.id);
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
      btn.disabled = false;
    }
  });
  return f;
}

/* ------------------------------------------------------------ 找网格员 */

async function showFind() {
  const out = h('div', { id: 'rs-find-out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'rs-find-geo' }, '◎ 用我的位置查找');
  btn.addEventListener('click', () => {
    if (!navigator.geolocation) { out.replaceChildren(h('p', { class: 'msg msg-warn' }, '此浏览器不支持定位')); return; }
    out.replaceChildren(h('p', { class: 'muted' }, '正在定位…'));
    navigator.geolocation.getCurrentPosition(async (p) => {
      const point = { lat: p.coords.latitude, lon: p.coords.longitude, crs: 'wgs84' };
      try {
        out.replaceChildren(renderGridCard(await locate(point.lat, point.lon, 'wgs84'), point));
      } catch (e) {
        out.replaceChildren(h('p', { class: 'msg msg-warn' }, e.code === 'locate.outside' ? '您的位置不在本区的网格内' : e.message));
      }
    }, (e) => out.replaceChildren(h('p', { class: 'msg msg-warn' },
      e.code === 1 ? '未获得定位权限。也可以在网格地图上点图查网格。' : '定位失败，请稍后再试')),
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
  main.replaceChildren(h('section', { class: 'card rs-find' },
    h('h2', {}, '找网格员'),
    h('p', { class: 'muted small' }, '查看您所在位置属于哪个网格，以及网格员、网格长和社区工作站的联系电话。'),
    btn, out,
    h('p', { class: 'small' }, h('a', { href: '/' }, '在网格地图上查找其他位置 ›'))));
}

/* ------------------------------------------------------------ live */

/** Show the list or the report again after a step (not while a rating is being written). */
function refreshFor(eventId) {
  const r = route();
  const rating = document.getElementById('rs-rating');
  if (rating && (rating.querySelector('input:checked') || rating.querySelector('textarea')?.value.trim() ||
                 rating.contains(document.activeElement))) return;
  // rows in place: the pages loaded and the scroll stay
  const put = (ev) => main.querySelector(`.rs-item[data-id="${ev.id}"]`)?.replaceWith(item(ev));
  if (r.view === 'event' && (eventId === null || eventId === r.id)) {
    showEvent(r.id).catch(() => {});
  } else if (r.view === 'mine' && eventId) {
    if (main.querySelector(`.rs-item[data-id="${eventId}"]`)) get(`/api/v1/events/${eventId}`).then(put, () => {});
  } else if (r.view === 'mine') {
    // a poll (no live stream): the newest page's rows
    get(`/api/v1/events?mine=1&limit=${PAGE}`).then((p) => (p.events || []).forEach(put), () => {});
  }
}

/* ------------------------------------------------------------ boot */

async function boot() {
  user = await startProtectedPage((m) => main.replaceChildren(h('p', { class: 'msg msg-error', role: 'alert' }, m)));
  if (!user) return;
  if (isStaff(user)) {
    $('rs-tabs').hidden = true;
    main.replaceChildren(h('div', { class: 'card' },
      h('h2', {}, '随手报是群众上报问题的页面'),
      h('p', {}, '工作人员请在工作台上报和办理事件。'),
      h('p', {}, h('a', { class: 'btn btn-primary', href: '/app' }, '打开工作台'))));
    main.setAttribute('aria-busy', 'false');
    main.dataset.ready = '1';
    return;
  }
  window.addEventListener('hashchange', show);
  $('rs-tabs').addEventListener('click', (e) => {
    const a = e.target.closest('a[data-view]');
    if (a && location.hash === `#${a.dataset.view}`) { e.preventDefault(); show(); }
  });
  await show();
  new Live({ frame: (d) => refreshFor(Number(d.event_id ?? d.event?.id)), poll: () => refreshFor(null) }).start();
}

window.__rs = { pickMap: () => form?.place.map() };
boot();
