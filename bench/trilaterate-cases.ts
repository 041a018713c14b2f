// Shared by the trilaterate and rssi-filter benchmarks: the three sites, the simulated readings, the
// clipped linear-least-squares baseline and the per-second Cramér-Rao bound. Not a benchmark itself.
import type { RssiReading } from '../nodes/kernel/contract';
import { rangeFromRssi } from '../nodes/kernel/path-loss';
import { DEFAULT_NOISE, SiteSimulator, type DogTruth, type NoiseModel } from '../nodes/kernel/simulation';
import { validateSite, type Site } from '../nodes/kernel/site-document';
import { fisherInformation, type Anchor, type Region } from '../nodes/trilaterate/solver';

export interface BenchCase {
  name: string;
  site: Site;
}

/** Realistic radio: the simulator's defaults plus a site whose path-loss exponent is wrong by 0.3. */
export const BENCH_NOISE: NoiseModel = { ...DEFAULT_NOISE, exponentError: 0.3 };

function site(name: string, scanners: Array<[string, number, number, number]>, exponent: number): Site {
  const result = validateSite({
    name,
    defaults: { rssiAt1m: -59, pathLossExponent: exponent, tagHeight: 0.5 },
    scanners: scanners.map(([id, x, y, z]) => ({ id, x, y, z })),
    dogs: [
      { id: 'rex', beacon: 'ac:23:3f:a3:80:4b' },
      { id: 'bella', beacon: 'ac:23:3f:a3:80:4c' },
    ],
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.site;
}

/** A scanner of a layout: id, x, y, z (m). */
export type LayoutScanner = [string, number, number, number];

/**
 * The benches' layouts, one table (trilaterate, trilaterate-calibration, the flows and runtime benches'
 * yard): each bench sets its own radio and path-loss exponent.
 */
export const LAYOUTS = {
  yard: {
    name: 'yard 20x30 m, 6 scanners',
    scanners: [
      ['sw', 0, 0, 1.5],
      ['se', 20, 0, 1.5],
      ['e', 20, 15, 1.5],
      ['ne', 20, 30, 1.5],
      ['nw', 0, 30, 1.5],
      ['w', 0, 15, 1.5],
    ] as LayoutScanner[],
  },
  house: {
    name: 'house 10x15 m, 5 scanners',
    scanners: [
      ['kitchen', 0, 0, 2.2],
      ['hall', 10, 0, 2.2],
      ['living', 10, 15, 2.2],
      ['bedroom', 0, 15, 2.2],
      ['stairs', 5, 7.5, 2.2],
    ] as LayoutScanner[],
  },
  sparse: {
    name: 'sparse yard 20x30 m, 4 scanners',
    scanners: [
      ['sw', 0, 0, 1.5],
      ['se', 20, 0, 1.5],
      ['ne', 20, 30, 1.5],
      ['nw', 0, 30, 1.5],
    ] as LayoutScanner[],
  },
  /** 30 x 30 m less its north-east 15 x 15 m. */
  l: {
    name: 'L-shaped yard 30x30 m, 6 scanners',
    scanners: [
      ['sw', 0, 0, 1.5],
      ['se', 30, 0, 1.5],
      ['e', 30, 15, 1.5],
      ['inner', 15, 15, 1.5],
      ['n', 15, 30, 1.5],
      ['nw', 0, 30, 1.5],
    ] as LayoutScanner[],
  },
};

export const CASES: BenchCase[] = [
  { name: LAYOUTS.yard.name, site: site('yard', LAYOUTS.yard.scanners, 2.2) },
  { name: LAYOUTS.house.name, site: site('house', LAYOUTS.house.scanners, 2.5) },
  { name: LAYOUTS.sparse.name, site: site('sparse', LAYOUTS.sparse.scanners, 2.2) },
];

export interface SimulatedRun {
  readings: RssiReading[];
  /** Where each dog really was at each whole second (the end of each window). */
  truth: Map<number, Map<string, DogTruth>>;
  seconds: number;
  dogs: number;
}

export const START_TS = 1_763_800_000_000;

/**
 * Simulates `seconds` of the case's dogs; readings carry per-scanner seq numbers as beacon-scan sends them.
 * `accel`: the collars also send Minew accelerometer frames (1 a second), as beacon-scan decodes them; the
 * iBeacon readings of a seed stay the same.
 */
export function simulate(
  c: BenchCase,
  seconds: number,
  seed: number,
  noise: NoiseModel = BENCH_NOISE,
  accel = false,
): SimulatedRun {
  const sim = new SiteSimulator(c.site, { startTs: START_TS, seed, noise, ...(accel ? { accel: {} } : {}) });
  const seq = new Map<string, number>();
  const readings: RssiReading[] = [];
  const truth = new Map<number, Map<string, DogTruth>>();
  for (let s = 1; s <= seconds; s++) {
    const ts = START_TS + s * 1000;
    for (const a of sim.advance(ts)) {
      const n = (seq.get(a.scanner) ?? 0) + 1;
      seq.set(a.scanner, n);
      readings.push({
        v: 1,
        type: 'rssi',
        scanner: a.scanner,
        seq: n,
        ts: a.ts,
        mac: a.mac,
        id: a.id,
        rssi: a.rssi,
        ...(a.frame === 'minew-accel' && a.accel
          ? { frame: a.frame, minew: { mac: a.mac, accel: a.accel }, battery: a.battery }
          : {}),
      });
    }
    truth.set(ts, new Map(sim.truth().map((t) => [t.dog, t])));
  }
  return { readings, truth, seconds, dogs: c.site.dogs.length };
}

export function anchorsOf(site: Site): Anchor[] {
  return site.scanners.map((s) => ({ ...s }));
}

export function boundsOf(site: Site): Region {
  const xs = site.scanners.map((s) => s.x);
  const ys = site.scanners.map((s) => s.y);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

/**
 * The per-second Cramér-Rao bound of the layout, as an RMS radius (m): the Fisher information of RSSI
 * ranging with the radio's per-reading sigma and TRUE path-loss exponent, for the readings each scanner
 * really delivers per second, inverted at every point of a 0.5 m grid over the area the dogs roam, and
 * averaged (the mean of trace(J⁻¹), then its square root). `readingsPerSecond` of 1 gives the bound of one
 * reading per scanner. `sigmaDb` defaults to the per-reading sigma, sqrt(shadowing² + fading²).
 */
export function crlbRms(
  site: Site,
  noise: NoiseModel,
  readingsPerSecond: (anchor: Anchor) => number,
  marginM = 0.5,
  sigmaDb = Math.hypot(noise.shadowingSigmaDb, noise.fastFadingSigmaDb),
): number {
  const anchors = anchorsOf(site).map((a) => ({
    ...a,
    pathLossExponent: a.pathLossExponent + noise.exponentError,
  }));
  const sigma = sigmaDb;
  const b = boundsOf(site);
  const tagHeight = site.defaults.tagHeight;
  let sum = 0;
  let count = 0;
  for (let x = b.minX + marginM; x <= b.maxX - marginM + 1e-9; x += 0.5) {
    for (let y = b.minY + marginM; y <= b.maxY - marginM + 1e-9; y += 0.5) {
      const [a, c, d] = fisherInformation(anchors, x, y, tagHeight, sigma, readingsPerSecond);
      const det = a * d - c * c;
      sum += (a + d) / det;
      count++;
    }
  }
  return Math.sqrt(sum / count);
}

/**
 * The classic baseline: ranges from RSSI with the site's model, clipped to [0.5 m, the site's diagonal],
 * horizontal ranges after the heights, linear least squares (each circle minus the last), the result
 * clipped to the scanners' bounding box. Fewer than 3 scanners: the strongest scanner's position.
 */
export function linearLeastSquares(
  site: Site,
  observations: ReadonlyArray<{ scanner: string; rssi: number }>,
  rssiAt1m: number,
  tagHeight: number,
): { x: number; y: number } | undefined {
  const b = boundsOf(site);
  const maxRange = Math.hypot(b.maxX - b.minX, b.maxY - b.minY);
  const circles: Array<{ x: number; y: number; r: number }> = [];
  for (const o of observations) {
    const s = site.scanners.find((x) => x.id === o.scanner);
    if (!s) continue;
    const d = rangeFromRssi(o.rssi, {
      rssiAt1m,
      rssiOffset: s.rssiOffset,
      pathLossExponent: s.pathLossExponent,
    });
    const dz = s.z - tagHeight;
    const horizontal = Math.sqrt(Math.max(d * d - dz * dz, 0));
    circles.push({ x: s.x, y: s.y, r: Math.min(Math.max(horizontal, 0.5), maxRange) });
  }
  if (circles.length === 0) return undefined;
  if (circles.length < 3) {
    const strongest = observations.reduce((a, o) => (o.rssi > a.rssi ? o : a));
    const s = site.scanners.find((x) => x.id === strongest.scanner)!;
    return { x: s.x, y: s.y };
  }
  const last = circles[circles.length - 1];
  let a11 = 0;
  let a12 = 0;
  let a22 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < circles.length - 1; i++) {
    const c = circles[i];
    const ax = 2 * (last.x - c.x);
    const ay = 2 * (last.y - c.y);
    const rhs = c.r * c.r - last.r * last.r - c.x * c.x + last.x * last.x - c.y * c.y + last.y * last.y;
    a11 += ax * ax;
    a12 += ax * ay;
    a22 += ay * ay;
    b1 += ax * rhs;
    b2 += ay * rhs;
  }
  const det = a11 * a22 - a12 * a12;
  if (Math.abs(det) < 1e-9) return undefined;
  const x = (a22 * b1 - a12 * b2) / det;
  const y = (a11 * b2 - a12 * b1) / det;
  return { x: Math.min(Math.max(x, b.minX), b.maxX), y: Math.min(Math.max(y, b.minY), b.maxY) };
}

export interface ErrorSummary {
  rmse: number;
  median: number;
  p90: number;
}

export function summarize(errors: number[]): ErrorSummary {
  const sorted = [...errors].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  const rmse = Math.sqrt(sorted.reduce((s, e) => s + e * e, 0) / sorted.length);
  return { rmse, median: q(0.5), p90: q(0.9) };
}
