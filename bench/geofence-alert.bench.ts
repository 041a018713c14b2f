// Positions per second through the geofence core: 100 dogs wandering a 200 x 200 m farm with 50 zones
// (concave polygons and circles, of every kind, some with dwell), with noise.
import { Random } from '../nodes/kernel/random';
import { DEFAULT_OPTIONS } from '../nodes/geofence-alert/fence-options';
import { FenceOutput, Geofence } from '../nodes/geofence-alert/geofence';
import type { FencePosition } from '../nodes/geofence-alert/position-input';
import { SiteView } from '../nodes/kernel/site-view';
import { qualityTable } from './geofence-quality';

const DOGS = 100;
const ZONES = 50;
const POSITIONS = 1_000_000;
const TARGET_PER_S = 100_000;
const PI_ZERO_SLOWDOWN = 15;
const T0 = 1763800000000;

function farm(random: Random): SiteView {
  const kinds = ['safe', 'forbidden', 'info'];
  const zones = Array.from({ length: ZONES }, (_, i) => {
    const cx = random.uniform(20, 180);
    const cy = random.uniform(20, 180);
    const size = random.uniform(5, 25);
    const base = { id: `zone-${i}`, kind: kinds[i % 3], ...(i % 5 === 0 ? { dwellS: 120 } : {}) };
    if (i % 4 === 0) return { ...base, circle: { x: cx, y: cy, r: size / 2 } };
    // An L (concave) or an irregular 8-gon.
    if (i % 2 === 0)
      return {
        ...base,
        polygon: [
          [cx, cy],
          [cx + size, cy],
          [cx + size, cy + size / 3],
          [cx + size / 3, cy + size / 3],
          [cx + size / 3, cy + size],
          [cx, cy + size],
        ],
      };
    return {
      ...base,
      polygon: Array.from({ length: 8 }, (_, k) => {
        const a = (k / 8) * 2 * Math.PI;
        const r = (size / 2) * random.uniform(0.6, 1);
        return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
      }),
    };
  });
  return SiteView.fromJson(
    JSON.stringify({
      name: 'Farm',
      scanners: [
        { id: 's1', x: 0, y: 0 },
        { id: 's2', x: 200, y: 0 },
        { id: 's3', x: 0, y: 200 },
      ],
      dogs: Array.from({ length: DOGS }, (_, i) => ({
        id: `dog-${i}`,
        beacon: `ac:23:3f:a3:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      })),
      zones,
    }),
  );
}

/** Every dog walks a random course at up to 2 m/s; one position per dog per second, round robin. */
function positions(random: Random): FencePosition[] {
  const x = Array.from({ length: DOGS }, () => random.uniform(0, 200));
  const y = Array.from({ length: DOGS }, () => random.uniform(0, 200));
  const heading = Array.from({ length: DOGS }, () => random.uniform(0, 2 * Math.PI));
  const out: FencePosition[] = [];
  for (let n = 0; n < POSITIONS; n++) {
    const i = n % DOGS;
    const second = Math.floor(n / DOGS);
    heading[i] += random.normal() * 0.3;
    x[i] = Math.min(200, Math.max(0, x[i] + Math.cos(heading[i]) * 1.2));
    y[i] = Math.min(200, Math.max(0, y[i] + Math.sin(heading[i]) * 1.2));
    const accuracy = random.uniform(0.8, 3);
    out.push({
      dog: `dog-${i}`,
      ts: T0 + second * 1000 + i,
      x: x[i] + random.normal() * accuracy,
      y: y[i] + random.normal() * accuracy,
      accuracy,
    });
  }
  return out;
}

export function run(): void {
  const random = new Random(42);
  const site = farm(random);
  const input = positions(random);
  const fence = new Geofence({ ...DEFAULT_OPTIONS });
  fence.setSite(site, new FenceOutput());

  // Warm up the JIT on the first tenth, then time the rest.
  const warm = Math.floor(POSITIONS / 10);
  const out = new FenceOutput();
  for (let i = 0; i < warm; i++) fence.observe(input[i], out);
  let alerts = 0;
  const start = process.hrtime.bigint();
  for (let i = warm; i < POSITIONS; i++) {
    const batch = new FenceOutput();
    fence.observe(input[i], batch);
    alerts += batch.alerts.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = (POSITIONS - warm) / seconds;
  const snapshotStart = process.hrtime.bigint();
  const snapshotBytes = JSON.stringify(fence.snapshot()).length;
  const snapshotMs = Number(process.hrtime.bigint() - snapshotStart) / 1e6;

  console.log(`geofence core: ${DOGS} dogs, ${ZONES} zones (circles, concave and 8-sided polygons)`);
  console.log(
    `  ${(POSITIONS - warm).toLocaleString('en')} positions in ${seconds.toFixed(2)} s: ` +
      `${Math.round(perSecond).toLocaleString('en')} positions/s (target ${TARGET_PER_S.toLocaleString('en')}/s: ` +
      `${perSecond >= TARGET_PER_S ? 'met' : 'NOT met'}); ${alerts} alerts`,
  );
  console.log(
    `  Pi Zero W projection (/${PI_ZERO_SLOWDOWN}): ${Math.round(perSecond / PI_ZERO_SLOWDOWN).toLocaleString('en')} positions/s` +
      ` = ${(perSecond / PI_ZERO_SLOWDOWN / DOGS).toFixed(0)} positions per dog per second`,
  );
  console.log(
    `  saved state: ${(snapshotBytes / 1024).toFixed(0)} KiB of JSON, snapshot + stringify ${snapshotMs.toFixed(1)} ms`,
  );
  summaryBench();
  console.log(
    'geofence alert quality (seeded simulated tracker output, 1 position/s, pool r 3 m, yard fence):',
  );
  for (const line of qualityTable()) console.log(line);
}

/** The status summary after every position, 500 dogs (the most a site lists) x 10 zones: counted afresh (before) vs incrementally. */
export function summaryBench(): void {
  const dogs = 500; // the most a site lists
  const random = new Random(7);
  const zones = Array.from({ length: 10 }, (_, i) => ({
    id: `z${i}`,
    kind: i % 2 === 0 ? 'safe' : 'forbidden',
    circle: { x: 20 + (i % 5) * 40, y: 50 + Math.floor(i / 5) * 100, r: 15 },
  }));
  const site = SiteView.fromJson(
    JSON.stringify({
      name: 'Big',
      scanners: [
        { id: 's1', x: 0, y: 0 },
        { id: 's2', x: 200, y: 0 },
        { id: 's3', x: 0, y: 200 },
      ],
      dogs: Array.from({ length: dogs }, (_, i) => ({
        id: `d${i}`,
        beacon: `ac:23:3f:a3:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      })),
      zones,
    }),
  );
  const time = (full: boolean): number => {
    const fence = new Geofence({ ...DEFAULT_OPTIONS });
    fence.setSite(site, new FenceOutput());
    const rounds = 20;
    let sink = 0;
    let summaryNs = 0;
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < dogs; i++) {
        fence.observe(
          {
            dog: `d${i}`,
            ts: T0 + r * 1000 + i,
            x: random.uniform(0, 200),
            y: random.uniform(0, 200),
            accuracy: 1.5,
          },
          new FenceOutput(),
        );
        const start = process.hrtime.bigint();
        const s = full ? fence.fullSummary() : fence.summary();
        summaryNs += Number(process.hrtime.bigint() - start);
        sink += s.outOfBounds;
      }
    if (sink < 0) console.log(sink);
    return summaryNs / 1000 / (rounds * dogs);
  };
  const before = time(true);
  const after = time(false);
  console.log(`status summary after each position, ${dogs} dogs x 10 zones:`);
  console.log(
    `  counted afresh ${before.toFixed(2)} us/call, incremental ${after.toFixed(2)} us/call: ` +
      `${(before / after).toFixed(0)}x less work`,
  );
}
