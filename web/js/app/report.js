// report.js - 上报事件: the new-event form for staff. Category (two levels),
// description, the place (click the map, type the coordinates, or use the
// browser's position, WGS-84: place.js), address, urgency and photos. The
// report is sent with an Idempotency-Key that stays the same across retries
// of the same submission (a lost answer cannot make a second event), and is
// renewed once the server has answered it for good (place.js, submission).

import { h } from '../util.js';
import { field, setFieldError, clearFieldErrors } from '../forms.js';
import { openForm } from './dialog.js';
import { getCategories } from './http.js';
import { photoField } from './photos.js';
import { categoryField, placeField, submission } from './place.js';
import { rootScope } from './filters.js';

let place = null;   // the place field of the form opened last

/** Test hook: the report map. */
export const reportMap = () => place?.map();

/** Open the form; resolves to the new event or null. */
export async function openReport(user) {
  const cats = await getCategories();
  const root = rootScope(user) || { code: String(user?.grants?.[0]?.scope || '440111').slice(0, 6), level: 'district' };
  const sub = submission();

  const cat = categoryField('rp', cats, { autofocus: true, subLabel: '事件小类', required: '请选择事件类别' });
  const title = h('input', { id: 'rp-title', maxlength: '80', placeholder: '可不填，默认为类别名称' });
  const desc = h('textarea', { id: 'rp-desc', rows: '2', maxlength: '2000', required: true, placeholder: '发生了什么、影响范围、现场情况' });
  const pl = place = placeField('rp');
  const address = h('input', { id: 'rp-address', maxlength: '160', placeholder: '如：三元里大道 123 号旁' });
  const urgency = h('select', { id: 'rp-urgency' },
    h('option', { value: 'normal' }, '一般'), h('option', { value: 'urgent' }, '紧急'), h('option', { value: 'critical' }, '特急'));
  let ctxRef = null;
  const photos = photoField('rp-photos', { onError: (t) => ctxRef?.error(t) });

  const fields = [
    h('div', { class: 'fields-2' },
      field('rp-cat1', '事件类别', h('div', { class: 'row' }, cat.cat1, cat.cat2), { required: true }),
      field('rp-urgency', '紧急程度', urgency)),
    field('rp-desc', '事件描述', desc, { required: true }),
    h('div', { class: 'fields-2' }, field('rp-title', '标题', title), field('rp-address', '地址', address)),
    h('div', { class: 'field' },
      h('span', { class: 'label' }, '位置', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      pl.mapEl,
      h('div', { class: 'row rp-coords' }, pl.lon, pl.lat, pl.geo),
      h('p', { class: 'field-error', id: 'rp-lon-err' }),
      pl.where),
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
      pl.show(root.code, root.level).catch(() => {});
    },
    onSubmit: async (ctx) => {
      clearFieldErrors(ctx.dialog);
      const category = cat.value();
      const p = pl.point();
      let ok = true;
      if (cat.missing()) { setFieldError(cat.cat1, cat.missing()); ok = false; }
      if (!desc.value.trim()) { setFieldError(desc, '请填写事件描述'); ok = false; }
      if (!p) { setFieldError(pl.lon, '请点击地图或填写经纬度'); ok = false; }
      if (!ok) {
        ctx.dialog.querySelector('[aria-invalid="true"]')?.focus();
        return null;
      }
      if (photos.busy()) { ctx.error('照片还在上传，请稍候'); return null; }
      const body = { category, description: desc.value.trim(), lon: p[0], lat: p[1], crs: 'wgs84', urgency: urgency.value };
      if (title.value.trim()) body.title = title.value.trim();
      if (address.value.trim()) body.address = address.value.trim();
      if (photos.shas().length) body.photos = photos.shas();
      return sub.send(body);
    },
  });
}
