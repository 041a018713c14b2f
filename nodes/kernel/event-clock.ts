// The event clock of a stream fed by many sources (scanners for readings, dogs for positions), with a
// bound on clock skew: a sample stamped far ahead of what the rest of the stream says is refused, so one
// wrong clock (a Pi an hour or ten years ahead) cannot drag the stream's time into the future and make
// every real sample look late. Pure: the wall clock, when used, is passed in as `now()`.
//
// Stream time T is the newest accepted `ts`; it never moves backwards. A sample from source s at `ts`:
// - is accepted when ts <= T + maxAheadMs (the stream's own pace: any replay in order, of any age, at
//   any speed, and a single-source stream, always pass);
// - else, when live, is accepted when ts <= now() + maxAheadMs (the wall clock vouches for it, e.g. the
//   first readings after an outage);
// - else, when not live, is accepted when another source claims (its latest sample, accepted or not)
//   a time >= ts - maxAheadMs, or when no other source has been heard within `activeMs` of T (nothing
//   contradicts it: the stream had a gap);
// - else it is refused: it does not move T, and it is counted against its source.
// A source that comes back after a jump forward is accepted again at once (its claim follows its
// latest sample, not its highest). Live: `true`, `false`, or `auto` = live unless both the stream's
// time and the sample are more than `liveWindowMs` behind the wall clock; a capture replayed an hour or
// a year later is therefore not live, and only the spread between its sources matters (but a sample
// ahead of the wall clock is held to it even then: no capture holds readings from the future).
// Memory: the sources named with `setKnown()` (the site's scanners or dogs) plus at most
// `maxOtherSources` others, least recently heard evicted first (each source is stamped when heard; only
// an eviction looks for the oldest stamp, so a sample costs one Map lookup and allocates nothing).

export type LiveMode = 'auto' | boolean;

export interface EventClockOptions {
  /** How far (ms) a sample may be ahead of the stream (and, live, of the wall clock). */
  maxAheadMs: number;
  live: LiveMode;
  /** auto: the stream is live while its time is no more than this behind the wall clock, ms. */
  liveWindowMs: number;
  /** A source not heard within this of the stream's time (ms) no longer contradicts a jump ahead. */
  activeMs: number;
  /** Sources kept besides the known ones (least recently heard evicted first). */
  maxOtherSources: number;
  /**
   * A new episode of a source is `first` (to be logged) only this long (ms of stream time) after the
   * last one that was: a source flapping between right and wrong times is told once in a while.
   */
  retellMs: number;
  /** The wall clock, ms since the epoch; without it the clock never counts as live. */
  now?: () => number;
}

export const DEFAULT_EVENT_CLOCK_OPTIONS: EventClockOptions = {
  maxAheadMs: 5000,
  live: 'auto',
  liveWindowMs: 600_000,
  activeMs: 60_000,
  maxOtherSources: 32,
  retellMs: 600_000,
};

/** What refused a sample: the wall clock (live) or the other sources (a replay). */
export type SkewReference = 'wall clock' | 'other sources';

export type ClockVerdict =
  | {
      accepted: true;
      /** ts < the stream's time before it (a late sample; it did not move the clock). */
      late: boolean;
      /** The source was refused before and is back in step: the episode that ended, else undefined. */
      recovered?: { refused: number };
    }
  | {
      accepted: false;
      /** How far ahead of the reference the sample was, ms. */
      aheadMs: number;
      reference: SkewReference;
      /** First refusal of this source since it was last accepted (and not told of lately): log it. */
      first: boolean;
      /** Refusals of this source in this episode, this one included. */
      refused: number;
    };

interface SourceState {
  /** ts of the latest sample, accepted or not. */
  claim: number;
  /** Refusals in a row (the current episode). */
  episode: number;
  aheadMs: number;
  total: number;
  /** Stream time of the last episode reported as `first` (a source flapping is told once a while). */
  toldAt: number;
  /** When this source was last heard, in samples observed (the eviction order). */
  heard: number;
}

// The verdicts of the common case, shared (they are read, never changed): no object per sample.
const ACCEPTED_IN_ORDER: ClockVerdict = Object.freeze({ accepted: true, late: false });
const ACCEPTED_LATE: ClockVerdict = Object.freeze({ accepted: true, late: true });

/** A source whose samples are being refused, for status text. */
export interface AheadSource {
  source: string;
  aheadMs: number;
  refused: number;
  reference: SkewReference;
}

export class EventClock {
  readonly options: EventClockOptions;
  private known = new Set<string>();
  private readonly sources = new Map<string, SourceState>();
  private readonly references = new Map<string, SkewReference>();
  private others = 0;
  private observed = 0;
  private streamTs: number | undefined;
  private refusedTotal = 0;

  constructor(options: Partial<EventClockOptions> = {}) {
    this.options = checkEventClockOptions({ ...DEFAULT_EVENT_CLOCK_OPTIONS, ...options });
  }

  /** The stream's time: the newest accepted ts (undefined before the first). */
  get time(): number | undefined {
    return this.streamTs;
  }

  /** Samples refused since the clock was made. */
  get refused(): number {
    return this.refusedTotal;
  }

  /** Sources tracked (known plus others): bounded. */
  get sourceCount(): number {
    return this.sources.size;
  }

  /** The sources always kept (the site's); others already tracked stay until evicted. */
  setKnown(ids: Iterable<string>): void {
    this.known = new Set(ids);
    this.others = 0;
    for (const id of this.sources.keys()) if (!this.known.has(id)) this.others++;
    this.evict();
  }

  /** Whether the wall-clock check applies now (see the top of the file). */
  isLive(sampleTs?: number): boolean {
    const { live, now } = this.options;
    if (live === false || now === undefined) return false;
    if (live === true) return true;
    const t = Math.max(this.streamTs ?? -Infinity, sampleTs ?? -Infinity);
    return t === -Infinity || t >= now() - this.options.liveWindowMs;
  }

  /** Takes one sample of `source` at `ts`; says whether it may move the stream on. */
  observe(source: string, ts: number): ClockVerdict {
    const state = this.source(source);
    const previous = this.streamTs;
    const refusal = this.refusal(source, ts);
    state.claim = ts;
    if (refusal) {
      state.episode++;
      state.total++;
      state.aheadMs = refusal.aheadMs;
      this.references.set(source, refusal.reference);
      this.refusedTotal++;
      const now = this.streamTs ?? -Infinity;
      const first = state.episode === 1 && !(now - state.toldAt < this.options.retellMs);
      if (first) state.toldAt = now;
      return { accepted: false, ...refusal, first, refused: state.episode };
    }
    if (previous === undefined || ts > previous) this.streamTs = ts;
    const late = previous !== undefined && ts < previous;
    if (state.episode > 0) {
      const refused = state.episode;
      state.episode = 0;
      this.references.delete(source);
      return { accepted: true, late, recovered: { refused } };
    }
    return late ? ACCEPTED_LATE : ACCEPTED_IN_ORDER;
  }

  /** Refusals of one source since the clock was made (0 for a source not tracked). */
  refusedOf(source: string): number {
    return this.sources.get(source)?.total ?? 0;
  }

  /** The sources in a refusal episode now, worst first. */
  ahead(): AheadSource[] {
    const list: AheadSource[] = [];
    for (const [source, s] of this.sources)
      if (s.episode > 0)
        list.push({
          source,
          aheadMs: s.aheadMs,
          refused: s.episode,
          reference: this.references.get(source) ?? 'other sources',
        });
    return list.sort((a, b) => b.aheadMs - a.aheadMs);
  }

  /** Forgets every source and the stream's time (a new site whose times need not follow the old). */
  reset(): void {
    this.sources.clear();
    this.references.clear();
    this.others = 0;
    this.streamTs = undefined;
  }

  private refusal(source: string, ts: number): { aheadMs: number; reference: SkewReference } | undefined {
    const o = this.options;
    const t = this.streamTs;
    if (t !== undefined && ts <= t + o.maxAheadMs) return undefined;
    if (this.isLive(ts)) {
      const wall = (o.now as () => number)();
      const reference = Math.max(wall, t ?? -Infinity);
      if (ts <= reference + o.maxAheadMs) return undefined;
      return { aheadMs: ts - reference, reference: 'wall clock' };
    }
    if (t === undefined) return undefined;
    let newest = -Infinity;
    for (const [id, s] of this.sources) if (id !== source && s.claim > newest) newest = s.claim;
    // Another source agrees (the stream jumped, e.g. a gap in a capture), or none is left to disagree.
    if (newest >= ts - o.maxAheadMs || newest < t - o.activeMs) return undefined;
    return { aheadMs: ts - Math.max(t, newest), reference: 'other sources' };
  }

  private source(id: string): SourceState {
    const heard = ++this.observed;
    let s = this.sources.get(id);
    if (s) {
      s.heard = heard;
      return s;
    }
    s = { claim: -Infinity, episode: 0, aheadMs: 0, total: 0, toldAt: -Infinity, heard };
    this.sources.set(id, s);
    if (!this.known.has(id)) {
      this.others++;
      this.evict();
    }
    return s;
  }

  /** Drops the other sources heard least recently until at most maxOtherSources are left. */
  private evict(): void {
    while (this.others > this.options.maxOtherSources) {
      // A scan of at most maxOtherSources + 1 others (and the known), only when a new source is one too many.
      let oldest: string | undefined;
      let oldestHeard = Infinity;
      for (const [id, s] of this.sources) {
        if (s.heard < oldestHeard && !this.known.has(id)) {
          oldestHeard = s.heard;
          oldest = id;
        }
      }
      if (oldest === undefined) return;
      this.sources.delete(oldest);
      this.references.delete(oldest);
      this.others--;
    }
  }
}

/** Throws a clear error for options a user could mistype. */
export function checkEventClockOptions(o: EventClockOptions): EventClockOptions {
  if (!(Number.isFinite(o.maxAheadMs) && o.maxAheadMs >= 0))
    throw new Error(`clock skew limit must be 0 s or more, got ${o.maxAheadMs / 1000} s`);
  if (o.live !== 'auto' && o.live !== true && o.live !== false)
    throw new Error(`live must be auto, true or false, got ${String(o.live)}`);
  if (!(Number.isFinite(o.liveWindowMs) && o.liveWindowMs >= 0))
    throw new Error(`live window must be 0 s or more, got ${o.liveWindowMs / 1000} s`);
  if (!(Number.isFinite(o.activeMs) && o.activeMs >= 0))
    throw new Error(`active window must be 0 s or more, got ${o.activeMs / 1000} s`);
  if (!(Number.isInteger(o.maxOtherSources) && o.maxOtherSources >= 0))
    throw new Error(`max other sources must be a whole number, 0 or more, got ${o.maxOtherSources}`);
  return o;
}

/** "1 h", "3 d", "12 s": how far ahead, for status text and logs. */
export function formatSkew(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  if (s < 63_072_000) return `${Math.round(s / 86400)} d`;
  return `${Math.round(s / 31_557_600)} years`;
}
