// The core of trilaterate: readings in, one position per dog per interval of EVENT time out. Pure.
//
// Windows are aligned to multiples of `intervalMs` since the epoch. Each reading goes into its dog's
// open window; when a reading's `ts` reaches the end of the open window, every dog heard in that window
// gets a fix (solver.ts) that feeds its motion tracker (tracker.ts), and one position is emitted per dog,
// stamped with the window's end. No timer is involved: a recorded capture replayed at any speed gives the
// same positions. A reading that arrives after its window closed counts in the open one (it is late, not
// wrong). Per scanner a window uses the newest filtered RSSI when rssi-filter ran upstream (it already
// averages; its rssiVar is added to the model variance), else the median of the raw readings. The fix is
// taken at the mean time of the window's readings and the tracker carries it to the window's end. Full fixes
// (4+ scanners) also teach ScannerGains each scanner's gain error, and each dog keeps a running level offset
// that seeds the next fix's prior.
//
// Time moves only with readings from the site's scanners that the event clock (kernel/event-clock.ts)
// accepts: a reading stamped far ahead of the other scanners (a Pi's clock jumped), or of the wall clock
// when live, is refused and counted, and cannot close windows early or make every real reading late.
import { excerpt } from '../kernel/checks';
import { EventClock, type ClockVerdict, type LiveMode } from '../kernel/event-clock';
import { checkField } from '../kernel/settings';
import { LOCATOR_OPTIONS } from '../kernel/settings/trilaterate';
import type { Position, RssiReading } from '../kernel/contract';
import type { Dog } from '../kernel/site-document';
import type { LocatorSite, SiteScanners, ZoneSource } from '../kernel/site-view';
import { solvePosition, type Anchor, type Cov2, type Fix, type Observation, type Region } from './solver';
import { ScannerGains } from './scanner-gains';
import {
  LinkCalibration,
  savedDogLevel,
  scannerOfBeacon,
  type CalibrationState,
  type ScannerCalibration,
} from './calibration';
import { AccelMotion, MotionTracker, type TrackerOptions } from './tracker';

export interface LocatorOptions {
  /** Output interval, ms of event time. */
  intervalMs: number;
  /** Also track beacons that belong to no dog of the site (named by their reading id). */
  trackAll: boolean;
  /** Run the motion tracker (else each position is the window's fix alone). */
  tracking: boolean;
  /**
   * Estimate, with each fix, a level offset common to all scanners (dB), around the dog's recent average
   * with sigma `biasSigmaDb`; 0 turns it off. It absorbs a wrong path-loss exponent or rssiAt1m.
   */
  biasSigmaDb: number;
  /**
   * Learn each scanner's gain error from the fixes (see scanner-gains.ts): the weight of one fix in the
   * running average; 0 turns it off. 0.01 with a level-offset sigma of 8 dB and a model sigma of 7 dB was
   * best over the trilaterate and trilaterate-calibration benchmarks (see README).
   */
  gainLearningRate: number;
  /**
   * Sigma of the window RSSI around the site's model, dB: shadowing, scanner gain and path-loss exponent
   * errors, body shadowing. Measured with the shared simulator (see README, trilaterate benchmark).
   */
  modelSigmaDb: number;
  /**
   * Learn each scanner's receive offset and path-loss exponent from the scanners' own beacons
   * (`scanner:<id>` readings, see calibration.ts) and apply them.
   */
  calibration: boolean;
  /**
   * Use the collars' accelerometer frames (`minew-accel` readings, which carry RSSI like any other and
   * so reach trilaterate on the same wire) to tell the tracker when a dog is still or running. A collar
   * that sends none changes nothing.
   */
  accelAid: boolean;
  /**
   * The scanners' sensitivity, dBm: the weakest RSSI they report. Readings near it are only the packets
   * that happened to arrive strong, and the fit allows for it (censoring.ts).
   */
  sensitivityDbm: number;
  /** A packet's sigma around its place's mean for that allowance, dB (fast fading); 0 turns it off. */
  censoringSigmaDb: number;
  /** The search region reaches this far beyond the scanners, m (a dog outside the yard is still found). */
  regionMarginM: number;
  /**
   * Most tracks kept (dogs plus other beacons); the least recently heard is dropped beyond it. A site with
   * more dogs raises it to twice its dogs (see `trackLimit`).
   */
  maxTracks: number;
  /** A track not heard for this long is forgotten, ms. */
  forgetAfterMs: number;
  tracker: Partial<TrackerOptions>;
  /** A reading more than this ahead of the other scanners (live: of the wall clock) is refused, ms. */
  maxAheadMs: number;
  /** Whether the wall clock bounds the readings: `auto` while the stream is within minutes of it. */
  live: LiveMode;
  /** The wall clock (ms since the epoch) for the live check; none: only the scanners are compared. */
  now?: () => number;
  /** Told of every refused reading (the adapter counts, logs and shows them). */
  onRefused?: (reading: RssiReading, verdict: Extract<ClockVerdict, { accepted: false }>) => void;
}

export const DEFAULT_LOCATOR_OPTIONS: LocatorOptions = {
  intervalMs: 1000,
  trackAll: false,
  tracking: true,
  biasSigmaDb: 8,
  gainLearningRate: 0.01,
  modelSigmaDb: 7,
  calibration: true,
  accelAid: true,
  sensitivityDbm: -95,
  censoringSigmaDb: 3,
  regionMarginM: 2,
  maxTracks: 1000,
  forgetAfterMs: 300_000,
  tracker: {},
  maxAheadMs: 5000,
  live: 'auto',
};

/** Variance of one raw reading around its window's level (fast fading), dB², as in rssi-filter. */
const RAW_READING_VARIANCE = 9;
/** Weight of each new fix in a dog's running level offset (a time constant of about 10 fixes). */
const BIAS_AVERAGING = 0.1;
/** Readings kept per scanner per window (a collar advertising every 100 ms gives 10). */
const MAX_WINDOW_READINGS = 32;
/** Scanner-to-scanner calibration is refitted at most this often, ms of event time. */
const CALIBRATION_REFIT_MS = 10_000;

export interface LocatorStats {
  readings: number;
  unknownBeacon: number;
  unknownScanner: number;
  positions: number;
  refusedFixes: number;
  /** Readings refused by the event clock (stamped too far ahead). */
  clockSkew: number;
  /** Tracks dropped because the track limit was reached. */
  evictedTracks: number;
  /** Readings of scanners' own beacons (calibration links). */
  scannerBeacons: number;
}

interface ScannerWindow {
  values: number[];
  /** Newest filtered value and its variance (when the readings carry rssiVar). */
  filtered: number;
  filteredVar: number;
  filteredTs: number;
}

interface Track {
  key: string;
  dogId: string;
  rssiAt1m: number;
  tagHeight: number;
  window: Map<string, ScannerWindow>;
  tracker: MotionTracker;
  lastHeardTs: number;
  /** Sum and count of the window's reading times: the fix is taken at their mean. */
  windowTsSum: number;
  windowCount: number;
  /** Running average of the level offsets of this dog's fixes, dB. */
  biasDb: number;
  /** Still / moving / running from the collar's accelerometer frames (created at the first frame). */
  motion?: AccelMotion;
  /** When this track was last heard, in readings taken (the eviction order, and the order windows close in). */
  heard: number;
}

export class Locator {
  readonly options: LocatorOptions;
  readonly stats: LocatorStats = {
    readings: 0,
    unknownBeacon: 0,
    unknownScanner: 0,
    positions: 0,
    refusedFixes: 0,
    clockSkew: 0,
    evictedTracks: 0,
    scannerBeacons: 0,
  };
  /** The stream's event time, bounded against wrong scanner clocks. */
  readonly clock: EventClock;
  private site: LocatorSite;
  /** The site's scanners, and the same with the calibration applied (what the fixes use). */
  private sitedAnchors = new Map<string, Anchor>();
  private anchors = new Map<string, Anchor>();
  private readonly links = new LinkCalibration();
  private calibrated = new Map<string, ScannerCalibration>();
  private lastFitTs = -Infinity;
  /** Each dog's learned level offset (its collar's power against the site), dB: seeds new tracks. */
  private readonly dogLevels = new Map<string, number>();
  /** Counts changes of what calibration learned, so an adapter knows when to save it. */
  calibrationVersion = 0;
  private readonly censoring?: { floorDbm: number; sigmaDb: number };
  private region: Region = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  /**
   * Tracks by beacon key, each stamped when last heard: a reading costs one lookup, no Map reorder. Windows
   * close in the order last heard (oldest first), the order of the fixes' learning, so it is kept.
   */
  private readonly tracks = new Map<string, Track>();
  private heardCount = 0;
  /** The tracks of a closing window, oldest heard first (reused, not made per window). */
  private readonly closing: Track[] = [];
  /** `dog:<id>` per site dog, so a reading builds no key string. */
  private readonly dogKeys = new Map<string, string>();
  private windowEnd = Number.NaN;
  private gains = new ScannerGains(DEFAULT_LOCATOR_OPTIONS.gainLearningRate);
  /** maxTracks, or twice the site's dogs when that is more. */
  private trackLimitNow = DEFAULT_LOCATOR_OPTIONS.maxTracks;

  constructor(site: LocatorSite, options: Partial<LocatorOptions> = {}) {
    this.options = checkLocatorOptions({ ...DEFAULT_LOCATOR_OPTIONS, ...options });
    this.clock = new EventClock({
      maxAheadMs: this.options.maxAheadMs,
      live: this.options.live,
      now: this.options.now,
    });
    this.site = site;
    const { sensitivityDbm: floorDbm, censoringSigmaDb: sigmaDb } = this.options;
    if (sigmaDb > 0) this.censoring = { floorDbm, sigmaDb };
    this.setSite(site);
  }

  get trackCount(): number {
    return this.tracks.size;
  }

  /** The most tracks kept now: `maxTracks`, or twice the site's dogs when that is more. */
  get trackLimit(): number {
    return this.trackLimitNow;
  }

  /** The gain corrections learned so far, dB per scanner (added to the site's rssiOffset). */
  get scannerGains(): ReadonlyMap<string, number> {
    return this.gains.all;
  }

  /** Per scanner, what scanner-to-scanner calibration learned (empty until links were heard). */
  get calibration(): ReadonlyMap<string, ScannerCalibration> {
    return this.calibrated;
  }

  /** Each dog's learned level offset, dB (its collar's power error against the site, roughly). */
  get dogLevelOffsets(): ReadonlyMap<string, number> {
    return this.dogLevels;
  }

  /** What calibration learned, as JSON to keep across restarts. */
  calibrationState(): CalibrationState {
    const scanners: Record<string, [number, number, number]> = {};
    for (const a of this.sitedAnchors.values()) scanners[a.id] = [a.x, a.y, a.z];
    return { v: 1, links: this.links.exportLinks(), dogs: Object.fromEntries(this.dogLevels), scanners };
  }

  /** Takes back a saved state (anything not well formed is ignored) and refits at once. */
  restoreCalibration(state: unknown): void {
    if (typeof state !== 'object' || state === null || (state as { v?: unknown }).v !== 1) return;
    const { links, dogs, scanners } = state as { links?: unknown; dogs?: unknown; scanners?: unknown };
    const moved = movedSince(scanners, this.sitedAnchors);
    this.links.importLinks(
      Array.isArray(links) && moved.size > 0
        ? links.filter((l: unknown) => {
            const [tx, rx] = Array.isArray(l) ? (l as unknown[]) : [];
            return !moved.has(String(tx)) && !moved.has(String(rx));
          })
        : links,
    );
    if (typeof dogs === 'object' && dogs !== null)
      for (const [dog, value] of Object.entries(dogs).slice(0, this.options.maxTracks)) {
        const level = savedDogLevel(value);
        if (level !== undefined) this.dogLevels.set(dog, level);
      }
    this.refit();
  }

  /** Forgets everything calibration learned (links, scanner corrections, dog levels). */
  resetCalibration(): void {
    this.links.clear();
    this.dogLevels.clear();
    for (const track of this.tracks.values()) track.biasDb = 0;
    this.refit();
  }

  private refit(): void {
    this.calibrated = this.options.calibration
      ? this.links.fit([...this.sitedAnchors.values()], this.site.defaults.rssiAt1m)
      : new Map<string, ScannerCalibration>();
    this.anchors = new Map(
      [...this.sitedAnchors].map(([id, a]) => {
        const c = this.calibrated.get(id);
        return [
          id,
          c
            ? {
                ...a,
                rssiOffset: a.rssiOffset + c.offsetDb,
                pathLossExponent: Math.max(a.pathLossExponent + c.exponentDelta, 1),
              }
            : a,
        ];
      }),
    );
    this.calibrationVersion++;
  }

  /**
   * Applies a new site. Dogs no longer in it are dropped. When no scanner of the old site moved (a zone or
   * dog edit, a scanner added), the tracks, their open windows and what calibration learned go on. A
   * moved scanner makes the coordinates and its links stale: every track's motion restarts, its open window
   * is dropped, and the links to and from the moved scanners are forgotten. Learned gains restart when a
   * scanner moved or its site offset or exponent changed (they are corrections on top of those).
   */
  setSite(site: LocatorSite): void {
    const { moved, retuned } = scannerChanges(this.sitedAnchors, site.scanners);
    this.site = site;
    this.dogKeys.clear();
    this.trackLimitNow = Math.max(this.options.maxTracks, 2 * site.dogs.length);
    this.sitedAnchors = new Map(
      site.scanners.map((s) => [
        s.id,
        { id: s.id, x: s.x, y: s.y, z: s.z, rssiOffset: s.rssiOffset, pathLossExponent: s.pathLossExponent },
      ]),
    );
    if (moved.size > 0) {
      const kept = this.links.exportLinks().filter(([tx, rx]) => !moved.has(tx) && !moved.has(rx));
      this.links.clear();
      this.links.importLinks(kept);
    }
    this.refit();
    this.region = regionAround(site, this.options.regionMarginM);
    this.clock.setKnown(site.scanners.map((s) => s.id));
    if (moved.size > 0 || retuned) this.gains = new ScannerGains(this.options.gainLearningRate);
    for (const [key, track] of this.tracks) {
      const dog = site.dog(track.dogId);
      if (moved.size > 0) {
        track.tracker = new MotionTracker(this.options.tracker);
        track.window.clear();
        track.windowTsSum = 0;
        track.windowCount = 0;
      }
      if (dog) {
        track.rssiAt1m = dog.rssiAt1m;
        track.tagHeight = dog.tagHeight;
      } else if (!this.options.trackAll || track.dogId !== track.key) {
        this.tracks.delete(key);
      }
    }
  }

  /** Takes one valid reading; returns the positions of the windows it closed (often none). */
  add(reading: RssiReading): Position[] {
    this.stats.readings++;
    // A scanner the site does not place tells nothing, and its clock must not move time either.
    const anchor = this.anchors.get(reading.scanner);
    if (!anchor) {
      this.stats.unknownScanner++;
      return [];
    }
    const verdict = this.clock.observe(anchor.id, reading.ts);
    if (!verdict.accepted) {
      this.stats.clockSkew++;
      this.options.onRefused?.(reading, verdict);
      return [];
    }
    const closed = this.advanceTo(reading.ts);
    const beaconOf = scannerOfBeacon(reading.id);
    if (beaconOf !== undefined) {
      // A scanner's own beacon: a calibration link, not a beacon to track.
      this.stats.scannerBeacons++;
      if (this.options.calibration && this.anchors.has(beaconOf))
        this.links.observe(beaconOf, anchor.id, reading.rssi);
      return closed;
    }
    const track = this.trackFor(reading);
    if (!track) {
      this.stats.unknownBeacon++;
      return closed;
    }
    track.lastHeardTs = Math.max(track.lastHeardTs, reading.ts);
    const accel = reading.frame === 'minew-accel' ? reading.minew?.accel : undefined;
    if (accel && this.options.accelAid) (track.motion ??= new AccelMotion()).frame(reading.ts, accel);
    track.windowTsSum += reading.ts;
    track.windowCount++;
    let w = track.window.get(anchor.id);
    if (!w) {
      w = { values: [], filtered: Number.NaN, filteredVar: 0, filteredTs: -Infinity };
      track.window.set(anchor.id, w);
    }
    if (w.values.length < MAX_WINDOW_READINGS) w.values.push(reading.rssi);
    if (reading.rssiVar !== undefined && reading.ts >= w.filteredTs) {
      w.filtered = reading.rssi;
      w.filteredVar = reading.rssiVar;
      w.filteredTs = reading.ts;
    }
    return closed;
  }

  /** Closes every window that ends at or before `ts` (event time); returns their positions. */
  advanceTo(ts: number): Position[] {
    const interval = this.options.intervalMs;
    if (Number.isNaN(this.windowEnd)) {
      this.windowEnd = Math.floor(ts / interval) * interval + interval;
      return [];
    }
    if (ts < this.windowEnd) return [];
    const end = this.windowEnd;
    this.windowEnd = Math.floor(ts / interval) * interval + interval;
    if (this.links.dirty && end - this.lastFitTs >= CALIBRATION_REFIT_MS) {
      this.lastFitTs = end;
      this.refit();
    }
    const out: Position[] = [];
    const closing = this.closing;
    for (const track of this.tracks.values()) closing.push(track);
    closing.sort(byHeard);
    for (const track of closing) {
      if (track.window.size > 0) {
        const position = this.locate(track, end);
        track.window.clear();
        track.windowTsSum = 0;
        track.windowCount = 0;
        if (position) out.push(position);
      } else if (end - track.lastHeardTs > this.options.forgetAfterMs) {
        this.tracks.delete(track.key);
      }
    }
    closing.length = 0;
    this.stats.positions += out.length;
    return out;
  }

  private trackFor(reading: RssiReading): Track | undefined {
    const named = typeof reading.dog === 'string' ? this.site.dog(reading.dog) : undefined;
    const dog: Dog | undefined = named ?? this.site.dogByBeacon(reading.mac, reading.id);
    if (!dog && !this.options.trackAll) return undefined;
    const key = dog
      ? this.dogKey(dog.id)
      : (typeof reading.id === 'string' ? reading.id : `mac:${reading.mac}`).toLowerCase();
    let track = this.tracks.get(key);
    if (track) {
      track.heard = ++this.heardCount;
      return track;
    }
    if (this.tracks.size >= this.trackLimitNow) this.evictOldestTrack();
    const d = this.site.defaults;
    track = {
      key,
      dogId: dog ? dog.id : key,
      rssiAt1m: dog ? dog.rssiAt1m : d.rssiAt1m,
      tagHeight: dog ? dog.tagHeight : d.tagHeight,
      window: new Map(),
      tracker: new MotionTracker(this.options.tracker),
      lastHeardTs: reading.ts,
      windowTsSum: 0,
      windowCount: 0,
      biasDb: this.dogLevels.get(dog ? dog.id : key) ?? 0,
      heard: ++this.heardCount,
    };
    this.tracks.set(key, track);
    return track;
  }

  private dogKey(id: string): string {
    let key = this.dogKeys.get(id);
    if (key === undefined) {
      key = `dog:${id}`;
      this.dogKeys.set(id, key);
    }
    return key;
  }

  /** Drops the track heard least recently (a scan of the tracks, only for a new one beyond the limit). */
  private evictOldestTrack(): void {
    let oldest: Track | undefined;
    for (const track of this.tracks.values()) if (!oldest || track.heard < oldest.heard) oldest = track;
    if (oldest) {
      this.tracks.delete(oldest.key);
      this.stats.evictedTracks++;
    }
  }

  /** The fix of one closed window, fed to the tracker; the position is stamped with the window's end. */
  private locate(track: Track, end: number): Position | undefined {
    const observations: Observation[] = [];
    const model = this.options.modelSigmaDb ** 2;
    for (const [scannerId, w] of track.window) {
      const sited = this.anchors.get(scannerId);
      if (!sited) continue; // the site changed under this window
      const gain = this.gains.correction(scannerId);
      const anchor = gain === 0 ? sited : { ...sited, rssiOffset: sited.rssiOffset + gain };
      if (!Number.isNaN(w.filtered)) {
        observations.push({ anchor, rssi: w.filtered, variance: model + w.filteredVar });
      } else {
        const n = w.values.length;
        const variance = model + ((Math.PI / 2) * RAW_READING_VARIANCE) / n;
        observations.push({ anchor, rssi: median(w.values), variance });
      }
    }
    // The window's readings describe the dog at their mean time, not at the window's end.
    const fixTs = track.windowCount > 0 ? Math.min(end, track.windowTsSum / track.windowCount) : end;
    const tracker = track.tracker;
    const biasSigma = this.options.biasSigmaDb;
    const fix = solvePosition({
      observations,
      rssiAt1m: track.rssiAt1m,
      tagHeight: track.tagHeight,
      region: this.region,
      prior: tracker.predictedAt(fixTs),
      bias: biasSigma > 0 ? { priorDb: track.biasDb, sigmaDb: biasSigma } : undefined,
      censoring: this.censoring,
    });
    if (!fix) return undefined;
    if (fix.method === 'nlls') {
      track.biasDb += BIAS_AVERAGING * (fix.biasDb - track.biasDb);
      if (this.dogLevels.size < this.options.maxTracks || this.dogLevels.has(track.dogId))
        this.dogLevels.set(track.dogId, track.biasDb);
      if (this.options.gainLearningRate > 0)
        this.gains.learn(fix.x, fix.y, fix.biasDb, track.rssiAt1m, track.tagHeight, observations);
    }
    if (!this.options.tracking) return this.position(track.dogId, end, fix.x, fix.y, fix.cov, fix, undefined);
    const verdict = tracker.update(fix, fixTs, track.motion?.hint(fixTs));
    if (verdict === 'refused') this.stats.refusedFixes++;
    const state = tracker.stateAt(end);
    // The solver searches only the region; the tracker's extrapolation must not carry the dog out of it.
    const r = this.region;
    const x = Math.min(Math.max(state.x, r.minX), r.maxX);
    const y = Math.min(Math.max(state.y, r.minY), r.maxY);
    return this.position(track.dogId, end, x, y, state.cov, fix, { vx: state.vx, vy: state.vy });
  }

  private position(
    dog: string,
    ts: number,
    x: number,
    y: number,
    cov: Cov2,
    fix: Fix,
    velocity: { vx: number; vy: number } | undefined,
  ): Position {
    const position: Position = {
      v: 1,
      type: 'position',
      dog,
      ts,
      x: round(x, 100),
      y: round(y, 100),
      accuracy: round(Math.sqrt(cov[0][0] + cov[1][1]), 100),
      cov: [
        [round(cov[0][0], 1000), round(cov[0][1], 1000)],
        [round(cov[1][0], 1000), round(cov[1][1], 1000)],
      ],
      scanners: fix.scanners,
      // The tracker's estimate from a full fix is `tracker`; from fewer than 3 scanners, say what fed it.
      method: velocity && fix.method === 'nlls' ? 'tracker' : fix.method,
    };
    if (velocity) {
      position.vx = round(velocity.vx, 100);
      position.vy = round(velocity.vy, 100);
    }
    const geo = this.site.toWgs84(x, y);
    if (geo) {
      position.lat = round(geo.lat, 1e7);
      position.lon = round(geo.lon, 1e7);
    }
    return position;
  }
}

/**
 * Where a dog can be: the bounding box of the scanners and of the site's zones (a zone is a place dogs
 * go), plus a margin. An axis the scanners do not span (one scanner, or a line of them) gets 20 m, so the
 * search still has room; no scanners at all, a 20 m square around the origin.
 */
export function regionAround(site: SiteScanners & ZoneSource, margin: number): Region {
  const scanners = site.scanners;
  if (scanners.length === 0) return { minX: -10, minY: -10, maxX: 10, maxY: 10 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const include = (x: number, y: number): void => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const s of scanners) include(s.x, s.y);
  for (const z of site.zones) {
    if (z.shape === 'circle') {
      include(z.circle.x - z.circle.r, z.circle.y - z.circle.r);
      include(z.circle.x + z.circle.r, z.circle.y + z.circle.r);
    } else {
      for (const [x, y] of z.polygon) include(x, y);
    }
  }
  const m = Math.max(margin, 0);
  const padX = maxX - minX < 2 ? 10 : m;
  const padY = maxY - minY < 2 ? 10 : m;
  return { minX: minX - padX, minY: minY - padY, maxX: maxX + padX, maxY: maxY + padY };
}

/** A scanner moved when it is more than this far from where the old site put it, m. */
const MOVED_M = 0.01;

/** Scanners of the old site placed elsewhere by the new one; whether any kept scanner's gain settings changed. */
function scannerChanges(
  before: ReadonlyMap<string, Anchor>,
  after: SiteScanners['scanners'],
): { moved: Set<string>; retuned: boolean } {
  const moved = new Set<string>();
  let retuned = false;
  for (const s of after) {
    const a = before.get(s.id);
    if (!a) continue;
    if (Math.hypot(s.x - a.x, s.y - a.y, s.z - a.z) > MOVED_M) moved.add(s.id);
    if (s.rssiOffset !== a.rssiOffset || s.pathLossExponent !== a.pathLossExponent) retuned = true;
  }
  return { moved, retuned };
}

/** Scanners a saved state places elsewhere than the site does now (a state without places: none). */
function movedSince(saved: unknown, now: ReadonlyMap<string, Anchor>): Set<string> {
  const moved = new Set<string>();
  if (typeof saved !== 'object' || saved === null) return moved;
  const places = saved as Record<string, unknown>;
  for (const a of now.values()) {
    if (!Object.hasOwn(places, a.id)) continue;
    const p: unknown = places[a.id];
    const xyz = Array.isArray(p) && p.length === 3 ? (p as unknown[]) : [];
    const [x, y, z] = xyz.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN));
    // A place not well formed counts as moved: its links are not trusted.
    if (!(Math.hypot(x - a.x, y - a.y, z - a.z) <= MOVED_M)) moved.add(a.id);
  }
  return moved;
}

function byHeard(a: { heard: number }, b: { heard: number }): number {
  return a.heard - b.heard;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function round(v: number, scale: number): number {
  return Math.round(v * scale) / scale;
}

/** Throws naming each bad option; the editor-facing ranges are trilaterate's settings table's. */
export function checkLocatorOptions(o: LocatorOptions): LocatorOptions {
  const given: Record<keyof typeof LOCATOR_OPTIONS, unknown> = {
    intervalMs: o.intervalMs,
    modelSigmaDb: o.modelSigmaDb,
    regionMarginM: o.regionMarginM,
    maxTracks: o.maxTracks,
    maxSpeed: o.tracker.maxSpeed,
    maxAheadMs: o.maxAheadMs,
  };
  for (const [name, spec] of Object.entries(LOCATOR_OPTIONS)) {
    const value = given[name as keyof typeof LOCATOR_OPTIONS];
    // Numbers only: checkField would read a string as the editor's text.
    if (value !== undefined && typeof value !== 'number') throw new Error(`${name} must be a number`);
    const problem = checkField(spec, value, name, (v) => excerpt(v));
    if (problem !== undefined) throw new Error(problem);
  }
  if (!(Number.isFinite(o.sensitivityDbm) && o.sensitivityDbm <= 0))
    throw new Error(`sensitivityDbm must be a number of dBm, 0 or below, not ${excerpt(o.sensitivityDbm)}`);
  if (!(Number.isFinite(o.censoringSigmaDb) && o.censoringSigmaDb >= 0))
    throw new Error(`censoringSigmaDb must be 0 or more, not ${excerpt(o.censoringSigmaDb)}`);
  if (o.live !== 'auto' && o.live !== true && o.live !== false)
    throw new Error(`live must be auto, true or false, not ${excerpt(o.live)}`);
  const t = o.tracker;
  for (const [name, value] of [
    ['acceleration noise', t.accelerationNoise],
    ['velocity time constant', t.velocityTimeConstantS],
    ['mean rest time', t.meanRestS],
    ['mean move time', t.meanMoveS],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new Error(`tracker ${name} must be a positive number, got ${value}`);
  }
  if (t.restDriftNoise !== undefined && !(Number.isFinite(t.restDriftNoise) && t.restDriftNoise >= 0))
    throw new Error(`tracker rest drift must be 0 or more, got ${t.restDriftNoise}`);
  return o;
}
