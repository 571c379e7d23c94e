// report.js - 上报事件: the new-event form for staff. Category (two levels),
// description, the place (click the map, type the coordinates, or use the
// browser's position, WGS-84), address, urgency and photos. The report is
// sent with an Idempotency-Key that stays the same across retries of the
// same submission (a lost answer cannot make a second event), and is
// renewed once the server has answered it for good.

import { h } from '../util.js';
import { field, setFieldError, clearFieldErrors } from '../forms.js';
import { locate } from '../api.js';
import { openForm } from './dialog.js';
import { send, uuid, getCategories } from './http.js';
import { photoField } from './photos.js';
import { PickMap } from './minimap.js';
import { rootScope } from './filters.js';

let pickMap = null;   // one map for the page's life (see minimap.js)
const mapEl = h('div', { class: 'rp-map', id: 'rp-map', role: 'application', 'aria-label': '点击地图选择事件位置' });

/** Test hook: the report map. */
export const reportMap = () => pickMap;

/** Open the form; resolves to the new event or null. */
export async function openReport(user) {
  const cats = await getCategories();
  const root = rootScope(user) || { code: String(user?.grants?.[0]?.scope || '440111').slice(0, 6), level: 'district' };
  let key = uuid();
  let lastBody = null;   // what was sent with `key`

  const cat1 = h('select', { id: 'rp-cat1', required: true, autofocus: true },
    h('option', { value: '' }, '请选择大类'), ...cats.top.map((c) => h('option', { value: c.code }, c.name)));
  const cat2 = h('select', { id: 'rp-cat2', disabled: true, 'aria-label': '事件小类' }, h('option', { value: '' }, '先选大类'));
  cat1.addEventListener('change', () => {
    const kids = cats.children(cat1.value);
    cat2.replaceChildren(h('option', { value: '' }, kids.length ? '请选择小类' : '（无小类）'),
      ...kids.map((c) => h('option', { value: c.code }, c.name)));
    cat2.disabled = !kids.length;
  });
  const title = h('input', { id: 'rp-title', maxlength: '80', placeholder: '可不填，默认为类别名称' });
  const desc = h('textarea', { id: 'rp-desc', rows: '2', maxlength: '2000', required: true, placeholder: '发生了什么、影响范围、现场情况' });
  const lon = h('input', { id: 'rp-lon', inputmode: 'decimal', placeholder: '经度，如 113.2695', 'aria-label': '经度' });
  const lat = h('input', { id: 'rp-lat', inputmode: 'decimal', placeholder: '纬度，如 23.1608', 'aria-label': '纬度' });
  const geo = h('button', { type: 'button', class: 'btn btn-small', id: 'rp-geo', title: '使用浏览器定位（WGS-84）' }, '◎ 我的位置');
  const where = h('p', { class: 'small muted', id: 'rp-where', 'aria-live': 'polite' }, '点击地图或输入坐标');
  const address = h('input', { id: 'rp-address', maxlength: '160', placeholder: '如：三元里大道 123 号旁' });
  const urgency = h('select', { id: 'rp-urgency' },
    h('option', { value: 'normal' }, '一般'), h('option', { value: 'urgent' }, '紧急'), h('option', { value: 'critical' }, '特急'));
  let ctxRef = null;
  const photos = photoField('rp-photos', { onError: (t) => ctxRef?.error(t) });

  let lookSeq = 0;
  const lookUp = async () => {
    const x = Number(lon.value), y = Number(lat.value);
    if (!lon.value || !lat.value || !Number.isFinite(x) || !Number.isFinite(y)) return;
    pickMap?.setPoint([x, y]);
    const seq = ++lookSeq;
    where.textContent = '正在查询所属网格…';
    try {
      const r = await locate(y, x, 'wgs84');
      if (seq === lookSeq) where.textContent = `所属网格：${r.town.name} › ${r.community.name} › ${r.grid.name}`;
    } catch (e) {
      if (seq === lookSeq) where.textContent = e.code === 'locate.outside' ? '该位置不在任何网格内，请重新选择' : e.message;
    }
  };
  const setPoint = ([x, y]) => {
    lon.value = x.toFixed(6);
    lat.value = y.toFixed(6);
    setFieldError(lon, '');
    lookUp();
  };
  lon.addEventListener('change', lookUp);
  lat.addEventListener('change', lookUp);
  geo.addEventListener('click', () => {
    if (!navigator.geolocation) { where.textContent = '此浏览器不支持定位'; return; }
    where.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(
      (p) => setPoint([p.coords.longitude, p.coords.latitude]),
      (e) => { where.textContent = e.code === 1 ? '未获得定位权限，请点击地图或输入坐标' : '定位失败，请点击地图或输入坐标'; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });

  const fields = [
    h('div', { class: 'fields-2' },
      field('rp-cat1', '事件类别', h('div', { class: 'row' }, cat1, cat2), { required: true }),
      field('rp-urgency', '紧急程度', urgency)),
    field('rp-desc', '事件描述', desc, { required: true }),
    h('div', { class: 'fields-2' }, field('rp-title', '标题', title), field('rp-address', '地址', address)),
    h('div', { class: 'field' },
      h('span', { class: 'label' }, '位置', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      mapEl,
      h('div', { class: 'row rp-coords' }, lon, lat, geo),
      h('p', { class: 'field-error', id: 'rp-lon-err' }),
      where),
    h('div', { class: 'field' }, h('span', { class: 'label' }, '现场照片'), photos.el),
  ];

  return openForm({
    id: 'report',
    title: '上报事件',
    fields,
    wide: true,
    submit: '上报',
    onOpen: (ctx) => {
      ctxRef = ctx;
      if (!pickMap) pickMap = new PickMap(mapEl, setPoint);
      pickMap.point = null;
      pickMap.show(root.code, root.level).catch(() => {});
    },
    onSubmit: async (ctx) => {
      clearFieldErrors(ctx.dialog);
      const category = cat2.value || cat1.value;
      const x = Number(lon.value), y = Number(lat.value);
      let ok = true;
      if (!category) { setFieldError(cat1, '请选择事件类别'); ok = false; }
      if (cat1.value && !cat2.disabled && !cat2.value) { setFieldError(cat1, '请选择小类'); ok = false; }
      if (!desc.value.trim()) { setFieldError(desc, '请填写事件描述'); ok = false; }
      if (!lon.value || !lat.value || !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) {
        setFieldError(lon, '请点击地图或填写经纬度'); ok = false;
      }
      if (!ok) {
        ctx.dialog.querySelector('[aria-invalid="true"]')?.focus();
        return null;
      }
      if (photos.busy()) { ctx.error('照片还在上传，请稍候'); return null; }
      const body = { category, description: desc.value.trim(), lon: x, lat: y, crs: 'wgs84', urgency: urgency.value };
      if (title.value.trim()) body.title = title.value.trim();
      if (address.value.trim()) body.address = address.value.trim();
      if (photos.shas().length) body.photos = photos.shas();
      const json = JSON.stringify(body);
      if (lastBody !== null && json !== lastBody) key = uuid();   // a changed report is a new submission
      lastBody = json;
      try {
        return await send('POST', '/api/v1/events', body, { 'Idempotency-Key': key });
      } catch (e) {
        // answered for good (4xx): nothing was made, the next try is a new
        // submission; no answer or a server error: retry with the same key
        if (e.status >= 400 && e.status < 500) { key = uuid(); lastBody = null; }
        throw e;
      }
    },
  });
}
