// fmt.js - labels and time formatting of the workbench (China time, Chinese).

/** Sources of events (src/domain/event_flow.c). */
export const SOURCES = {
  patrol: '巡查上报', resident: '群众随手报', wechat: '网格群线索', hotline: '12345热线', assigned: '领导交办',
};
export const URGENCY = { normal: '一般', urgent: '紧急', critical: '特急' };
export const WARNINGS = { none: '无预警', yellow: '黄色预警', red: '红色预警', any: '有预警（黄或红）' };
export const SUPERVISION = { 1: '普通督办', 2: '黄牌督办', 3: '红牌督办' };
export const RATINGS = { 1: '满意', 2: '基本满意', 3: '不满意' };

const TZ = 'Asia/Shanghai';
const dtf = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});
const dayf = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });

/** "2026/11/26 16:54" in China time, "—" when missing. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dtf.format(d);
}

/** YYYY-MM-DD of a date in China time. */
export const dayOf = (d = new Date()) => dayf.format(d);

/** A duration in minutes as 3天2小时 / 5小时20分 / 12分钟. */
export function fmtSpan(ms) {
  const m = Math.max(0, Math.round(ms / 60000));
  if (m < 60) return `${m}分钟`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs}小时${m % 60 ? `${m % 60}分` : ''}`;
  const days = Math.floor(hrs / 24);
  return `${days}天${hrs % 24 ? `${hrs % 24}小时` : ''}`;
}

/** "3小时前" for a past time. */
export function fmtAge(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '';
  if (ms < 60000) return '刚刚';
  return `${fmtSpan(ms)}前`;
}

/**
 * The phase deadline as text and state: {text, state: 'ok'|'yellow'|'red'|'none'}.
 * warning is the server's (yellow from 80 % of the limit, red from 100 %);
 * a deadline passed since the last answer is red too.
 */
export function deadlineState(deadlineIso, warning = 'none', now = Date.now()) {
  if (!deadlineIso) return { text: '', state: 'none' };
  const left = new Date(deadlineIso).getTime() - now;
  if (!Number.isFinite(left)) return { text: '', state: 'none' };
  if (left <= 0) return { text: `已超时 ${fmtSpan(-left)}`, state: 'red' };
  return { text: `剩余 ${fmtSpan(left)}`, state: warning === 'red' ? 'red' : warning === 'yellow' ? 'yellow' : 'ok' };
}

/** Is a status still open (not 不予受理/已结案/已合并)? */
export const isOpen = (status) => !['rejected', 'closed', 'merged'].includes(status);
