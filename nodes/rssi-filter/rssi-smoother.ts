// The core of rssi-filter: smooths RSSI per (scanner, beacon) pair in event time. Pure: no Node-RED.
//
// Per pair, a 1-D Kalman filter on a random-walk RSSI (or a median / trimmed-mean window), with an
// outlier gate on the innovation. Readings arrive with `ts` (event time); a reading older than the
// pair's newest is still used as a measurement, but with no time step (time never runs backwards
// inside a filter). Pairs not heard for `forgetAfterMs` of event time are forgotten, and at most
// `maxPairs` are kept (the least recently heard are evicted first), so memory stays bounded.
// The bookkeeping is amortised, since it runs for every reading a hub hears: pairs sit in a Map per
// scanner keyed by the collar's mac (no key string built per reading), each stamped when last heard;
// a sweep by event time (every quarter of `forgetAfterMs`) drops the stale ones, and a full table evicts
// the least recently heard sixteenth at once, instead of reordering a Map on every reading.
// Event time is the event clock's (kernel/event-clock.ts): a reading stamped far ahead of the other
// scanners (live: of the wall clock) is refused, so one Pi's wrong clock cannot make every pair stale.
import { excerpt } from '../kernel/checks';
import { checkField } from '../kernel/settings';
import { RSSI_SMOOTHER_OPTIONS } from '../kernel/settings/rssi-filter';
import type { RssiReading } from '../kernel/contract';
import { EventClock, type ClockVerdict, type LiveMode } from '../kernel/event-clock';
import { SeqTracker, type StreamResult } from './seq-tracker';

export type SmoothingMode = 'kalman' | 'median' | 'trimmed-mean';
export const SMOOTHING_MODES: readonly SmoothingMode[] = ['kalman', 'median', 'trimmed-mean'];

export interface RssiFilterOptions {
  mode: SmoothingMode;
  /** How fast a pair's true RSSI drifts as the dog moves: random-walk variance per second, dB²/s. */
  processNoise: number;
  /** Variance of one reading around the pair's current level (fast fading), dB². */
  measurementNoise: number;
  /** Outlier gate in standard deviations of the innovation; 0 turns the gate off. */
  gateSigmas: number;
  /** After this many gated readings in a row, the pair accepts the new level (it really changed). */
  maxRejections: number;
  /** Readings in the median / trimmed-mean window. */
  windowSize: number;
  /** A pair not heard for this long (event time) is forgotten, ms. */
  forgetAfterMs: number;
  /** Most pairs kept; the least recently heard are evicted beyond it. */
  maxPairs: number;
  /** A reading more than this ahead of the other scanners (live: of the wall clock) is refused, ms. */
  maxAheadMs: number;
  /** Whether the wall clock bounds the readings: `auto` while the stream is within minutes of it. */
  live: LiveMode;
  /** The wall clock for the live check (ms since the epoch); none: only the scanners are compared. */
  now?: () => number;
}

/**
 * Defaults measured with the shared simulator (`npm run bench -- rssi-filter` prints the sweep):
 * - measurement noise 9 dB²: the radio's per-packet fast fading is 3 dB (plus 1/12 dB² of integer rounding);
 * - process noise 8 dB²/s: smaller values smooth the RSSI more (0.5 dB²/s gives the least RSSI error,
 *   3.6 dB RMS against 4.0 at 8) but lag a moving dog, and the positions downstream get worse (4.9 m RMSE
 *   at 0.5 against 4.5 m at 8 and at 16); 8 is where the position error bottoms out;
 * - a 3-sigma gate passes 99.7 % of good readings and stops the simulator's 12 dB reflections.
 */
export const DEFAULT_FILTER_OPTIONS: RssiFilterOptions = {
  mode: 'kalman',
  processNoise: 8,
  measurementNoise: 9,
  gateSigmas: 3,
  maxRejections: 3,
  windowSize: 5,
  forgetAfterMs: 60_000,
  maxPairs: 10_000,
  maxAheadMs: 5000,
  live: 'auto',
};

export type FilterVerdict = 'filtered' | 'outlier' | 'duplicate' | 'ahead';

export interface FilterResult {
  verdict: FilterVerdict;
  /** The filtered reading (`rssi` smoothed, `rssiRaw`, `rssiVar`) when the verdict is `filtered`. */
  reading?: RssiReading;
  /** What the scanner's seq said about this reading. */
  stream: StreamResult;
  /** Why the event clock refused the reading (verdict `ahead`). */
  skew?: Extract<ClockVerdict, { accepted: false }>;
}

export interface FilterStats {
  readings: number;
  filtered: number;
  outliers: number;
  duplicates: number;
  seqGaps: number;
  forgotten: number;
  /** Pairs evicted because `maxPairs` were kept (the limit was reached). */
  evicted: number;
  /** Readings refused by the event clock (stamped too far ahead). */
  clockSkew: number;
}

interface PairState {
  /** Filtered RSSI, dB, and its variance, dB². */
  level: number;
  variance: number;
  /** Newest ts used by this pair. */
  lastTs: number;
  rejections: number;
  window: Float64Array | undefined;
  windowCount: number;
  /** When this pair was last heard, in readings taken (the eviction order). */
  heard: number;
}

/** A full table evicts this fraction of its pairs at once (at least one). */
const EVICT_FRACTION = 1 / 16;

export class RssiSmoother {
  readonly options: RssiFilterOptions;
  readonly stats: FilterStats = {
    readings: 0,
    filtered: 0,
    outliers: 0,
    duplicates: 0,
    seqGaps: 0,
    forgotten: 0,
    evicted: 0,
    clockSkew: 0,
  };
  /** The stream's event time, bounded against wrong scanner clocks. */
  readonly clock: EventClock;
  /** Pairs by scanner, then by collar mac. */
  private readonly pairs = new Map<string, Map<string, PairState>>();
  private pairTotal = 0;
  /** The pair limit in force: `maxPairs`, or more for a site that needs more (see `setPairLimit`). */
  private pairLimit: number;
  /** Readings taken so far: the stamp of a pair heard now. */
  private heardCount = 0;
  private readonly streams = new SeqTracker();
  /** Newest event time seen, ms: the filter's "now". */
  private now = -Infinity;
  /** Event time of the next sweep for stale pairs. */
  private nextSweep = -Infinity;
  private readonly scratch: number[] = [];

  constructor(options: Partial<RssiFilterOptions> = {}) {
    this.options = checkOptions({ ...DEFAULT_FILTER_OPTIONS, ...options });
    const { maxAheadMs, live, now } = this.options;
    this.clock = new EventClock({ maxAheadMs, live, now });
    this.pairLimit = this.options.maxPairs;
  }

  /** The site's scanners: their clocks are always tracked (others only a few at a time). */
  setScanners(ids: Iterable<string>): void {
    this.clock.setKnown(ids);
  }

  get pairCount(): number {
    return this.pairTotal;
  }

  /** The most pairs kept now (`maxPairs`, or the site's need when larger). */
  get maxPairs(): number {
    return this.pairLimit;
  }

  /** Raises the pair limit above `maxPairs` (a site that needs more); never lowers it below `maxPairs`. */
  setPairLimit(limit: number): void {
    this.pairLimit = Math.max(this.options.maxPairs, Math.floor(limit));
  }

  /**
   * Takes one (valid) reading; returns the filtered reading, or why there is none. The filtered reading is
   * a copy, or with `inPlace` the reading itself with `rssi`, `rssiRaw` and `rssiVar` set (a Node-RED node
   * owns the msg it received, so the adapter saves a copy of every reading).
   */
  accept(reading: RssiReading, inPlace = false): FilterResult {
    this.stats.readings++;
    const skew = this.clock.observe(reading.scanner, reading.ts);
    if (!skew.accepted) {
      const stream = this.streams.check(reading.scanner, reading.seq, reading.ts, false);
      this.stats.seqGaps += stream.gap;
      this.stats.clockSkew++;
      return { verdict: 'ahead', stream, skew };
    }
    const stream = this.streams.check(reading.scanner, reading.seq, reading.ts);
    this.stats.seqGaps += stream.gap;
    if (stream.verdict === 'duplicate') {
      this.stats.duplicates++;
      return { verdict: 'duplicate', stream };
    }
    const time = this.clock.time ?? reading.ts;
    if (time > this.now) {
      this.now = time;
      if (time >= this.nextSweep) this.forgetStale();
    }
    let pair = this.pairs.get(reading.scanner)?.get(reading.mac);
    if (!pair) {
      pair = this.newPair(reading);
    } else if (pair.lastTs < this.now - this.options.forgetAfterMs) {
      // Stale but not swept yet: it starts afresh, as if it had been forgotten.
      this.reset(pair, reading.ts);
      this.stats.forgotten++;
    }
    pair.heard = ++this.heardCount;
    const accepted =
      this.options.mode === 'kalman' ? this.kalman(pair, reading) : this.windowed(pair, reading);
    if (reading.ts > pair.lastTs) pair.lastTs = reading.ts;
    if (!accepted) {
      this.stats.outliers++;
      return { verdict: 'outlier', stream };
    }
    this.stats.filtered++;
    const rssi = round2(pair.level);
    const rssiVar = round2(pair.variance);
    if (inPlace) {
      reading.rssiRaw = reading.rssi;
      reading.rssi = rssi;
      reading.rssiVar = rssiVar;
      return { verdict: 'filtered', stream, reading };
    }
    return { verdict: 'filtered', stream, reading: { ...reading, rssi, rssiRaw: reading.rssi, rssiVar } };
  }

  /** A new pair for the reading's (scanner, mac), made room for and added to the table. */
  private newPair(reading: RssiReading): PairState {
    if (this.pairTotal >= this.pairLimit) this.makeRoom();
    let byMac = this.pairs.get(reading.scanner);
    if (!byMac) {
      byMac = new Map();
      this.pairs.set(reading.scanner, byMac);
    }
    const pair: PairState = {
      level: Number.NaN,
      variance: Number.NaN,
      lastTs: reading.ts,
      rejections: 0,
      window: this.options.mode === 'kalman' ? undefined : new Float64Array(this.options.windowSize),
      windowCount: 0,
      heard: 0,
    };
    byMac.set(reading.mac, pair);
    this.pairTotal++;
    return pair;
  }

  private reset(pair: PairState, ts: number): void {
    pair.level = Number.NaN;
    pair.variance = Number.NaN;
    pair.lastTs = ts;
    pair.rejections = 0;
    pair.windowCount = 0;
  }

  /** The table is full: forget the stale pairs, and if that is not enough, evict the least recently heard. */
  private makeRoom(): void {
    this.forgetStale();
    if (this.pairTotal < this.pairLimit) return;
    const evict = Math.max(
      1,
      Math.floor(this.pairLimit * EVICT_FRACTION),
      this.pairTotal - this.pairLimit + 1,
    );
    const stamps = new Float64Array(this.pairTotal);
    let i = 0;
    for (const byMac of this.pairs.values()) for (const pair of byMac.values()) stamps[i++] = pair.heard;
    stamps.sort();
    // Stamps are unique (one per reading taken), so exactly `evict` pairs are at or below this one.
    const newestEvicted = stamps[evict - 1] ?? Infinity;
    this.removeWhere((pair) => pair.heard <= newestEvicted);
    this.stats.evicted += evict;
  }

  /** Forgets pairs not heard for forgetAfterMs of event time; next sweep a quarter of that later. */
  private forgetStale(): void {
    const horizon = this.now - this.options.forgetAfterMs;
    this.nextSweep = this.now + this.options.forgetAfterMs / 4;
    this.stats.forgotten += this.removeWhere((pair) => pair.lastTs < horizon);
  }

  private removeWhere(drop: (pair: PairState) => boolean): number {
    let removed = 0;
    for (const [scanner, byMac] of this.pairs) {
      for (const [mac, pair] of byMac) {
        if (!drop(pair)) continue;
        byMac.delete(mac);
        removed++;
      }
      if (byMac.size === 0) this.pairs.delete(scanner);
    }
    this.pairTotal -= removed;
    return removed;
  }

  /** One Kalman step; false when the gate refused the reading. */
  private kalman(pair: PairState, reading: RssiReading): boolean {
    const r = this.options.measurementNoise;
    const z = reading.rssi;
    if (Number.isNaN(pair.level)) {
      pair.level = z;
      pair.variance = r;
      return true;
    }
    const dtS = Math.max(0, reading.ts - pair.lastTs) / 1000;
    const predicted = pair.variance + this.options.processNoise * dtS;
    const innovation = z - pair.level;
    const s = predicted + r;
    if (this.gated(pair, innovation, s)) {
      pair.variance = predicted; // the time still passed
      return false;
    }
    if (pair.rejections >= this.options.maxRejections) {
      // The level really moved (a door shut, the dog lay down behind a wall): start again from here.
      pair.level = z;
      pair.variance = r;
    } else {
      const gain = predicted / s;
      pair.level += gain * innovation;
      pair.variance = (1 - gain) * predicted;
    }
    pair.rejections = 0;
    return true;
  }

  /** Median or trimmed mean of the last `windowSize` readings; false when the gate refused it. */
  private windowed(pair: PairState, reading: RssiReading): boolean {
    const window = pair.window!;
    const size = window.length;
    if (pair.windowCount > 0) {
      const innovation = reading.rssi - pair.level;
      if (this.gated(pair, innovation, pair.variance + this.options.measurementNoise)) return false;
      if (pair.rejections >= this.options.maxRejections) pair.windowCount = 0;
      pair.rejections = 0;
    }
    window[pair.windowCount % size] = reading.rssi;
    pair.windowCount++;
    const n = Math.min(pair.windowCount, size);
    const values = this.scratch;
    values.length = n;
    for (let i = 0; i < n; i++) values[i] = window[i];
    values.sort((a, b) => a - b);
    if (this.options.mode === 'median') {
      pair.level = n % 2 === 1 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
      // The median of n normal samples has about pi/2 times the variance of their mean.
      pair.variance = ((Math.PI / 2) * this.options.measurementNoise) / n;
    } else {
      const cut = Math.floor(n / 4);
      let sum = 0;
      for (let i = cut; i < n - cut; i++) sum += values[i];
      pair.level = sum / (n - 2 * cut);
      // Trimming a quarter at each end costs about 1.2 times the variance of the mean.
      pair.variance = (1.2 * this.options.measurementNoise) / n;
    }
    return true;
  }

  private gated(pair: PairState, innovation: number, innovationVariance: number): boolean {
    const g = this.options.gateSigmas;
    if (g <= 0 || pair.rejections >= this.options.maxRejections) return false;
    if (innovation * innovation <= g * g * innovationVariance) return false;
    pair.rejections++;
    return true;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Throws a clear error for options a user could mistype in the editor. The ranges are the node's settings
 * table's (nodes/kernel/settings/rssi-filter.ts), so the editor, the adapter and the core agree.
 */
export function checkOptions(o: RssiFilterOptions): RssiFilterOptions {
  if (!SMOOTHING_MODES.includes(o.mode))
    throw new Error(`mode must be one of ${SMOOTHING_MODES.join(', ')}, got ${String(o.mode)}`);
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(RSSI_SMOOTHER_OPTIONS)) {
    const value: unknown = o[name as keyof typeof RSSI_SMOOTHER_OPTIONS];
    // A core option is a number or nothing: a string would pass checkField as the editor's text would.
    const problem =
      typeof value === 'number'
        ? checkField(spec, value, name, (v) => excerpt(v))
        : `${name} must be a number`;
    if (problem !== undefined) problems.push(problem);
  }
  if (o.live !== 'auto' && o.live !== true && o.live !== false)
    problems.push(`live must be auto, true or false, not ${excerpt(o.live)}`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return o;
}
