// report.js - 上报事件: the new-event form for staff. The source the user's
// roles allow (巡查上报, 网格群线索 with who gave the lead, 领导交办, 12345热线
// with the work order's number and the caller), category (two levels),
// description, the place (click the map, type the coordinates, or use the
// browser's position, WGS-84: place.js), address, urgency and photos. The
// report is sent with an Idempotency-Key that stays the same across retries
// of the same submission (a lost answer cannot make a second event), and is
// renewed once the server has answered it for good (place.js, submission).

import { h } from '../util.js';
import { getJSON } from '../api.js';
import { field, setFieldError, clearFieldErrors } from '../forms.js';
import { openForm } from './dialog.js';
import { getCategories } from './http.js';
import { photoField } from './photos.js';
import { categoryField, placeField, submission } from './place.js';
import { rootScope } from './filters.js';

let place = null;   // the place field of the form opened last

/* Sources a user may report with, the server's default first
 * (src/domain/event_flow.c ev_source_allowed, src/app/events.c
 * default_source; docs/events.md, "Sources"). */
const GRID_ROLES = ['grid_worker', 'grid_leader', 'station_head'];
const SOURCE_OPTIONS = [
  { value: 'patrol', label: '巡查上报', roles: [...GRID_ROLES, 'command'], first: GRID_ROLES },
  { value: 'wechat', label: '网格群线索', roles: [...GRID_ROLES, 'command'] },
  { value: 'assigned', label: '领导交办', roles: ['command', 'leader', 'department'], first: ['leader', 'department'] },
  { value: 'hotline', label: '12345热线', roles: ['command', 'admin'], first: ['command', 'admin'] },
];

/** The sources `user` may use, the one the server would default to first. */
export function sourcesFor(user) {
  const roles = new Set(user?.roles || []);
  const has = (list) => (list || []).some((r) => roles.has(r));
  const list = SOURCE_OPTIONS.filter((o) => has(o.roles));
  const def = SOURCE_OPTIONS.find((o) => has(o.first) && list.includes(o));
  return def ? [def, ...list.filter((o) => o !== def)] : list;
}

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
  // 手动指定网格: the grids of the point's community, and why (定位偏差 …)
  const gridSel = h('select', { id: 'rp-grid' }, h('option', { value: '' }, '按位置自动确定'));
  const gridReason = h('input', { id: 'rp-grid-reason', maxlength: '100', placeholder: '如：定位偏差，实际在马路对面' });
  const gridBox = h('details', { class: 'rp-grid', id: 'rp-grid-box', hidden: true },
    h('summary', {}, '所属网格不对？手动指定'),
    h('div', { class: 'fields-2' }, field('rp-grid', '指定网格', gridSel), field('rp-grid-reason', '原因', gridReason)));
  let gridSeq = 0;
  const onGrid = async (r) => {
    const mine = ++gridSeq;
    if (!r) { gridBox.hidden = true; gridSel.value = ''; return; }
    let fc = null;
    try {
      fc = await getJSON(`/api/v1/units/${encodeURIComponent(r.community.code)}/geojson?level=grid&simplify=50`, { cache: true });
    } catch { fc = null; }
    if (mine !== gridSeq) return;
    const keep = gridSel.value;
    const grids = (fc?.features || []).map((f) => f.properties).filter((p) => p?.code && p.code !== r.grid.code)
      .sort((a, b) => a.code.localeCompare(b.code));
    gridSel.replaceChildren(h('option', { value: '' }, `按位置自动确定（${r.grid.name}）`),
      ...grids.map((p) => h('option', { value: p.code }, p.name)));
    gridSel.value = grids.some((p) => p.code === keep) ? keep : '';
    gridBox.hidden = !grids.length;
  };
  const pl = place = placeField('rp', { onGrid });
  const address = h('input', { id: 'rp-address', maxlength: '160', placeholder: '如：三元里大道 123 号旁' });
  const urgency = h('select', { id: 'rp-urgency' },
    h('option', { value: 'normal' }, '一般'), h('option', { value: 'urgent' }, '紧急'), h('option', { value: 'critical' }, '特急'));
  let ctxRef = null;
  const photos = photoField('rp-photos', { onError: (t) => ctxRef?.error(t) });

  // 来源: a 12345 order carries its number and the caller; a WeChat lead
  // the resident who gave it (both optional but the order's number)
  const sources = sourcesFor(user);
  const source = h('select', { id: 'rp-source' }, sources.map((o) => h('option', { value: o.value }, o.label)));
  const extId = h('input', { id: 'rp-external', maxlength: '60', placeholder: '如 GZ12345-2026112600001', autocomplete: 'off' });
  const who = h('input', { id: 'rp-who', maxlength: '30', placeholder: '选填', autocomplete: 'off' });
  const phone = h('input', { id: 'rp-phone', maxlength: '20', inputmode: 'tel', placeholder: '选填，仅工作人员可见', autocomplete: 'off' });
  const hotlineRow = field('rp-external', '12345 工单编号', extId, { required: true });
  const whoLabel = h('span', {}, '来电人');
  const whoRow = h('div', { class: 'fields-2', id: 'rp-who-row' },
    h('div', { class: 'field' }, h('label', { for: 'rp-who' }, whoLabel), who, h('p', { class: 'field-error', id: 'rp-who-err' })),
    field('rp-phone', '联系电话', phone));
  const syncSource = () => {
    hotlineRow.hidden = source.value !== 'hotline';
    whoRow.hidden = !['hotline', 'wechat'].includes(source.value);
    whoLabel.textContent = source.value === 'hotline' ? '来电人' : '线索提供人';
  };
  source.addEventListener('change', syncSource);
  syncSource();

  const fields = [
    sources.length > 1 ? field('rp-source', '来源', source) : null,
    hotlineRow,
    whoRow,
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
      pl.where,
      gridBox),
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
      if (source.value === 'hotline' && !extId.value.trim()) { setFieldError(extId, '请填写 12345 工单编号'); ok = false; }
      if (gridSel.value && !gridReason.value.trim()) { setFieldError(gridReason, '手动指定网格需要说明原因'); ok = false; }
      if (!ok) {
        ctx.dialog.querySelector('[aria-invalid="true"]')?.focus();
        return null;
      }
      if (photos.busy()) { ctx.error('照片还在上传，请稍候'); return null; }
      const body = { category, description: desc.value.trim(), lon: p[0], lat: p[1], crs: 'wgs84', urgency: urgency.value };
      if (title.value.trim()) body.title = title.value.trim();
      if (address.value.trim()) body.address = address.value.trim();
      if (photos.shas().length) body.photos = photos.shas();
      if (source.value) body.source = source.value;
      if (gridSel.value) { body.grid = gridSel.value; body.grid_reason = gridReason.value.trim(); }
      if (source.value === 'hotline') body.external_id = extId.value.trim();
      if (!whoRow.hidden && who.value.trim()) body.reporter_name = who.value.trim();
      if (!whoRow.hidden && phone.value.trim()) body.reporter_phone = phone.value.trim();
      return sub.send(body);
    },
  });
}
