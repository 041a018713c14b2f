// Accuracy of rssi-filter -> trilaterate on a miscalibrated radio: each collar's power off by up to ±6 dB,
// each scanner's receive offset by up to ±4 dB and its path-loss exponent by up to ±0.5, and the site told
// nothing of it. Per layout: the site told the truth; told nothing; told nothing but with scanner-to-scanner
// calibration (each scanner's own beacon heard by the others); and simple baselines on the same readings
// (1/d² weighted centroid over 2 s and 1 s, the strongest scanner). `npm run bench -- trilaterate-calibration`;
// BENCH_SECONDS, BENCH_SEEDS and BENCH_LOCATOR (JSON locator options) as for the trilaterate bench.
import type { RssiReading } from '../nodes/kernel/contract';
import { rangeFromRssi } from '../nodes/kernel/path-loss';
import { Random } from '../nodes/kernel/random';
import { DEFAULT_NOISE, SiteSimulator, type DogTruth, type NoiseModel } from '../nodes/kernel/simulation';
import { validateSite, type Site } from '../nodes/kernel/site-document';
import { SiteView } from '../nodes/kernel/site-view';
import { RssiSmoother } from '../nodes/rssi-filter/rssi-smoother';
import { Locator, type LocatorOptions } from '../nodes/trilaterate/locator';
import { LAYOUTS as SHARED, START_TS, summarize, type ErrorSummary } from './trilaterate-cases';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1200);
const SEEDS = (process.env.BENCH_SEEDS ?? '1,2').split(',').map(Number);
const COLLAR_POWER_SPREAD_DB = 6;
const SCANNER_OFFSET_SPREAD_DB = 4;
const EXPONENT_SPREAD = 0.5;
/** The scanners' own beacons: a Pi's advertising power is not known either (±3 dB). */
const SCANNER_BEACON_RSSI_AT_1M = -59;
const SCANNER_TX_SPREAD_DB = 3;
const SCANNER_BEACON_INTERVAL_MS = 1000;

interface Layout {
  name: string;
  scanners: Array<[string, number, number, number]>;
  /** The exponent the site states (told nothing) and around which each scanner's true one lies. */
  exponent: number;
  noise: NoiseModel;
  /** Rectangles the dogs roam, one simulator per rectangle (an L is two); default the scanners' box. */
  areas?: Array<{ minX: number; minY: number; maxX: number; maxY: number; dogs: string[] }>;
}

/** The trilaterate bench's radio, with no gain or exponent error of its own (this bench draws them). */
const OUTDOOR: NoiseModel = { ...DEFAULT_NOISE, scannerOffsetSigmaDb: 0, exponentError: 0 };
/** Indoors: stronger shadowing that changes over 3 m, frequent reflections, heavy loss through walls. */
const INDOOR: NoiseModel = {
  ...OUTDOOR,
  shadowingSigmaDb: 5,
  shadowingCorrelationM: 3,
  bodyShadowingDb: 6,
  outlierRate: 0.05,
  outlierRangeDb: [5, 20],
  packetLoss: 0.4,
};

const LAYOUTS: Layout[] = [
  { ...SHARED.yard, exponent: 2.2, noise: OUTDOOR },
  { ...SHARED.house, exponent: 2.8, noise: INDOOR },
  { ...SHARED.sparse, exponent: 2.2, noise: OUTDOOR },
  {
    // One dog in each arm of the L.
    ...SHARED.l,
    exponent: 2.2,
    noise: OUTDOOR,
    areas: [
      { minX: 0, minY: 0, maxX: 30, maxY: 15, dogs: ['rex'] },
      { minX: 0, minY: 0, maxX: 15, maxY: 30, dogs: ['bella'] },
    ],
  },
];

interface Calibration {
  collarDb: Record<string, number>;
  scannerDb: Record<string, number>;
  exponent: Record<string, number>;
  txDb: Record<string, number>;
}

function drawCalibration(layout: Layout, seed: number): Calibration {
  const rng = new Random(seed * 7919 + 17);
  const spread = (s: number): number => rng.uniform(-s, s);
  const c: Calibration = { collarDb: {}, scannerDb: {}, exponent: {}, txDb: {} };
  for (const dog of ['rex', 'bella']) c.collarDb[dog] = spread(COLLAR_POWER_SPREAD_DB);
  for (const [id] of layout.scanners) {
    c.scannerDb[id] = spread(SCANNER_OFFSET_SPREAD_DB);
    c.exponent[id] = layout.exponent + spread(EXPONENT_SPREAD);
    c.txDb[id] = spread(SCANNER_TX_SPREAD_DB);
  }
  return c;
}

/** The site as the owner wrote it (`truth` undefined: defaults only), or as the radio really is. */
function siteOf(layout: Layout, truth: Calibration | undefined): Site {
  const result = validateSite({
    name: layout.name,
    defaults: { rssiAt1m: -59, pathLossExponent: layout.exponent, tagHeight: 0.5 },
    scanners: layout.scanners.map(([id, x, y, z]) => ({
      id,
      x,
      y,
      z,
      ...(truth ? { rssiOffset: truth.scannerDb[id], pathLossExponent: truth.exponent[id] } : {}),
    })),
    dogs: [
      { id: 'rex', beacon: 'ac:23:3f:a3:80:4b', ...(truth ? { rssiAt1m: -59 + truth.collarDb.rex } : {}) },
      {
        id: 'bella',
        beacon: 'ac:23:3f:a3:80:4c',
        ...(truth ? { rssiAt1m: -59 + truth.collarDb.bella } : {}),
      },
    ],
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.site;
}

interface Run {
  readings: RssiReading[];
  /** The same readings with the scanners' own beacons among them. */
  withBeacons: RssiReading[];
  truth: Map<number, Map<string, DogTruth>>;
}

function simulateLayout(layout: Layout, truthSite: Site, cal: Calibration, seed: number): Run {
  const areas = layout.areas ?? [{ ...boxOf(truthSite), dogs: ['rex', 'bella'] }];
  const sims = areas.map(
    (a, i) =>
      new SiteSimulator(truthSite, {
        startTs: START_TS,
        seed: seed * 31 + i,
        noise: layout.noise,
        bounds: a,
        dogs: a.dogs,
      }),
  );
  const plainSeq = new Map<string, number>();
  const beaconSeq = new Map<string, number>();
  const toReading = (
    seq: Map<string, number>,
    a: { scanner: string; ts: number; mac: string; id: string; rssi: number },
  ): RssiReading => {
    const n = (seq.get(a.scanner) ?? 0) + 1;
    seq.set(a.scanner, n);
    return { v: 1, type: 'rssi', scanner: a.scanner, seq: n, ts: a.ts, mac: a.mac, id: a.id, rssi: a.rssi };
  };
  const readings: RssiReading[] = [];
  const withBeacons: RssiReading[] = [];
  const truth = new Map<number, Map<string, DogTruth>>();
  const beacons = { rssiAt1m: SCANNER_BEACON_RSSI_AT_1M, txErrorDb: cal.txDb };
  let nextBeaconTs = START_TS + 137;
  for (let s = 1; s <= SECONDS; s++) {
    const ts = START_TS + s * 1000;
    const adverts = sims.flatMap((sim) => sim.advance(ts)).sort((a, b) => a.ts - b.ts);
    const links = [];
    while (nextBeaconTs <= ts) {
      links.push(...sims[0].scannerBeaconAdverts(nextBeaconTs, beacons));
      nextBeaconTs += SCANNER_BEACON_INTERVAL_MS;
    }
    for (const a of adverts) readings.push(toReading(plainSeq, a));
    const merged = [...adverts, ...links].sort((a, b) => a.ts - b.ts);
    for (const a of merged) withBeacons.push(toReading(beaconSeq, a));
    truth.set(ts, new Map(sims.flatMap((sim) => sim.truth()).map((t) => [t.dog, t])));
  }
  return { readings, withBeacons, truth };
}

function boxOf(site: Site): { minX: number; minY: number; maxX: number; maxY: number } {
  const xs = site.scanners.map((s) => s.x);
  const ys = site.scanners.map((s) => s.y);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

function locatorOverrides(): Partial<LocatorOptions> {
  // The simulated dogs stay in the scanners' box, as in the trilaterate bench: the locator is told so.
  const o: Partial<LocatorOptions> = { regionMarginM: 0 };
  if (process.env.BENCH_LOCATOR) Object.assign(o, JSON.parse(process.env.BENCH_LOCATOR) as object);
  return o;
}

/** Position errors of the pipeline on one stream with one site. */
function pipelineErrors(
  site: Site,
  readings: RssiReading[],
  run: Run,
  extra: Partial<LocatorOptions>,
): number[] {
  const smoother = new RssiSmoother();
  const locator = new Locator(new SiteView(site), { ...locatorOverrides(), ...extra });
  const errors: number[] = [];
  for (const reading of readings) {
    const result = smoother.accept(reading);
    if (!result.reading) continue;
    for (const p of locator.add(result.reading)) {
      const t = run.truth.get(p.ts)?.get(p.dog);
      if (t) errors.push(Math.hypot(p.x - t.x, p.y - t.y));
    }
  }
  return errors;
}

/**
 * Simple baselines the owner of a small site might use instead, from the raw readings with the site's
 * (uncalibrated) model: the centroid of the scanners weighted by 1/d² of each scanner's mean RSSI over the
 * last `windowS` seconds, and the strongest scanner's position.
 */
function baselineErrors(site: Site, run: Run, windowS: number, kind: 'centroid' | 'strongest'): number[] {
  const view = new SiteView(site);
  const scanners = new Map(site.scanners.map((s) => [s.id, s]));
  const errors: number[] = [];
  // Readings by dog, in time order; a sliding window per dog.
  const byDog = new Map<string, RssiReading[]>();
  for (const r of run.readings) {
    const dog = view.dogByBeacon(r.mac, r.id);
    if (!dog) continue;
    let list = byDog.get(dog.id);
    if (!list) byDog.set(dog.id, (list = []));
    list.push(r);
  }
  for (const [dogId, list] of byDog) {
    const dog = view.dog(dogId)!;
    let lo = 0;
    let hi = 0;
    for (let s = windowS; s < SECONDS; s++) {
      const end = START_TS + s * 1000;
      while (hi < list.length && list[hi].ts <= end) hi++;
      while (lo < hi && list[lo].ts <= end - windowS * 1000) lo++;
      const sums = new Map<string, { sum: number; n: number }>();
      for (let i = lo; i < hi; i++) {
        const e = sums.get(list[i].scanner) ?? { sum: 0, n: 0 };
        e.sum += list[i].rssi;
        e.n++;
        sums.set(list[i].scanner, e);
      }
      if (sums.size === 0) continue;
      let x = 0;
      let y = 0;
      if (kind === 'strongest') {
        let best = -Infinity;
        for (const [id, e] of sums) {
          if (e.sum / e.n > best) {
            best = e.sum / e.n;
            x = scanners.get(id)!.x;
            y = scanners.get(id)!.y;
          }
        }
      } else {
        let sw = 0;
        for (const [id, e] of sums) {
          const sc = scanners.get(id)!;
          const d = rangeFromRssi(e.sum / e.n, {
            rssiAt1m: dog.rssiAt1m,
            rssiOffset: sc.rssiOffset,
            pathLossExponent: sc.pathLossExponent,
          });
          const w = 1 / Math.max(d, 0.5) ** 2;
          sw += w;
          x += w * sc.x;
          y += w * sc.y;
        }
        x /= sw;
        y /= sw;
      }
      const t = run.truth.get(end)?.get(dogId);
      if (t) errors.push(Math.hypot(x - t.x, y - t.y));
    }
  }
  return errors;
}

const VARIANTS = [
  'site told the truth',
  'told nothing, no calibration',
  'told nothing, scanner-to-scanner calibration',
  'weighted centroid 1/d², 2 s',
  'weighted centroid 1/d², 1 s',
  'strongest scanner, 2 s',
] as const;

function fmt(s: ErrorSummary): string {
  return `${s.rmse.toFixed(2)} / ${s.median.toFixed(2)} / ${s.p90.toFixed(2)}`;
}

export function run(): void {
  console.log(
    `${SECONDS} s of 2 dogs per seed, seeds ${SEEDS.join(',')}; per seed: collar power off by up to ±${COLLAR_POWER_SPREAD_DB} dB, ` +
      `scanner offsets up to ±${SCANNER_OFFSET_SPREAD_DB} dB, each scanner's exponent up to ±${EXPONENT_SPREAD} off the site's; ` +
      `scanner beacons every ${SCANNER_BEACON_INTERVAL_MS} ms with ±${SCANNER_TX_SPREAD_DB} dB unknown power. ` +
      'House radio: 5 dB shadowing over 3 m, 6 dB body, 5 % outliers of 5-20 dB, 40 % loss. RMSE / median / p90, m.',
  );
  console.log(`\n| layout | ${VARIANTS.join(' | ')} |`);
  console.log(`|---|${VARIANTS.map(() => '---').join('|')}|`);
  const only = process.env.BENCH_LAYOUTS; // e.g. "house,L-shaped": only layouts whose name holds one
  for (const layout of LAYOUTS.filter((l) => !only || only.split(',').some((w) => l.name.includes(w)))) {
    const errors = VARIANTS.map(() => [] as number[]);
    for (const seed of SEEDS) {
      const cal = drawCalibration(layout, seed);
      const truthSite = siteOf(layout, cal);
      const nominal = siteOf(layout, undefined);
      const r = simulateLayout(layout, truthSite, cal, seed);
      errors[0].push(...pipelineErrors(truthSite, r.readings, r, {}));
      errors[1].push(...pipelineErrors(nominal, r.readings, r, {}));
      errors[2].push(...pipelineErrors(nominal, r.withBeacons, r, {}));
      errors[3].push(...baselineErrors(nominal, r, 2, 'centroid'));
      errors[4].push(...baselineErrors(nominal, r, 1, 'centroid'));
      errors[5].push(...baselineErrors(nominal, r, 2, 'strongest'));
    }
    console.log(`| ${layout.name} | ${errors.map((e) => fmt(summarize(e))).join(' | ')} |`);
  }
}

if (require.main === module) run();
