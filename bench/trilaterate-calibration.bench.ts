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
import { parseSite, validateSite, type Site } from '../nodes/kernel/site-document';
import { SiteView } from '../nodes/kernel/site-view';
import { RssiSmoother } from '../nodes/rssi-filter/rssi-smoother';
import { Locator, type LocatorOptions } from '../nodes/trilaterate/locator';
import { CalibrationWalk, withFit, type WalkFit } from '../nodes/tracker-site/calibration-walk';
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
const OUTDOOR: NoiseModel = {
  ...DEFAULT_NOISE,
  scannerOffsetSigmaDb: 0,
  exponentError: 0,
  // A diagnostic: BENCH_SENSITIVITY=-130 hears every packet however weak (no censoring near the floor).
  ...(process.env.BENCH_SENSITIVITY ? { sensitivityDbm: Number(process.env.BENCH_SENSITIVITY) } : {}),
};
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

/**
 * What "told the truth" tells (all of it by default): BENCH_TOLD=offsets,exponents,collars, a diagnostic of
 * which error costs what. The simulator always runs on the whole truth.
 */
function toldPart(what: 'offsets' | 'exponents' | 'collars'): boolean {
  const list = process.env.BENCH_TOLD;
  return !list || list.split(',').includes(what);
}

/** The site as the owner wrote it (`truth` undefined: defaults only), or as the radio really is. */
function siteOf(layout: Layout, truth: Calibration | undefined, partial = false): Site {
  const told = partial ? toldPart : (): boolean => true;
  const result = validateSite({
    name: layout.name,
    defaults: { rssiAt1m: -59, pathLossExponent: layout.exponent, tagHeight: 0.5 },
    scanners: layout.scanners.map(([id, x, y, z]) => ({
      id,
      x,
      y,
      z,
      ...(truth && told('offsets') ? { rssiOffset: truth.scannerDb[id] } : {}),
      ...(truth && told('exponents') ? { pathLossExponent: truth.exponent[id] } : {}),
    })),
    dogs: [
      {
        id: 'rex',
        beacon: 'ac:23:3f:a3:80:4b',
        ...(truth && told('collars') ? { rssiAt1m: -59 + truth.collarDb.rex } : {}),
      },
      {
        id: 'bella',
        beacon: 'ac:23:3f:a3:80:4c',
        ...(truth && told('collars') ? { rssiAt1m: -59 + truth.collarDb.bella } : {}),
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

/** Position errors of the pipeline on one stream with one site, and the locator (for what it learned). */
function pipelineErrors(
  site: Site,
  readings: RssiReading[],
  run: Run,
  extra: Partial<LocatorOptions>,
  inside: (x: number, y: number) => boolean = () => true,
): { errors: number[]; locator: Locator; outside: number; byDog: Map<string, number[]> } {
  const smoother = new RssiSmoother();
  const locator = new Locator(new SiteView(site), { ...locatorOverrides(), ...extra });
  const errors: number[] = [];
  const byDog = new Map<string, number[]>();
  let outside = 0;
  for (const reading of readings) {
    const result = smoother.accept(reading);
    if (!result.reading) continue;
    for (const p of locator.add(result.reading)) {
      const t = run.truth.get(p.ts)?.get(p.dog);
      if (!t) continue;
      const e = Math.hypot(p.x - t.x, p.y - t.y);
      errors.push(e);
      if (!byDog.has(p.dog)) byDog.set(p.dog, []);
      byDog.get(p.dog)!.push(e);
      if (!inside(p.x, p.y)) outside++;
    }
  }
  return { errors, locator, outside, byDog };
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

/** Seconds the owner holds the collars at each spot of the guided walk. */
const WALK_SPOT_S = 5;

/**
 * Where the owner stands in the guided walk: 1 m from each scanner towards the middle of the area the dogs
 * roam (near a scanner its level is read with little help from the exponent), and the middle of each area.
 */
function walkSpots(layout: Layout, site: Site): Array<{ x: number; y: number }> {
  const areas = layout.areas ?? [{ ...boxOf(site), dogs: [] }];
  const centres = areas.map((a) => ({ x: (a.minX + a.maxX) / 2, y: (a.minY + a.maxY) / 2 }));
  const spots = site.scanners.map((s) => {
    // Towards the nearest area centre, so the spot is where a dog can be.
    const c = centres.reduce((b, p) =>
      Math.hypot(p.x - s.x, p.y - s.y) < Math.hypot(b.x - s.x, b.y - s.y) ? p : b,
    );
    const d = Math.max(Math.hypot(c.x - s.x, c.y - s.y), 1e-9);
    return { x: s.x + (c.x - s.x) / d, y: s.y + (c.y - s.y) / d };
  });
  return [...spots, ...centres];
}

interface WalkResult {
  /** The site the walk wrote: each dog's rssiAt1m and each scanner's rssiOffset (and exponent, if fitted). */
  site: Site;
  fits: Array<Extract<WalkFit, { ok: true }>>;
}

/**
 * The guided walk on the true radio: the owner holds both collars at each spot for WALK_SPOT_S seconds
 * (a simulator per spot, the collars barely moving, so each spot draws its own shadowing, with the owner's
 * body as a dog's), each collar's readings go to a CalibrationWalk of the site as told (nothing), and the
 * fits are written into the site as the editor's save does (withFit): every dog's rssiAt1m, and the
 * scanners' offsets (the mean of the collars' fits, each centred as the site had them).
 */
function guidedWalk(layout: Layout, truthSite: Site, nominal: Site, seed: number): WalkResult {
  const dogs = nominal.dogs.map((d) => d.id);
  const walks = dogs.map((id) => new CalibrationWalk(nominal, id));
  let ts = START_TS - 3_600_000;
  walkSpots(layout, nominal).forEach((spot, i) => {
    for (const w of walks) w.collect(spot.x, spot.y, WALK_SPOT_S);
    const sim = new SiteSimulator(truthSite, {
      startTs: ts,
      seed: seed * 1009 + i,
      noise: layout.noise,
      bounds: { minX: spot.x - 0.3, minY: spot.y - 0.3, maxX: spot.x + 0.3, maxY: spot.y + 0.3 },
      start: Object.fromEntries(dogs.map((d) => [d, [spot.x, spot.y]])),
      motion: { maxSprintMps: 0.2, marginM: 0 },
    });
    for (let s = 1; s <= WALK_SPOT_S + 1; s++)
      for (const a of sim.advance(ts + s * 1000)) for (const w of walks) w.add(a);
    ts += 60_000;
  });
  const fits = walks.map((w) => w.fit({ exponents: process.env.BENCH_WALK_EXPONENTS === '1' }));
  const ok = fits.filter((f): f is Extract<WalkFit, { ok: true }> => f.ok);
  if (ok.length === 0) return { site: nominal, fits: [] };
  let text = JSON.stringify(nominal);
  for (const f of ok) text = withFit(text, f);
  // The scanners: the mean of every collar's fit (withFit wrote the last one's).
  const doc = JSON.parse(text) as { scanners: Array<Record<string, unknown>> };
  for (const sc of doc.scanners) {
    const values = ok.flatMap((f) => f.scanners.filter((x) => x.id === sc.id && x.offsetAfter !== undefined));
    if (values.length > 0)
      sc.rssiOffset = values.reduce((s, x) => s + (x.offsetAfter as number), 0) / values.length;
    const exps = values.filter((x) => x.exponentAfter !== undefined);
    if (exps.length > 0)
      sc.pathLossExponent = exps.reduce((s, x) => s + (x.exponentAfter as number), 0) / exps.length;
  }
  const parsed = parseSite(JSON.stringify(doc));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return { site: parsed.site, fits: ok };
}

const VARIANTS = [
  'site told the truth',
  'told nothing, no calibration',
  'told nothing, scanner-to-scanner calibration',
  'scanner-to-scanner + guided walk',
  'weighted centroid 1/d², 2 s',
  'weighted centroid 1/d², 1 s',
  'strongest scanner, 2 s',
] as const;
const TRUTH = 0;
const NONE = 1;
const S2S = 2;
const WALK = 3;
const CENTROID = 4;

function fmt(s: ErrorSummary): string {
  return `${s.rmse.toFixed(2)} / ${s.median.toFixed(2)} / ${s.p90.toFixed(2)}`;
}

function centred(values: number[]): number[] {
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  return values.map((v) => v - m);
}

function rms(values: number[]): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0) / Math.max(values.length, 1));
}

/**
 * What a calibration got right, against the truth: the RMS over scanners of the receive offset's error
 * (centred: a common part is the collars' level) and of the exponent's, and of the model's error at 10 m
 * (offset and exponent together, centred), as the fixes see it.
 */
function modelErrors(
  layout: Layout,
  cal: Calibration,
  offsets: (id: string) => number,
  exponents: (id: string) => number,
): { offset: number; exponent: number; at10m: number } {
  const ids = layout.scanners.map(([id]) => id);
  const off = centred(ids.map((id) => offsets(id) - cal.scannerDb[id]));
  const exp = ids.map((id) => exponents(id) - cal.exponent[id]);
  const at10 = centred(ids.map((_, i) => off[i] - 10 * exp[i]));
  return { offset: rms(off), exponent: rms(exp), at10m: rms(at10) };
}

function diagLine(name: string, e: { offset: number; exponent: number; at10m: number }): string {
  return `${name}: offsets ${e.offset.toFixed(2)} dB, exponents ${e.exponent.toFixed(2)}, model at 10 m ${e.at10m.toFixed(2)} dB`;
}

export function run(): void {
  console.log(
    `${SECONDS} s of 2 dogs per seed, seeds ${SEEDS.join(',')}; per seed: collar power off by up to ±${COLLAR_POWER_SPREAD_DB} dB, ` +
      `scanner offsets up to ±${SCANNER_OFFSET_SPREAD_DB} dB, each scanner's exponent up to ±${EXPONENT_SPREAD} off the site's; ` +
      `scanner beacons every ${SCANNER_BEACON_INTERVAL_MS} ms with ±${SCANNER_TX_SPREAD_DB} dB unknown power; ` +
      `guided walk: both collars ${WALK_SPOT_S} s at 1 m from each scanner and at the middle of each area. ` +
      'House radio: 5 dB shadowing over 3 m, 6 dB body, 5 % outliers of 5-20 dB, 40 % loss. RMSE / median / p90, m.',
  );
  const diag = process.env.BENCH_DIAG === '1';
  const rows: string[] = [];
  const checks: string[] = [];
  const diagnostics: string[] = [];
  const only = process.env.BENCH_LAYOUTS; // e.g. "house,L-shaped": only layouts whose name holds one
  for (const layout of LAYOUTS.filter((l) => !only || only.split(',').some((w) => l.name.includes(w)))) {
    const errors = VARIANTS.map(() => [] as number[]);
    for (const seed of SEEDS) {
      const cal = drawCalibration(layout, seed);
      const truthSite = siteOf(layout, cal);
      const toldSite = process.env.BENCH_TOLD ? siteOf(layout, cal, true) : truthSite;
      const nominal = siteOf(layout, undefined);
      const r = simulateLayout(layout, truthSite, cal, seed);
      const walk = guidedWalk(layout, truthSite, nominal, seed);
      const areas = layout.areas;
      const inside = (x: number, y: number): boolean =>
        !areas || areas.some((a) => x >= a.minX && x <= a.maxX && y >= a.minY && y <= a.maxY);
      const runs = [
        pipelineErrors(toldSite, r.readings, r, {}, inside),
        pipelineErrors(nominal, r.readings, r, {}, inside),
        pipelineErrors(nominal, r.withBeacons, r, {}, inside),
        pipelineErrors(walk.site, r.withBeacons, r, {}, inside),
      ];
      if (diag)
        diagnostics.push(
          `  ${layout.name}, seed ${seed}: RMSE by dog, outside the dogs' areas: ` +
            runs
              .map(
                (x, i) =>
                  `${VARIANTS[i]}: ${[...x.byDog].map(([d, e]) => `${d} ${summarize(e).rmse.toFixed(2)}`).join(', ')}, ` +
                  `${((100 * x.outside) / x.errors.length).toFixed(1)} %`,
              )
              .join('; '),
        );
      runs.forEach((x, i) => errors[i].push(...x.errors));
      errors[CENTROID].push(...baselineErrors(nominal, r, 2, 'centroid'));
      errors[CENTROID + 1].push(...baselineErrors(nominal, r, 1, 'centroid'));
      errors[CENTROID + 2].push(...baselineErrors(nominal, r, 2, 'strongest'));
      // What each calibration learned against the truth (the gains learned from the fixes included).
      const learned = (site: Site, locator: Locator) => {
        const sc = new Map(site.scanners.map((s) => [s.id, s]));
        return modelErrors(
          layout,
          cal,
          (id) =>
            sc.get(id)!.rssiOffset +
            (locator.calibration.get(id)?.offsetDb ?? 0) +
            (locator.scannerGains.get(id) ?? 0),
          (id) => sc.get(id)!.pathLossExponent + (locator.calibration.get(id)?.exponentDelta ?? 0),
        );
      };
      const tag = `  ${layout.name}, seed ${seed}`;
      diagnostics.push(
        `${tag}: ${diagLine('told nothing', learned(nominal, runs[NONE].locator))}; ` +
          `${diagLine('scanner-to-scanner', learned(nominal, runs[S2S].locator))}; ` +
          `${diagLine('+ walk', learned(walk.site, runs[WALK].locator))}`,
      );
      const levels = (locator: Locator) =>
        nominal.dogs
          .map(
            (d) =>
              `${d.id} ${(locator.dogLevelOffsets.get(d.id) ?? 0).toFixed(1)} (truth ${cal.collarDb[d.id].toFixed(1)})`,
          )
          .join(', ');
      diagnostics.push(
        `${tag}: collar level offsets learned, dB: told nothing ${levels(runs[NONE].locator)}; ` +
          `walk rssiAt1m ${walk.fits.map((f) => `${f.dog} ${(f.rssiAt1mAfter + 59).toFixed(1)}`).join(', ')} ` +
          `(residual RMS ${walk.fits.map((f) => `${f.rmseBefore} -> ${f.rmseAfter}`).join(', ')} dB)`,
      );
      if (diag) {
        const s2s = runs[S2S].locator;
        const offTruth = centred(layout.scanners.map(([id]) => cal.scannerDb[id]));
        for (const [i, [id]] of layout.scanners.entries()) {
          const c = s2s.calibration.get(id);
          const w = walk.site.scanners.find((s) => s.id === id)!;
          diagnostics.push(
            `    ${id}: offset truth ${offTruth[i].toFixed(2)}, s2s ${c ? `${c.offsetDb.toFixed(2)} ± ${c.offsetSigmaDb.toFixed(2)}` : '-'}, ` +
              `gain ${(s2s.scannerGains.get(id) ?? 0).toFixed(2)}, walk ${w.rssiOffset.toFixed(2)}; ` +
              `exponent truth ${cal.exponent[id].toFixed(2)}, s2s ${c ? `${(layout.exponent + c.exponentDelta).toFixed(2)} ± ${c.exponentSigma.toFixed(2)}` : '-'}, ` +
              `walk ${w.pathLossExponent.toFixed(2)}; tx ${cal.txDb[id].toFixed(2)}`,
          );
        }
      }
    }
    const s = errors.map((e) => summarize(e));
    rows.push(`| ${layout.name} | ${s.map(fmt).join(' | ')} |`);
    const [truth, none, s2s, walk, centroid] = [s[TRUTH], s[NONE], s[S2S], s[WALK], s[CENTROID]].map(
      (x) => x.rmse,
    );
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    checks.push(
      `${pass(walk <= 1.1 * truth)} ${layout.name}: both calibrations within 10 % of told the truth ` +
        `(${walk.toFixed(2)} vs ${truth.toFixed(2)}, ${((100 * (walk - truth)) / truth).toFixed(1)} %)`,
    );
    const loss = none - truth;
    checks.push(
      loss > 0
        ? `${pass(none - s2s >= 0.5 * loss)} ${layout.name}: scanner-to-scanner recovers at least half the loss ` +
            `(${(none - s2s).toFixed(2)} of ${loss.toFixed(2)} m: ${none.toFixed(2)} -> ${s2s.toFixed(2)}, truth ${truth.toFixed(2)})`
        : `${pass(s2s <= none)} ${layout.name}: no loss to recover (told nothing ${none.toFixed(2)} <= truth ${truth.toFixed(2)}); ` +
            `scanner-to-scanner must not add one (${s2s.toFixed(2)})`,
    );
    const tri = [truth, none, s2s, walk];
    checks.push(
      `${pass(Math.max(...tri) < centroid)} ${layout.name}: trilaterate below the 2-s centroid ` +
        `(truth / nothing / s2s / + walk ${tri.map((x) => x.toFixed(2)).join(' / ')} vs ${centroid.toFixed(2)})`,
    );
  }
  console.log(`\n| layout | ${VARIANTS.join(' | ')} |`);
  console.log(`|---|${VARIANTS.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(row);
  console.log(
    '\nwhat calibration learned, RMS error over scanners against the truth (gains from the fixes included):',
  );
  for (const d of diagnostics) console.log(d);
  console.log('\ntargets (issue 15):');
  for (const c of checks) console.log(c);
}

if (require.main === module) run();
