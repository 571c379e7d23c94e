// bench/http-read-points.mjs - request paths for bench/http-read, from a
// running wangge serving the demo district:
//   node bench/http-read-points.mjs URL OUT_DIR
// writes OUT_DIR/locate.paths (every grid centre plus random points inside
// the district, all of them inside some grid, shuffled), OUT_DIR/locate.json
// (a typical locate reply) and OUT_DIR/unit.json (the reply of the unit-detail
// path the benchmark uses), and prints that unit's path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, out] = process.argv.slice(2);
if (!base || !out) {
  console.error('usage: node bench/http-read-points.mjs URL OUT_DIR');
  process.exit(2);
}

async function json(path, init) {
  const r = await fetch(base + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const district = await json('/api/v1/units/440111');
const grids = await json('/api/v1/units/440111/geojson?level=grid');
const points = grids.features.map((f) => f.properties.center);         // [lon, lat]
// random points in the bounding box that fall in a grid
const [w, s, e, n] = district.bbox;
for (let round = 0; round < 4; round++) {
  const cand = Array.from({ length: 10000 }, () => [w + rnd() * (e - w), s + rnd() * (n - s)]);
  const r = await json('/api/v1/locate/batch', { method: 'POST', body: JSON.stringify({ points: cand }) });
  r.results.forEach((x, i) => { if (x) points.push(cand[i].map((v) => Math.round(v * 1e6) / 1e6)); });
}
for (let i = points.length - 1; i > 0; i--) {                          // shuffle
  const j = Math.floor(rnd() * (i + 1));
  [points[i], points[j]] = [points[j], points[i]];
}
writeFileSync(join(out, 'locate.paths'), points.map(([lon, lat]) => `/api/v1/locate?lat=${lat}&lon=${lon}\n`).join(''));

// a typical locate reply: the median size
const sizes = [];
for (const [lon, lat] of points.slice(0, 201)) {
  const r = await fetch(`${base}/api/v1/locate?lat=${lat}&lon=${lon}`);
  sizes.push(Buffer.from(await r.arrayBuffer()));
}
sizes.sort((a, b) => a.length - b.length);
writeFileSync(join(out, 'locate.json'), sizes[100]);

// a community's detail
const towns = await json('/api/v1/units/440111/children');
const comms = await json(`/api/v1/units/${towns.children[0].code}/children`);
const unitPath = `/api/v1/units/${comms.children[0].code}`;
const r = await fetch(base + unitPath);
writeFileSync(join(out, 'unit.json'), Buffer.from(await r.arrayBuffer()));
writeFileSync(join(out, 'unit.paths'), unitPath + '\n');
console.log(`${points.length} points; locate reply ~${sizes[100].length} bytes; ${unitPath}: ${r.headers.get('content-length')} bytes`);
