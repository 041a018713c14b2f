// The guided calibration walk: the owner holds one collar at a few spots of the plan, the hub keeps a few
// seconds of that collar's readings per spot, then fits the collar's rssiAt1m and each scanner's
// rssiOffset with the site's path-loss exponents, and says how far the readings sit from the model before
// and after. Pure: no Node-RED, no wall clock (spots are timed by the readings' `ts`), memory bounded.
//
// The model (nodes/kernel/path-loss.ts): rssi = rssiAt1m + rssiOffset_j - 10 n_j log10(d). For one collar
// only the sums rssiAt1m + rssiOffset_j are seen, so the split needs one more condition: the fitted
// scanners' mean offset stays what the site had (0 on a new site), which keeps every other collar's
// rssiAt1m meaning what it meant. With `offsets: false` the offsets stay and only the collar is fitted.
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
}

export type WalkFit =
  | { ok: false; error: string }
  | {
      ok: true;
      dog: string;
      rssiAt1mBefore: number;
      rssiAt1mAfter: number;
      fittedOffsets: boolean;
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
  fit(options: { offsets?: boolean } = {}): WalkFit {
    const fitOffsets = options.offsets !== false;
    const warnings: string[] = [];
    // Per scanner: one level sample per spot (median reading + the model's loss), and the cells' readings.
    const cells = new Map<string, Array<{ loss: number; readings: number[]; level: number }>>();
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
        list.push({ loss, readings, level: median(readings) + loss });
        used = true;
      }
      if (used) spotsUsed++;
    }
    if (cells.size === 0)
      return { ok: false, error: 'no spot has enough readings of the collar yet: collect at a spot first' };
    if (spotsUsed < 3)
      warnings.push(`only ${spotsUsed} spot(s): three or more spread around give a surer fit`);

    // Each scanner's level (rssiAt1m + its offset), robustly over its spots.
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
          sb += (r - (this.dog.rssiAt1m + s.rssiOffset - c.loss)) ** 2;
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
      });
    }
    return {
      ok: true,
      dog: this.dog.id,
      rssiAt1mBefore: this.dog.rssiAt1m,
      rssiAt1mAfter: rssiAt1m,
      fittedOffsets: fitOffsets,
      spots: spotsUsed,
      readings: all.n,
      rmseBefore: round1(Math.sqrt(all.before / all.n)),
      rmseAfter: round1(Math.sqrt(all.after / all.n)),
      scanners,
      warnings,
    };
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
  return JSON.stringify(doc, null, 2);
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
