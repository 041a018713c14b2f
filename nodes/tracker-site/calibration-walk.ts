// The guided calibration walk: the owner holds one collar at a few spots of the plan, the hub keeps a few
// seconds of that collar's readings per spot, then fits the collar's rssiAt1m and each scanner's
// rssiOffset with the site's path-loss exponents, and says how far the readings sit from the model before
// and after. Pure: no Node-RED, no wall clock (spots are timed by the readings' `ts`), memory bounded.
//
// The model (nodes/kernel/path-loss.ts): rssi = rssiAt1m + rssiOffset_j - 10 n_j log10(d). For one collar
// only the sums rssiAt1m + rssiOffset_j are seen, so the split needs one more condition: the fitted
// scanners' mean offset stays what the site had (0 on a new site), which keeps every other collar's
// rssiAt1m meaning what it meant. With `offsets: false` the offsets stay and only the collar is fitted.
// With `exponents: true` each scanner's path-loss exponent n_j is fitted too, from how its spot levels
// fall with log10(d): first one exponent change common to the site (every scanner's levels against its
// own log d, pooled), then each scanner's own around it with a prior (sigma EXPONENT_PRIOR), all by
// Huber-weighted least squares, so one spot in a shadow moves it little. A scanner heard at spots too
// alike in range (log d spread under MIN_LOG_SPREAD) keeps the pooled change. Spots next to a scanner
// (about 1 m) pin its level with little help from the exponent; spots far from it then give the slope.
import { normalizeMac } from '../kernel/checks';
import { distance3d, MIN_RANGE_M } from '../kernel/path-loss';
import { beaconKey, SITE_LIMITS, type Dog, type Scanner, type Site } from '../kernel/site-document';

export const WALK_LIMITS = {
  maxSpots: 30,
  /** Readings kept per spot, over every scanner (5 s of 10 scanners at 10 Hz is 500). */
  maxReadingsPerSpot: 3000,
  minSeconds: 1,
  maxSeconds: 60,
  defaultSeconds: 5,
  /** A scanner's readings at a spot count only from this many on (one packet says little). */
  minReadingsPerCell: 3,
} as const;

/** Residuals beyond this many dB weigh less in the fit (Huber): an outlier shifts it little. */
const HUBER_DB = 3;
const HUBER_ITERATIONS = 20;
/** Prior sigma of one scanner's exponent around the site's fitted one (walls differ by a few tenths). */
const EXPONENT_PRIOR = 0.3;
/** Error of one spot's level around the model, dB: the spot's shadowing, which its readings share. */
const SPOT_SIGMA_DB = 4;
/** A scanner's spots must span this much of log10(d) (a factor 2 in range) to tell its exponent. */
const MIN_LOG_SPREAD = 0.3;
/** Largest exponent change a walk makes. */
const MAX_EXPONENT_CHANGE = 1.5;

export type SpotState = 'waiting' | 'collecting' | 'done';

export interface WalkReading {
  mac: string;
  id?: string;
  scanner: string;
  rssi: number;
  /** The unfiltered value when rssi-filter has smoothed `rssi`: a walk wants what was heard at the spot. */
  rssiRaw?: number;
  ts: number;
}

interface Spot {
  x: number;
  y: number;
  seconds: number;
  /** Event time of the spot's first reading; undefined while waiting for one. */
  startTs?: number;
  /** Set by stop() before the time is up. */
  endTs?: number;
  newestTs?: number;
  count: number;
  readings: Map<string, number[]>;
}

export interface SpotStatus {
  x: number;
  y: number;
  seconds: number;
  state: SpotState;
  readings: number;
  /** Readings per scanner id. */
  scanners: Record<string, number>;
  /** Seconds of event time collected so far. */
  collectedS: number;
}

export interface WalkStatus {
  dog: { id: string; name: string; beacon: string; rssiAt1m: number };
  scanners: Array<{ id: string; name?: string; x: number; y: number }>;
  spots: SpotStatus[];
}

export interface ScannerFit {
  id: string;
  /** Spots where this scanner heard the collar enough to count. */
  spots: number;
  readings: number;
  offsetBefore: number;
  /** Undefined when the scanner did not hear the collar enough: its offset stays. */
  offsetAfter?: number;
  rmseBefore: number | null;
  rmseAfter: number | null;
  /** With `exponents`: the site's exponent, the fitted one and its one-sigma uncertainty. */
  exponentBefore?: number;
  exponentAfter?: number;
  exponentSigma?: number;
}

export type WalkFit =
  | { ok: false; error: string }
  | {
      ok: true;
      dog: string;
      rssiAt1mBefore: number;
      rssiAt1mAfter: number;
      fittedOffsets: boolean;
      /** Whether each scanner's pathLossExponent was fitted (and is in `scanners`). */
      fittedExponents?: boolean;
      spots: number;
      readings: number;
      rmseBefore: number;
      rmseAfter: number;
      scanners: ScannerFit[];
      warnings: string[];
    };

export class CalibrationWalk {
  readonly dog: Dog;
  private readonly site: Site;
  private readonly key: string;
  private readonly scanners = new Map<string, Scanner>();
  private readonly spots: Spot[] = [];

  constructor(site: Site, dogId: string) {
    const dog = site.dogs.find((d) => d.id === dogId);
    if (!dog) throw new Error(`no dog "${dogId.slice(0, 60)}" in the site`);
    if (site.scanners.length === 0) throw new Error('the site has no scanners');
    this.site = site;
    this.dog = dog;
    this.key = beaconKey(dog.beacon);
    for (const s of site.scanners) this.scanners.set(s.id, s);
  }

  /** Starts a new spot at plan (x, y): it collects from the collar's next reading for `seconds` of `ts`. */
  collect(x: number, y: number, seconds: number = WALK_LIMITS.defaultSeconds): void {
    const M = SITE_LIMITS.maxCoordinateM;
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > M || Math.abs(y) > M)
      throw new Error('the spot needs x and y in plan metres');
    if (!Number.isFinite(seconds) || seconds < WALK_LIMITS.minSeconds || seconds > WALK_LIMITS.maxSeconds)
      throw new Error(`seconds must be ${WALK_LIMITS.minSeconds} to ${WALK_LIMITS.maxSeconds}`);
    if (this.spots.length >= WALK_LIMITS.maxSpots)
      throw new Error(`a walk has at most ${WALK_LIMITS.maxSpots} spots`);
    this.stop();
    this.spots.push({ x, y, seconds, count: 0, readings: new Map() });
  }

  /** Ends the spot being collected now (a spot that heard nothing is dropped). */
  stop(): void {
    const last = this.spots[this.spots.length - 1];
    if (!last || this.state(last) === 'done') return;
    if (last.startTs === undefined) this.spots.pop();
    else last.endTs = last.newestTs ?? last.startTs;
  }

  /** Forgets spot `index` (tapped in the wrong place). */
  removeSpot(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.spots.length) return false;
    this.spots.splice(index, 1);
    return true;
  }

  /** Takes a reading if it is this collar's, heard by a site scanner, inside a spot's time. */
  add(r: WalkReading): boolean {
    const rssi = r.rssiRaw ?? r.rssi;
    if (!Number.isFinite(r.ts) || !Number.isFinite(rssi) || !this.scanners.has(r.scanner)) return false;
    if (!this.isCollar(r)) return false;
    // A spot's window is [startTs, end); a late packet of the previous spot still lands in it.
    for (let i = this.spots.length - 1; i >= Math.max(0, this.spots.length - 2); i--) {
      const spot = this.spots[i];
      if (spot.startTs === undefined) {
        const previous = this.spots[i - 1];
        if (previous && r.ts < this.end(previous)) continue;
        spot.startTs = r.ts;
      }
      if (r.ts < spot.startTs) continue;
      spot.newestTs = Math.max(spot.newestTs ?? r.ts, r.ts);
      if (r.ts >= this.end(spot) || spot.count >= WALK_LIMITS.maxReadingsPerSpot) return false;
      let list = spot.readings.get(r.scanner);
      if (!list) spot.readings.set(r.scanner, (list = []));
      list.push(rssi);
      spot.count++;
      return true;
    }
    return false;
  }

  status(): WalkStatus {
    const d = this.dog;
    return {
      dog: { id: d.id, name: d.name, beacon: d.beacon, rssiAt1m: d.rssiAt1m },
      scanners: this.site.scanners.map((s) =>
        s.name === undefined ? { id: s.id, x: s.x, y: s.y } : { id: s.id, name: s.name, x: s.x, y: s.y },
      ),
      spots: this.spots.map((s) => ({
        x: s.x,
        y: s.y,
        seconds: s.seconds,
        state: this.state(s),
        readings: s.count,
        scanners: Object.fromEntries([...s.readings].map(([id, list]) => [id, list.length])),
        collectedS:
          s.startTs === undefined
            ? 0
            : Math.min(this.end(s), s.newestTs ?? s.startTs) / 1000 - s.startTs / 1000,
      })),
    };
  }

  /** Fits the collar's rssiAt1m and (with `offsets`) the scanners' offsets from the spots collected. */
  fit(options: { offsets?: boolean; exponents?: boolean } = {}): WalkFit {
    const fitOffsets = options.offsets !== false;
    const fitExponents = options.exponents === true;
    const warnings: string[] = [];
    // Per scanner: one level sample per spot (median reading + the model's loss), and the cells' readings.
    const cells = new Map<
      string,
      Array<{ loss: number; logD: number; median: number; readings: number[]; level: number }>
    >();
    let spotsUsed = 0;
    for (const spot of this.spots) {
      let used = false;
      for (const [id, readings] of spot.readings) {
        if (readings.length < WALK_LIMITS.minReadingsPerCell) continue;
        const s = this.scanners.get(id) as Scanner;
        const d = distance3d(spot.x, spot.y, this.dog.tagHeight, s.x, s.y, s.z);
        const loss = 10 * s.pathLossExponent * Math.log10(Math.max(d, MIN_RANGE_M));
        let list = cells.get(id);
        if (!list) cells.set(id, (list = []));
        const m = median(readings);
        list.push({ loss, logD: Math.log10(Math.max(d, MIN_RANGE_M)), median: m, readings, level: m + loss });
        used = true;
      }
      if (used) spotsUsed++;
    }
    if (cells.size === 0)
      return { ok: false, error: 'no spot has enough readings of the collar yet: collect at a spot first' };
    if (spotsUsed < 3)
      warnings.push(`only ${spotsUsed} spot(s): three or more spread around give a surer fit`);

    // Each scanner's exponent (with `exponents`), then its level (rssiAt1m + its offset), robustly.
    const exponents = fitExponents ? this.fitExponents(cells) : new Map<string, ExponentFit>();
    if (fitExponents)
      for (const [id, list] of cells) {
        const e = exponents.get(id);
        if (!e) continue;
        for (const c of list) {
          c.loss = 10 * e.value * c.logD;
          c.level = c.median + c.loss;
        }
      }
    const levels = new Map<string, number>();
    for (const [id, list] of cells) levels.set(id, huberLocation(list.map((c) => c.level)));
    const ids = [...levels.keys()];
    const before = (id: string): number => (this.scanners.get(id) as Scanner).rssiOffset;
    let rssiAt1m: number;
    const offsets = new Map<string, number>();
    if (fitOffsets) {
      // Keep the fitted scanners' mean offset: rssiAt1m = mean(level - offset before).
      rssiAt1m = mean(ids.map((id) => (levels.get(id) as number) - before(id)));
      rssiAt1m = clamp(round1(rssiAt1m), SITE_LIMITS.minRssiAt1m, SITE_LIMITS.maxRssiAt1m);
      for (const id of ids) {
        const o = clamp(
          round1((levels.get(id) as number) - rssiAt1m),
          -SITE_LIMITS.maxRssiOffsetDb,
          SITE_LIMITS.maxRssiOffsetDb,
        );
        offsets.set(id, o);
      }
      if (ids.length < 2) warnings.push('only one scanner heard the collar: its offset is kept');
    } else {
      const samples: number[] = [];
      for (const [id, list] of cells) for (const c of list) samples.push(c.level - before(id));
      rssiAt1m = clamp(round1(huberLocation(samples)), SITE_LIMITS.minRssiAt1m, SITE_LIMITS.maxRssiAt1m);
      for (const id of ids) offsets.set(id, before(id));
    }

    const scanners: ScannerFit[] = [];
    const all = { before: 0, after: 0, n: 0 };
    for (const s of this.site.scanners) {
      const list = cells.get(s.id);
      if (!list) {
        scanners.push({
          id: s.id,
          spots: 0,
          readings: 0,
          offsetBefore: s.rssiOffset,
          rmseBefore: null,
          rmseAfter: null,
        });
        continue;
      }
      const after = offsets.get(s.id) as number;
      let sb = 0;
      let sa = 0;
      let n = 0;
      for (const c of list)
        for (const r of c.readings) {
          sb += (r - (this.dog.rssiAt1m + s.rssiOffset - 10 * s.pathLossExponent * c.logD)) ** 2;
          sa += (r - (rssiAt1m + after - c.loss)) ** 2;
          n++;
        }
      all.before += sb;
      all.after += sa;
      all.n += n;
      scanners.push({
        id: s.id,
        spots: list.length,
        readings: n,
        offsetBefore: s.rssiOffset,
        offsetAfter: after,
        rmseBefore: round1(Math.sqrt(sb / n)),
        rmseAfter: round1(Math.sqrt(sa / n)),
        ...(fitExponents ? exponentFields(s.pathLossExponent, exponents.get(s.id)) : {}),
      });
    }
    return {
      ok: true,
      dog: this.dog.id,
      rssiAt1mBefore: this.dog.rssiAt1m,
      rssiAt1mAfter: rssiAt1m,
      fittedOffsets: fitOffsets,
      ...(fitExponents ? { fittedExponents: true } : {}),
      spots: spotsUsed,
      readings: all.n,
      rmseBefore: round1(Math.sqrt(all.before / all.n)),
      rmseAfter: round1(Math.sqrt(all.after / all.n)),
      scanners,
      warnings,
    };
  }

  /**
   * Each scanner's exponent from its spots' median readings m_k at log10 distances x_k:
   * m_k = L_j - 10 n_j x_k. First the change common to every scanner (the levels L_j free), then each
   * scanner's n_j with the prior n_j ~ N(site's own + common change, EXPONENT_PRIOR²), Huber-weighted.
   */
  private fitExponents(
    cells: ReadonlyMap<string, ReadonlyArray<{ logD: number; median: number }>>,
  ): Map<string, ExponentFit> {
    const out = new Map<string, ExponentFit>();
    const n0 = (id: string): number => (this.scanners.get(id) as Scanner).pathLossExponent;
    // The common change: the slope of (m_k + 10 n0_j x_k) against -10 x_k within each scanner.
    let common = 0;
    let commonVar = Infinity;
    let weights = new Map<string, number[]>();
    for (let iter = 0; iter < HUBER_ITERATIONS; iter++) {
      let sxx = 0;
      let sxy = 0;
      const next = new Map<string, number[]>();
      for (const [id, list] of cells) {
        if (list.length < 2) continue;
        const w = weights.get(id) ?? list.map(() => 1);
        const sw = w.reduce((a, b) => a + b, 0);
        const xs = list.map((c) => -10 * c.logD);
        const ys = list.map((c) => c.median + 10 * n0(id) * c.logD);
        const xm = xs.reduce((a, x, k) => a + w[k] * x, 0) / sw;
        const ym = ys.reduce((a, y, k) => a + w[k] * y, 0) / sw;
        for (let k = 0; k < list.length; k++) {
          sxx += w[k] * (xs[k] - xm) ** 2;
          sxy += w[k] * (xs[k] - xm) * (ys[k] - ym);
        }
        next.set(
          id,
          xs.map((x, k) => ys[k] - ym - common * (x - xm)),
        );
      }
      if (!(sxx > 0)) break;
      const updated = sxy / sxx;
      commonVar = SPOT_SIGMA_DB ** 2 / sxx;
      // Huber weights from the residuals of this pass.
      weights = new Map(
        [...next].map(([id, res]) => [
          id,
          res.map((r) => (Math.abs(r) <= SPOT_SIGMA_DB ? 1 : SPOT_SIGMA_DB / Math.abs(r))),
        ]),
      );
      const done = Math.abs(updated - common) < 1e-6;
      common = updated;
      if (done) break;
    }
    if (!Number.isFinite(common) || !Number.isFinite(commonVar)) return out;
    common = clamp(common, -MAX_EXPONENT_CHANGE, MAX_EXPONENT_CHANGE);
    for (const [id, list] of cells) {
      const prior = clamp(n0(id) + common, SITE_LIMITS.minPathLossExponent, SITE_LIMITS.maxPathLossExponent);
      const xs = list.map((c) => -10 * c.logD);
      const spread = Math.max(...list.map((c) => c.logD)) - Math.min(...list.map((c) => c.logD));
      if (list.length < 2 || spread < MIN_LOG_SPREAD) {
        out.set(id, { value: prior, sigma: Math.sqrt(commonVar + EXPONENT_PRIOR ** 2) });
        continue;
      }
      // Unknowns L and n; the prior adds (n - prior)² / EXPONENT_PRIOR² to the weighted squares.
      let w = list.map(() => 1);
      let value = prior;
      let variance = EXPONENT_PRIOR ** 2;
      for (let iter = 0; iter < HUBER_ITERATIONS; iter++) {
        const sw = w.reduce((a, b) => a + b, 0);
        const xm = xs.reduce((a, x, k) => a + w[k] * x, 0) / sw;
        const ym = list.reduce((a, c, k) => a + w[k] * c.median, 0) / sw;
        let sxx = 0;
        let sxy = 0;
        for (let k = 0; k < list.length; k++) {
          sxx += w[k] * (xs[k] - xm) ** 2;
          sxy += w[k] * (xs[k] - xm) * (list[k].median - ym);
        }
        const info = sxx / SPOT_SIGMA_DB ** 2 + 1 / EXPONENT_PRIOR ** 2;
        const next = (sxy / SPOT_SIGMA_DB ** 2 + prior / EXPONENT_PRIOR ** 2) / info;
        variance = 1 / info;
        const level = ym - next * xm;
        w = list.map((c, k) => {
          const r = Math.abs(c.median - level - next * xs[k]);
          return r <= SPOT_SIGMA_DB ? 1 : SPOT_SIGMA_DB / r;
        });
        const done = Math.abs(next - value) < 1e-6;
        value = next;
        if (done) break;
      }
      value = clamp(
        value,
        Math.max(SITE_LIMITS.minPathLossExponent, n0(id) - MAX_EXPONENT_CHANGE),
        Math.min(SITE_LIMITS.maxPathLossExponent, n0(id) + MAX_EXPONENT_CHANGE),
      );
      if (Number.isFinite(value) && Number.isFinite(variance))
        out.set(id, { value, sigma: Math.sqrt(variance) });
    }
    return out;
  }

  /**
   * Why a fit from this walk no longer fits `site` (a scanner moved, an exponent or the collar's height
   * changed, the dog went): the distances it was fitted on are not the site's. Undefined when it still fits.
   */
  staleFor(site: Site): string | undefined {
    const dog = site.dogs.find((d) => d.id === this.dog.id);
    if (!dog) return `the dog ${this.dog.id} is no longer in the site`;
    if (dog.tagHeight !== this.dog.tagHeight) return `${this.dog.id}'s tag height changed`;
    for (const before of this.site.scanners) {
      const now = site.scanners.find((s) => s.id === before.id);
      if (!now) return `scanner ${before.id} is no longer in the site`;
      if (now.x !== before.x || now.y !== before.y || now.z !== before.z) return `scanner ${before.id} moved`;
      if (now.pathLossExponent !== before.pathLossExponent)
        return `scanner ${before.id}'s path-loss exponent changed`;
    }
    return undefined;
  }

  private isCollar(r: WalkReading): boolean {
    if (typeof r.mac === 'string' && (normalizeMac(r.mac) ?? r.mac.toLowerCase()) === this.key) return true;
    return typeof r.id === 'string' && beaconKey(r.id) === this.key;
  }

  private end(spot: Spot): number {
    if (spot.endTs !== undefined) return spot.endTs;
    return spot.startTs === undefined ? Infinity : spot.startTs + spot.seconds * 1000;
  }

  private state(spot: Spot): SpotState {
    if (spot.startTs === undefined) return 'waiting';
    if (spot.endTs !== undefined || (spot.newestTs ?? spot.startTs) >= this.end(spot)) return 'done';
    return 'collecting';
  }
}

/**
 * The site document `text` with the fit written in: the dog's rssiAt1m and the fitted scanners'
 * rssiOffset. Everything else of the document is kept as it was (backdrop, zones, unknown fields).
 */
export function withFit(text: string, fit: Extract<WalkFit, { ok: true }>): string {
  const doc = JSON.parse(text) as {
    dogs?: Array<Record<string, unknown>>;
    scanners?: Array<Record<string, unknown>>;
  };
  const dog = doc.dogs?.find((d) => d.id === fit.dog);
  if (!dog) throw new Error(`no dog ${fit.dog} in the site`);
  dog.rssiAt1m = fit.rssiAt1mAfter;
  if (fit.fittedOffsets)
    for (const s of fit.scanners) {
      if (s.offsetAfter === undefined) continue;
      const scanner = doc.scanners?.find((x) => x.id === s.id);
      if (scanner) scanner.rssiOffset = s.offsetAfter;
    }
  if (fit.fittedExponents)
    for (const s of fit.scanners) {
      if (s.exponentAfter === undefined) continue;
      const scanner = doc.scanners?.find((x) => x.id === s.id);
      if (scanner) scanner.pathLossExponent = s.exponentAfter;
    }
  return JSON.stringify(doc, null, 2);
}

interface ExponentFit {
  value: number;
  sigma: number;
}

/** The exponent fields of one scanner's fit (the fitted value rounded to 0.01). */
function exponentFields(
  before: number,
  fit: ExponentFit | undefined,
): Pick<ScannerFit, 'exponentBefore' | 'exponentAfter' | 'exponentSigma'> {
  if (!fit) return { exponentBefore: before };
  return {
    exponentBefore: before,
    exponentAfter: Math.round(fit.value * 100) / 100,
    exponentSigma: Math.round(fit.sigma * 100) / 100,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Huber's M-estimate of location, started at the median (iteratively reweighted mean). */
export function huberLocation(values: readonly number[]): number {
  let m = median(values);
  for (let k = 0; k < HUBER_ITERATIONS; k++) {
    let sw = 0;
    let swx = 0;
    for (const v of values) {
      const r = Math.abs(v - m);
      const w = r <= HUBER_DB ? 1 : HUBER_DB / r;
      sw += w;
      swx += w * v;
    }
    const next = swx / sw;
    if (Math.abs(next - m) < 1e-6) return next;
    m = next;
  }
  return m;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
