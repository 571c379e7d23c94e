// bench/intake-points.mjs - reporters and points for bench/intake.
//   node bench/intake-points.mjs URL OUT_FILE [ACCOUNTS]
// A district's reports come from its grid workers, each in their own
// community (a grid worker may report into the grids of their community,
// docs/events.md "Intake: who may report where"). So the benchmark reports
// as ACCOUNTS (64) grid workers spread over as many communities: it creates
// the accounts through the API as the demo admin (or reuses them), logs each
// in, and finds points inside each one's community with /api/v1/locate/batch.
// Writes OUT_FILE: "token lon lat" a line, the accounts taking turns.
import { writeFileSync } from 'node:fs';

const [base, out, nArg] = process.argv.slice(2);
if (!base || !out) {
  console.error('usage: node bench/intake-points.mjs URL OUT_FILE [ACCOUNTS]');
  process.exit(2);
}
const ACCOUNTS = Number(nArg || 64);
const PER_ACCOUNT = 200;
const PASSWORD = 'Bench-Intake-2026';

async function call(path, { token, method = 'GET', body } = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body && JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}
async function json(path, init) {
  const r = await call(path, init);
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}
async function login(username, password) {
  return (await json('/api/v1/auth/login', { method: 'POST', body: { username, password, kind: 'app' } })).token;
}

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

// communities spread over the district, a grid of each for the grant
const grids = (await json('/api/v1/units/440111/geojson?level=grid')).features.map((f) => f.properties);
const byCommunity = new Map();
for (const g of grids) {
  const c = g.code.slice(0, 12);
  if (!byCommunity.has(c)) byCommunity.set(c, { grid: g.code, points: [] });
  byCommunity.get(c).points.push(g.center);
}
const all = [...byCommunity.keys()].sort();
const step = Math.max(1, Math.floor(all.length / ACCOUNTS));
const chosen = all.filter((_, i) => i % step === 0).slice(0, ACCOUNTS);

// points in those communities
const district = await json('/api/v1/units/440111');
const [w, s, e, n] = district.bbox;
for (let round = 0; round < 40 && chosen.some((c) => byCommunity.get(c).points.length < PER_ACCOUNT); round++) {
  const cand = Array.from({ length: 10000 }, () => [w + rnd() * (e - w), s + rnd() * (n - s)]);
  const r = await json('/api/v1/locate/batch', { method: 'POST', body: { points: cand } });
  r.results.forEach((x, i) => {
    const b = x && byCommunity.get(x.community);
    if (b && b.points.length < PER_ACCOUNT) b.points.push(cand[i].map((v) => Math.round(v * 1e6) / 1e6));
  });
}

// the accounts
const admin = await login('admin', 'Wangge@2026');
const reporters = [];
for (const [i, c] of chosen.entries()) {
  const username = `bench-gw-${String(i).padStart(3, '0')}`;
  const r = await call('/api/v1/users', {
    token: admin, method: 'POST',
    body: { username, display_name: `压测网格员${i}`, password: PASSWORD, must_change_password: false,
            grants: [{ role: 'grid_worker', scope: byCommunity.get(c).grid, title: '压测' }] },
  });
  if (r.status !== 201 && r.json?.error?.code !== 'user.exists') throw new Error(`${username}: ${r.status} ${JSON.stringify(r.json)}`);
  reporters.push({ token: await login(username, PASSWORD), points: byCommunity.get(c).points });
}

const lines = [];
for (let k = 0; k < PER_ACCOUNT; k++) {
  for (const r of reporters) {
    const p = r.points[k % r.points.length];
    lines.push(`${r.token} ${p[0]} ${p[1]}\n`);
  }
}
writeFileSync(out, lines.join(''));
console.log(`${reporters.length} grid workers in as many communities, ${lines.length} report points`);
