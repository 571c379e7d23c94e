// hotline.js - 导入12345工单: a CSV of 12345 hotline work orders sent to
// POST /api/v1/events/import (command centres and admins; docs/api.md).
// The server checks the whole file first: one bad row and nothing is
// imported, and the reply lists every bad line, which the dialog shows as a
// table; orders imported before are skipped, so a file may be sent again.
// A template with the columns (and one example row) is offered for download.

import { h } from '../util.js';
import { openForm } from './dialog.js';
import { send } from './http.js';

const BYTES_MAX = 8 * 1024 * 1024;
const COLUMNS = ['工单编号', '事件类别', '诉求内容', '经度', '纬度', '坐标系', '标题', '地址', '紧急程度', '来电人', '联系电话'];
const EXAMPLE = ['GZ12345-2026112700001', '市容环境', '小区门口垃圾堆积三天无人清理', '113.2695', '23.1608', 'gcj02',
  '垃圾堆积', '三元里大道 1 号', '一般', '陈先生', '13800000000'];

/** The template's download link (UTF-8 with a BOM, so that Excel reads the Chinese). */
function templateLink() {
  const csv = `\ufeff${COLUMNS.join(',')}\r\n${EXAMPLE.join(',')}\r\n`;
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  return h('a', { href: url, download: '12345工单导入模板.csv', id: 'hl-template' }, '下载模板');
}

/** Open the dialog; resolves to the server's answer ({created, events, skipped}) or null. */
export function openHotlineImport() {
  const input = h('input', { id: 'hl-file', type: 'file', accept: '.csv,text/csv', required: true });
  const errors = h('div', { id: 'hl-errors', 'aria-live': 'polite' });
  const template = templateLink();
  return openForm({
    id: 'hotline-import',
    title: '导入12345工单',
    wide: true,
    submit: '导入',
    intro: '每张工单成为一件“12345热线”事件，按坐标落到网格，直接上报到所在镇街待立案。整份文件先全部检查：有任何一行出错，则一张也不导入；已导入过的工单会跳过，可以重复提交同一文件。',
    fields: [
      h('div', { class: 'field' },
        h('label', { for: 'hl-file' }, 'CSV 文件（UTF-8）', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
        input,
        h('p', { class: 'hint' }, `必填列：工单编号、事件类别（编码或小类名称）、诉求内容、经度、纬度；选填：坐标系（wgs84/gcj02/bd09）、标题、地址、紧急程度、来电人、联系电话。最多 10,000 行、8 MB。`, ' ',
          template)),
      errors,
    ],
    onClose: () => URL.revokeObjectURL(template.href),
    onSubmit: async (ctx) => {
      errors.replaceChildren();
      const file = input.files?.[0];
      if (!file) { ctx.error('请选择 CSV 文件'); return null; }
      if (file.size > BYTES_MAX) { ctx.error('文件超过 8 MB，请分成几份导入'); return null; }
      try {
        return await send('POST', '/api/v1/events/import', file);
      } catch (e) {
        if (e.errors?.length) {
          errors.replaceChildren(...[h('table', { class: 'hl-errors' },
            h('thead', {}, h('tr', {}, h('th', {}, '行'), h('th', {}, '列'), h('th', {}, '问题'))),
            h('tbody', {}, e.errors.slice(0, 50).map((x) => h('tr', {},
              h('td', {}, String(x.line)), h('td', {}, x.field || ''), h('td', {}, x.message))))),
          e.errors.length > 50 ? h('p', { class: 'muted small' }, `另有 ${e.errors.length - 50} 处错误未列出`) : null].filter(Boolean));
        }
        throw e;
      }
    },
  });
}

/** "导入 2 张，跳过 1 张（已导入过）" for the toast. */
export function importSummary(r) {
  const created = r.created ?? (r.events || []).length;
  const skipped = (r.skipped || []).length;
  return `已导入 ${created} 张12345工单${skipped ? `，跳过 ${skipped} 张（之前已导入）` : ''}`;
}
