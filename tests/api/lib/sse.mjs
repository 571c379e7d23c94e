// sse.mjs - a Server-Sent Events client for the API tests (live stream,
// wall displays): parses frames as they arrive.
import assert from 'node:assert/strict';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Open a stream: resolves once the headers are in. frames collects the
 * parsed frames ({ id, event, data, comment }); waitFor(pred) waits for a
 * frame; close() aborts.
 */
export async function openStream(base, path, headers = {}) {
  const ac = new AbortController();
  const res = await fetch(base + path, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const s = {
    status: res.status, headers: res.headers, frames: [], ended: false, json: undefined,
    close() { ac.abort(); },
    events() { return s.frames.filter((f) => f.event === 'event').map((f) => JSON.parse(f.data)); },
    async waitFor(pred, ms = 8000, what = 'a frame') {
      const end = Date.now() + ms;
      for (;;) {
        const f = s.frames.find(pred);
        if (f) return f;
        if (s.ended) assert.fail(`stream ended while waiting for ${what}`);
        if (Date.now() > end) assert.fail(`timed out waiting for ${what}; frames: ${JSON.stringify(s.frames).slice(0, 800)}`);
        await sleep(20);
      }
    },
  };
  if (res.status !== 200) {
    s.json = await res.json().catch(() => undefined);
    return s;
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  s.done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { f.comment = line.slice(1).trim(); continue; }
            const c = line.indexOf(':');
            const k = c < 0 ? line : line.slice(0, c);
            const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            f[k] = k in f ? `${f[k]}\n${v}` : v;
          }
          f.raw = block;
          s.frames.push(f);
        }
      }
    } catch { /* aborted */ }
    s.ended = true;
  })();
  return s;
}
