// live.js - live updates: Server-Sent Events from GET /api/v1/stream when
// the server has it (each frame `event: event`, data {event_id, action,
// status, …}), else a poll every 30 s. Built to stay open for hours: one
// EventSource at a time, one timer, nothing kept per frame.
//
//   const live = new Live({ frame(data), poll() }); live.start();

const POLL_MS = 30000;
const RETRY_STREAM_MS = 5 * 60 * 1000;   // look for the stream again (it may be deployed later)

export class Live {
  constructor(on) {
    this.on = on;
    this.es = null;
    this.timer = null;
    this.nextProbe = 0;
    this.state = 'off';      // 'stream' | 'poll' | 'off'
    this.onVisible = () => { if (document.visibilityState === 'visible') this.tick(); };
  }

  start() {
    document.addEventListener('visibilitychange', this.onVisible);
    this.timer = setInterval(() => this.tick(), POLL_MS);
    this.connect();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onVisible);
    this.closeStream();
    this.setState('off');
  }

  setState(s) {
    this.state = s;
    this.on.state?.(s);
  }

  closeStream() {
    if (!this.es) return;
    this.es.onopen = this.es.onerror = null;
    this.es.removeEventListener('event', this.onFrame);
    this.es.close();
    this.es = null;
  }

  /** Does the server stream? A short probe first, so a missing endpoint costs one 404, not a reconnect loop. */
  async connect() {
    this.nextProbe = Date.now() + RETRY_STREAM_MS;
    if (typeof EventSource !== 'function') return this.setState('poll');
    const ctl = new AbortController();
    let ok = false;
    try {
      const r = await fetch('/api/v1/stream', { headers: { Accept: 'text/event-stream' }, signal: ctl.signal, credentials: 'same-origin' });
      ok = r.ok && /text\/event-stream/.test(r.headers.get('Content-Type') || '');
      if (ok) ctl.abort();              // a stream: EventSource takes over
      else await r.text();              // an error reply: read it to its end
    } catch {
      ok = false;
    }
    if (!ok) return this.setState('poll');
    this.closeStream();
    const es = new EventSource('/api/v1/stream');
    this.onFrame = (m) => {
      let data = null;
      try { data = JSON.parse(m.data); } catch { data = null; }
      if (data) this.on.frame(data);
    };
    es.addEventListener('event', this.onFrame);
    es.onopen = () => this.setState('stream');
    es.onerror = () => {
      // CLOSED: the server refused (log-out, no such endpoint any more): poll.
      // CONNECTING: the browser reconnects by itself; poll meanwhile.
      if (es.readyState === EventSource.CLOSED) this.closeStream();
      this.setState('poll');
    };
    this.es = es;
  }

  tick() {
    if (document.visibilityState === 'hidden') return;
    if (this.state !== 'stream') {
      this.on.poll();
      if (!this.es && Date.now() >= this.nextProbe) this.connect();
    }
  }
}
