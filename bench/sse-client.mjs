// bench/sse-client.mjs - the clients of bench/sse: N concurrent
// GET /api/v1/stream connections (node:http, one socket each), logged in
// as one demo user. For every `event` frame it takes the receipt time and
// subtracts the commit time that bench_sse wrote into the row's note, then
// prints the delay distribution over all (client, row) pairs and, per row,
// how long until the LAST client had it.
//
//   node bench/sse-client.mjs --url http://127.0.0.1:P --clients N --rows R [--user admin]
//   (SSE_ROWS=1 also prints each row's last-client delay, in order)
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const url = new URL(args.url);
const N = Number(args.clients || 1000);
const R = Number(args.rows || 50);
const user = args.user || 'admin';
const timeoutMs = Number(args.timeout || 120000);
const now = () => performance.timeOrigin + performance.now();

function login() {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: user, password: 'Wangge@2026', kind: 'app' });
    const req = http.request(new URL('/api/v1/auth/login', url), {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let t = '';
      res.on('data', (d) => { t += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(t).token) : reject(new Error(`log-in: ${res.statusCode} ${t}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const delays = [];                          // every (client, row) delay, ms
const perRow = new Map();                   // row id -> [delays]
let done = 0;

function open(token, i) {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL('/api/v1/stream', url), {
      agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`stream ${i}: ${res.statusCode}`)); return; }
      res.setEncoding('utf8');
      let buf = '';
      let got = 0;
      res.on('data', (chunk) => {
        const t = now();
        buf += chunk;
        let k;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, k);
          buf = buf.slice(k + 2);
          if (!frame.includes('\nevent: event\n')) continue;
          const data = JSON.parse(frame.slice(frame.indexOf('\ndata: ') + 7));
          const d = t - Number(data.note);
          delays.push(d);
          if (!perRow.has(data.id)) perRow.set(data.id, []);
          perRow.get(data.id).push(d);
          if (++got === R) done++;   // no hang-up now: closing sockets would delay the others
        }
      });
      res.on('error', () => {});
      resolve();
    });
    req.on('error', reject);
  });
}

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];

const token = await login();
const t0 = now();
for (let i = 0; i < N; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => open(token, i + k)));
}
console.error(`sse-client: ${N} streams open in ${Math.round(now() - t0)} ms`);
const end = Date.now() + timeoutMs;
while (done < N && Date.now() < end) await new Promise((r) => setTimeout(r, 50));

delays.sort((a, b) => a - b);
const lastPerRow = [...perRow.values()].map((a) => Math.max(...a)).sort((a, b) => a - b);
const complete = [...perRow.values()].filter((a) => a.length === N).length;
const within = [...perRow.values()].filter((a) => a.length === N && Math.max(...a) <= 200).length;
const f = (x) => (x === undefined ? '-' : x.toFixed(1));
console.log(`clients ${N}, rows ${R}: ${delays.length} of ${N * R} frames received; ` +
            `${complete} rows reached every client, ${within} within 200 ms`);
console.log(`delay commit -> receipt, all frames (ms): p50 ${f(pct(delays, 50))}  p90 ${f(pct(delays, 90))}  ` +
            `p99 ${f(pct(delays, 99))}  max ${f(delays[delays.length - 1])}`);
console.log(`per row, until the last client had it (ms): p50 ${f(pct(lastPerRow, 50))}  p99 ${f(pct(lastPerRow, 99))}  ` +
            `max ${f(lastPerRow[lastPerRow.length - 1])}`);
if (process.env.SSE_ROWS) console.log([...perRow.entries()].map(([id, a]) => `${id}:${Math.round(Math.max(...a))}`).join(" "));
process.exit(delays.length === N * R ? 0 : 1);
