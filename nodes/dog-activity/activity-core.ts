// Per-dog activity from the collar: rest / moving / running per minute, daily totals against the dog's own
// baseline, and the alerts a worried owner wants (still too long by day, restless at night, a collar whose
// accelerometer went quiet). Node-RED-free and computed in event time (the `ts` of the inputs).
//
// Accelerometer frames (Minew `minew-accel`, one sample every ~1 s) are classified by their dynamic level:
// the norm of the change between consecutive samples (orientation drops out, so a dog lying on its side is
// still "rest"), as the median of the last few frames (one twitch does not make a minute active). Dogs
// whose tag sends no such frames are classified from the tracker's speed instead, and say so
// (`source: "position"`): a lying dog's position jitters, so that is the weaker source.
import { CONTRACT_VERSION, type Alert, type Position, type RssiReading } from '../kernel/contract';
import { CollarWatch, type CollarWatchOptions } from './collar-watch';

export type ActivityState = 'rest' | 'moving' | 'running';
export type ActivitySource = 'accel' | 'position';

export interface DayTotals {
  /** Local calendar date, YYYY-MM-DD. */
  day: string;
  activeMin: number;
  restMin: number;
  longestRestMin: number;
  /** Active minutes of the night that ended on this morning. */
  nightRestlessMin: number;
  /** Minutes with any data. */
  observedMin: number;
}

export interface Baseline {
  /** Past days it is the mean of. */
  days: number;
  activeMin: number;
  restMin: number;
  longestRestMin: number;
  nightRestlessMin: number;
}

/** The `activity` message (docs/CONTRACT-EXTENSIONS.md): one per dog per minute with data. */
export interface Activity {
  v: number;
  type: 'activity';
  dog: string;
  /** Start of the minute, ms. */
  ts: number;
  state: ActivityState;
  source: ActivitySource;
  /** Seconds of the minute in each state (by share of samples). */
  restS: number;
  movingS: number;
  runningS: number;
  /** Accelerometer frames (or positions) the minute was classified from. */
  samples: number;
  /** Median dynamic level of the minute: g for accelerometer, m/s for positions. */
  level: number;
  /** Minutes the dog has been at rest without a break, up to this one. */
  stillMin: number;
  today: DayTotals;
  baseline?: Baseline;
}

export interface ActivityOptions {
  /** Dynamic level below which a frame is rest, g. */
  restMaxG: number;
  /** Dynamic level from which a frame is running, g. */
  runMinG: number;
  /** Frames in the median window. */
  windowFrames: number;
  /** The same vector within this time is the same frame heard by another scanner, ms. */
  duplicateMs: number;
  /** Speed below which a position is rest, m/s (dogs without accelerometer frames). */
  restMaxMps: number;
  /** Speed from which a position is running, m/s. */
  runMinMps: number;
  /** Positions are used for a dog only when its last accelerometer frame is older than this, ms. */
  accelPreferMs: number;
  /** IANA time zone for days and nights ("UTC" unless told). */
  timeZone: string;
  /** Night from this local hour ... */
  nightStartHour: number;
  /** ... to this one. */
  nightEndHour: number;
  /** Past days the baseline is the mean of. */
  baselineDays: number;
  /** A day counts for the baseline with at least this many observed minutes. */
  baselineMinObservedMin: number;
  /** `inactive` after this many minutes at rest by day; 0: never. */
  inactiveMin: number;
  /** `restless` once a night has this many active minutes ... */
  restlessMin: number;
  /** ... and (with a baseline of 3 nights or more) this many times the baseline's. */
  restlessFactor: number;
  /** `accel-silent` when a dog that sent accelerometer frames sent none for this long while heard; 0: never. */
  accelSilentMin: number;
  /** A gap without data longer than this breaks a rest streak, minutes. */
  gapBreakMin: number;
  /** Most dogs tracked (memory bound under floods of made-up names). */
  maxDogs: number;
}

export const DEFAULT_ACTIVITY_OPTIONS: ActivityOptions = {
  restMaxG: 0.07,
  runMinG: 0.4,
  windowFrames: 5,
  duplicateMs: 500,
  restMaxMps: 0.35,
  runMinMps: 2.2,
  accelPreferMs: 120_000,
  timeZone: 'UTC',
  nightStartHour: 22,
  nightEndHour: 6,
  baselineDays: 7,
  baselineMinObservedMin: 360,
  inactiveMin: 180,
  restlessMin: 45,
  restlessFactor: 2,
  accelSilentMin: 10,
  gapBreakMin: 10,
  maxDogs: 1000,
};

export interface IngestResult {
  activity: Activity[];
  alerts: Alert[];
  /** Why an input was not used (a reading with no dog, a late frame), for status and counters. */
  ignored?: string;
}

interface Minute {
  index: number;
  accel: [number, number, number];
  position: [number, number, number];
  levels: number[];
  speeds: number[];
}

interface DogActivity {
  dog: string;
  lastFrame?: { ts: number; v: [number, number, number] };
  diffs: number[];
  lastAccelTs?: number;
  silentAlerted: boolean;
  lastPosition?: { ts: number; x: number; y: number };
  minute?: Minute;
  lastClosedIndex?: number;
  today?: DayTotals;
  past: DayTotals[];
  restStreak: number;
  restStreakStart: number;
  inactiveAlerted: boolean;
  /** The last minute that had something to classify. */
  lastClassifiedIndex?: number;
  night?: { key: string; activeMin: number; alerted: boolean };
}

const MINUTE_MS = 60_000;

export class ActivityTracker {
  readonly options: ActivityOptions;
  private readonly dogs = new Map<string, DogActivity>();
  private readonly clock: LocalClock;
  /** Battery and silence of the collars, from the same readings. */
  readonly collars: CollarWatch;

  constructor(options: Partial<ActivityOptions> = {}, collar: Partial<CollarWatchOptions> = {}) {
    this.options = { ...DEFAULT_ACTIVITY_OPTIONS, ...options };
    this.clock = new LocalClock(this.options.timeZone);
    this.collars = new CollarWatch({ maxDogs: this.options.maxDogs, ...collar });
  }

  get dogCount(): number {
    return this.dogs.size;
  }

  /** The dog's state now (for status): the last closed minute's, and its source. */
  current(dog: string): { today?: DayTotals; stillMin: number } | undefined {
    const d = this.dogs.get(dog);
    return d && { today: d.today && { ...d.today }, stillMin: d.restStreak };
  }

  /** Seeds a dog's past days (e.g. read back from InfluxDB after a restart), newest last. */
  seedBaseline(dog: string, days: readonly DayTotals[]): void {
    const d = this.dogState(dog);
    if (d) d.past = days.slice(-this.options.baselineDays).map((x) => ({ ...x }));
  }

  ingest(input: RssiReading | Position): IngestResult {
    const result: IngestResult = { activity: [], alerts: [] };
    if (input.type === 'rssi') result.alerts.push(...this.collars.reading(input));
    const dog = input.dog;
    if (dog === undefined || dog === '') {
      result.ignored = 'no dog';
      return result;
    }
    const d = this.dogState(dog);
    if (!d) {
      result.ignored = 'too many dogs';
      return result;
    }
    const ts = input.ts;
    const index = Math.floor(ts / MINUTE_MS);
    if (d.lastClosedIndex !== undefined && index <= d.lastClosedIndex) {
      result.ignored = 'late';
      return result;
    }
    if (d.minute && index > d.minute.index) this.closeMinute(d, result);
    if (!d.minute) d.minute = newMinute(index);

    if (input.type === 'rssi') {
      const accel = input.frame === 'minew-accel' ? input.minew?.accel : undefined;
      if (accel) this.accelFrame(d, ts, accel, result);
      else this.heard(d, ts, result);
    } else {
      this.heard(d, ts, result);
      this.position(d, input);
    }
    return result;
  }

  private dogState(dog: string): DogActivity | undefined {
    let d = this.dogs.get(dog);
    if (!d) {
      if (this.dogs.size >= this.options.maxDogs) return undefined;
      d = {
        dog,
        diffs: [],
        silentAlerted: false,
        past: [],
        restStreak: 0,
        restStreakStart: 0,
        inactiveAlerted: false,
      };
      this.dogs.set(dog, d);
    }
    return d;
  }

  private accelFrame(d: DogActivity, ts: number, v: readonly number[], result: IngestResult): void {
    const o = this.options;
    const vec: [number, number, number] = [v[0], v[1], v[2]];
    const last = d.lastFrame;
    if (last && Math.abs(ts - last.ts) < o.duplicateMs && sameVector(last.v, vec)) return; // another scanner
    if (last && ts < last.ts) return; // out of order: the window is causal
    if (d.silentAlerted && d.lastAccelTs !== undefined) {
      result.alerts.push(this.alert('accel-back', 'info', d.dog, ts, { since: d.lastAccelTs }));
      d.silentAlerted = false;
    }
    d.lastAccelTs = ts;
    // Consecutive samples more than 5 s apart say nothing about the motion between them.
    if (last && ts - last.ts <= 5000) {
      d.diffs.push(Math.hypot(vec[0] - last.v[0], vec[1] - last.v[1], vec[2] - last.v[2]));
      if (d.diffs.length > o.windowFrames) d.diffs.shift();
    } else {
      d.diffs = [];
    }
    d.lastFrame = { ts, v: vec };
    if (d.diffs.length === 0) return;
    const level = median(d.diffs);
    const m = d.minute!;
    m.levels.push(level);
    m.accel[level < o.restMaxG ? 0 : level < o.runMinG ? 1 : 2]++;
  }

  /** Any message of a dog: the collar is heard, so a quiet accelerometer is the accelerometer's fault. */
  private heard(d: DogActivity, ts: number, result: IngestResult): void {
    const o = this.options;
    if (o.accelSilentMin <= 0 || d.lastAccelTs === undefined || d.silentAlerted) return;
    if (ts - d.lastAccelTs >= o.accelSilentMin * MINUTE_MS) {
      d.silentAlerted = true;
      result.alerts.push(
        this.alert('accel-silent', 'warning', d.dog, ts, {
          since: d.lastAccelTs,
          text: `no accelerometer frame for ${Math.round((ts - d.lastAccelTs) / MINUTE_MS)} min`,
        }),
      );
    }
  }

  private position(d: DogActivity, p: Position): void {
    const o = this.options;
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
    let speed: number | undefined;
    if (Number.isFinite(p.vx) && Number.isFinite(p.vy)) speed = Math.hypot(p.vx!, p.vy!);
    else if (d.lastPosition && p.ts > d.lastPosition.ts && p.ts - d.lastPosition.ts <= 10_000) {
      speed =
        Math.hypot(p.x - d.lastPosition.x, p.y - d.lastPosition.y) / ((p.ts - d.lastPosition.ts) / 1000);
    }
    d.lastPosition = { ts: p.ts, x: p.x, y: p.y };
    if (speed === undefined) return;
    const m = d.minute!;
    m.speeds.push(speed);
    m.position[speed < o.restMaxMps ? 0 : speed < o.runMinMps ? 1 : 2]++;
  }

  private closeMinute(d: DogActivity, result: IngestResult): void {
    const m = d.minute!;
    d.minute = undefined;
    d.lastClosedIndex = m.index;
    const o = this.options;
    const accelRecent = d.lastAccelTs !== undefined && m.index * MINUTE_MS - d.lastAccelTs < o.accelPreferMs;
    const useAccel = sum(m.accel) > 0 || (accelRecent && sum(m.position) === 0);
    const counts = useAccel ? m.accel : m.position;
    const total = sum(counts);
    if (total === 0) return; // heard, but nothing to classify (e.g. the first frame after a gap)
    const state: ActivityState =
      counts[0] >= counts[1] + counts[2] ? 'rest' : counts[2] > counts[1] ? 'running' : 'moving';
    const ts = m.index * MINUTE_MS;
    const local = this.clock.at(ts);

    // A new calendar day: the finished one joins the baseline.
    if (d.today && d.today.day !== local.day) {
      if (d.today.observedMin >= o.baselineMinObservedMin) {
        d.past.push(d.today);
        if (d.past.length > o.baselineDays) d.past.shift();
      }
      d.today = undefined;
    }
    const today = (d.today ??= {
      day: local.day,
      activeMin: 0,
      restMin: 0,
      longestRestMin: 0,
      nightRestlessMin: 0,
      observedMin: 0,
    });
    today.observedMin++;

    const gap = d.lastClassifiedIndex === undefined ? 0 : m.index - d.lastClassifiedIndex - 1;
    d.lastClassifiedIndex = m.index;
    if (gap > o.gapBreakMin) {
      d.restStreak = 0;
      d.inactiveAlerted = false;
    }
    const night = this.nightKey(local);
    if (state === 'rest') {
      today.restMin++;
      if (d.restStreak === 0) d.restStreakStart = ts;
      d.restStreak++;
      today.longestRestMin = Math.max(today.longestRestMin, d.restStreak);
    } else {
      today.activeMin++;
      if (d.inactiveAlerted) {
        result.alerts.push(
          this.alert('active', 'info', d.dog, ts, { since: d.restStreakStart, minutes: d.restStreak }),
        );
      }
      d.restStreak = 0;
      d.inactiveAlerted = false;
    }

    // Nights belong to the morning they end on; their active minutes are the restlessness.
    if (night !== undefined) {
      if (!d.night || d.night.key !== night) d.night = { key: night, activeMin: 0, alerted: false };
      if (state !== 'rest') d.night.activeMin++;
      if (night === today.day) today.nightRestlessMin = d.night.activeMin;
      const base = baselineOf(d.past);
      const threshold =
        base && base.days >= 3
          ? Math.max(o.restlessMin, base.nightRestlessMin * o.restlessFactor)
          : o.restlessMin;
      if (!d.night.alerted && o.restlessMin > 0 && d.night.activeMin >= threshold) {
        d.night.alerted = true;
        result.alerts.push(
          this.alert('restless', 'warning', d.dog, ts + MINUTE_MS, {
            minutes: d.night.activeMin,
            threshold: round(threshold, 1),
            text: `${d.night.activeMin} active minutes tonight`,
          }),
        );
      }
    } else if (o.inactiveMin > 0 && !d.inactiveAlerted && d.restStreak >= o.inactiveMin) {
      d.inactiveAlerted = true;
      result.alerts.push(
        this.alert('inactive', 'warning', d.dog, ts + MINUTE_MS, {
          since: d.restStreakStart,
          minutes: d.restStreak,
          text: `no movement for ${d.restStreak} min`,
        }),
      );
    }

    const secondsOf = (i: number): number => round((60 * counts[i]) / total, 1);
    const activity: Activity = {
      v: CONTRACT_VERSION,
      type: 'activity',
      dog: d.dog,
      ts,
      state,
      source: useAccel ? 'accel' : 'position',
      restS: secondsOf(0),
      movingS: secondsOf(1),
      runningS: secondsOf(2),
      samples: total,
      level: round(median(useAccel ? m.levels : m.speeds), 3),
      stillMin: d.restStreak,
      today: { ...today },
    };
    const baseline = baselineOf(d.past);
    if (baseline) activity.baseline = baseline;
    result.activity.push(activity);
  }

  private nightKey(local: LocalTime): string | undefined {
    const { nightStartHour: s, nightEndHour: e } = this.options;
    const h = local.hour;
    const inNight = s > e ? h >= s || h < e : h >= s && h < e;
    if (!inNight) return undefined;
    return s > e && h >= s ? local.nextDay : local.day;
  }

  private alert(
    event: string,
    severity: Alert['severity'],
    dog: string,
    ts: number,
    extra: Record<string, unknown>,
  ): Alert {
    return { v: CONTRACT_VERSION, type: 'alert', event, dog, severity, ts, ...extra };
  }
}

function newMinute(index: number): Minute {
  return { index, accel: [0, 0, 0], position: [0, 0, 0], levels: [], speeds: [] };
}

function baselineOf(past: readonly DayTotals[]): Baseline | undefined {
  if (past.length === 0) return undefined;
  const mean = (f: (d: DayTotals) => number): number =>
    round(past.reduce((s, d) => s + f(d), 0) / past.length, 1);
  return {
    days: past.length,
    activeMin: mean((d) => d.activeMin),
    restMin: mean((d) => d.restMin),
    longestRestMin: mean((d) => d.longestRestMin),
    nightRestlessMin: mean((d) => d.nightRestlessMin),
  };
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

function sum(a: readonly number[]): number {
  return a[0] + a[1] + a[2];
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

interface LocalTime {
  day: string;
  nextDay: string;
  hour: number;
}

/** Local date and hour of an event time in one IANA zone (Intl, cached per quarter hour: every zone's
 * offset is a multiple of 15 min, so a quarter never spans a local hour change). */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private cacheHour = Number.NaN;
  private cached: LocalTime | undefined;

  constructor(timeZone: string) {
    // Throws RangeError for an unknown zone: the adapter checks the setting with isTimeZone() first.
    this.format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
  }

  at(ts: number): LocalTime {
    const hourIndex = Math.floor(ts / 900_000);
    if (hourIndex === this.cacheHour && this.cached) return this.cached;
    const here = this.parts(ts);
    // The next local day: 24 h on is the next date except across a DST change at midnight (rare, harmless).
    const next = this.parts(ts + 86_400_000);
    this.cached = { day: here.day, hour: here.hour, nextDay: next.day };
    this.cacheHour = hourIndex;
    return this.cached;
  }

  private parts(ts: number): { day: string; hour: number } {
    const p: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(ts))) p[part.type] = part.value;
    return { day: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) };
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
