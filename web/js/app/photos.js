// photos.js - photo thumbnails with a lightbox, and the photo field of the
// forms: choose files -> each is uploaded at once (POST /api/v1/photos) ->
// its SHA-256 goes with the step or report.

import { h } from '../util.js';
import { uploadPhoto } from './http.js';

export const PHOTOS_MAX = 9;
const BYTES_MAX = 10 * 1024 * 1024;

let box = null;

/** Show one photo large (a modal <dialog>: Esc or a click closes it). */
export function openLightbox(url, caption = '') {
  if (!box) {
    const img = h('img', { alt: '' });
    const cap = h('p', { class: 'lb-cap' });
    const close = h('button', { type: 'button', class: 'btn lb-close', 'aria-label': '关闭' }, '关闭 ✕');
    box = h('dialog', { class: 'lightbox', 'aria-label': '查看照片' }, close, img, cap);
    close.addEventListener('click', () => box.close());
    box.addEventListener('click', (ev) => { if (ev.target === box) box.close(); });
    box.img = img;
    box.cap = cap;
    document.body.append(box);
  }
  box.img.src = url;
  box.img.alt = caption || '事件照片';
  box.cap.textContent = caption;
  box.showModal();
}

/** A row of thumbnails (buttons opening the lightbox) for [{url, sha256}] or [sha]. */
export function thumbs(photos, caption = '') {
  const list = (photos || []).map((p) => (typeof p === 'string' ? { sha256: p, url: `/api/v1/photos/${p}` } : p));
  if (!list.length) return null;
  return h('div', { class: 'thumbs' }, list.map((p, i) => h('button', {
    type: 'button', class: 'thumb', title: '点击放大', 'aria-label': `查看照片 ${i + 1}${caption ? `（${caption}）` : ''}`,
    onclick: () => openLightbox(p.url, caption ? `${caption} · 照片 ${i + 1}` : `照片 ${i + 1}`),
  }, h('img', { src: p.url, alt: '', loading: 'lazy', decoding: 'async' }))));
}

/**
 * The photo field: {el, shas(), busy(), reset()}. max: how many this form
 * may still attach. onError(message) shows a failed upload.
 */
export function photoField(id, { max = PHOTOS_MAX, onError } = {}) {
  const items = [];   // {sha, url, el} | {pending: true, el}
  const input = h('input', { id, type: 'file', accept: 'image/jpeg,image/png,image/webp', multiple: true, class: 'file-input' });
  const list = h('div', { class: 'thumbs thumbs-edit', 'aria-live': 'polite' });
  const label = h('label', { for: id, class: 'btn btn-small file-btn' }, '＋ 添加照片');
  const note = h('span', { class: 'muted small' }, `JPEG/PNG/WebP，每张不超过 10 MB，最多 ${max} 张`);
  input.addEventListener('change', async () => {
    const files = [...input.files];
    input.value = '';
    for (const f of files) {
      if (items.length >= max) { onError?.(`最多 ${max} 张照片`); break; }
      if (f.size > BYTES_MAX) { onError?.(`照片“${f.name}”超过 10 MB`); continue; }
      const el = h('span', { class: 'thumb thumb-pending' }, h('span', { class: 'muted small' }, '上传中…'));
      const it = { pending: true, el };
      items.push(it);
      list.append(el);
      try {
        const r = await uploadPhoto(f);
        it.pending = false;
        it.sha = r.sha256;
        const rm = h('button', { type: 'button', class: 'thumb-rm', 'aria-label': `移除照片 ${f.name}`, title: '移除' }, '✕');
        rm.addEventListener('click', () => { items.splice(items.indexOf(it), 1); el.remove(); });
        el.className = 'thumb';
        el.replaceChildren(h('img', { src: r.url, alt: f.name }), rm);
      } catch (e) {
        items.splice(items.indexOf(it), 1);
        el.remove();
        onError?.(`照片“${f.name}”上传失败：${e.message}`);
      }
    }
  });
  const el = h('div', { class: 'photo-field' }, h('div', { class: 'row' }, input, label, note), list);
  return {
    el, input,
    shas: () => items.filter((i) => !i.pending).map((i) => i.sha),
    busy: () => items.some((i) => i.pending),
    reset: () => { items.length = 0; list.replaceChildren(); },
  };
}
