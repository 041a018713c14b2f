// The geofence: per dog and zone, which side of the boundary the dog is on, decided with the
// position's uncertainty and held for a while before an event fires; and which dogs went missing.
// Pure: no Node-RED, no wall clock. Time is the event time of the positions (and whatever event time
// the caller passes to `advanceClock` when the input is silent). A position stamped far ahead of the
// other dogs' (live: of the wall clock) is refused by the event clock (kernel/event-clock.ts): it does
// not move the clock, so it cannot make the other dogs missing, nor this dog's real positions stale.
// State is kept for the site's dogs only, plus at most MAX_UNLISTED_DOGS others when following unknown
// beacons, so memory and the saved state stay small whatever names arrive.
import { EventClock, type SkewReference } from '../kernel/event-clock';
import { CONTRACT_VERSION, type Alert, type AlertEvent, type Severity } from '../kernel/contract';
import type { Dog, Zone, ZoneKind } from '../kernel/site-document';
import type { DogDirectory, ZoneSource } from '../kernel/site-view';
import { MAX_UNLISTED_DOGS, type FenceOptions } from './fence-options';
import { normalQuantile } from './normal-quantile';
import { pool, pooledGaussian, positionCov, readPooled, type Covariance, type PooledState } from './evidence';
import type { FencePosition } from './position-input';
import { compileShape, type BoundaryDistance, type ZoneShape } from './zone-shape';

/** What the geofence needs of a site (a tracker-site `SiteView` is one). */
export type FenceSite = Pick<DogDirectory, 'dogs'> & Pick<ZoneSource, 'zonesFor'>;

export type Side = 'inside' | 'outside';
export type ZoneSide = Side | 'unknown';

/**
 * A position is never taken as more precise than this (metres, 1 sigma): BLE positions are not, and a
 * position claiming to be exact would otherwise decide on a hair's breadth at the fence.
 */
export const MIN_SIGMA_M = 0.3;
/** The pooled position may be more precise than one position, but not beyond this (m, 1 sigma). */
const MIN_POOLED_SIGMA_M = 0.1;
/**
 * Pooled evidence counts only this far (m) past a boundary: it is for a dog settled in a zone (a pool of
 * r 3 m), not one skirting a boundary or cutting a corner, which the per-position rule decides.
 */
const MIN_POOLED_DEPTH_M = 2;

/** Payload of the second output: one dog's full zone state. */
export interface DogZoneState {
  v: number;
  type: 'zone-state';
  dog: string;
  /** Event time of the change. */
  ts: number;
  lastSeen?: number;
  x?: number;
  y?: number;
  missing: boolean;
  /** Ids of the zones the dog is (confirmed) inside. */
  inside: string[];
  zones: ZoneStateEntry[];
}

export interface ZoneStateEntry {
  zone: string;
  name: string;
  kind: ZoneKind;
  state: ZoneSide;
  /** Since when the dog has been on this side (the first position that said so). */
  since?: number;
  /** A change seen but not yet held long enough to count. */
  pending?: { state: Side; since: number };
  /** A dwell alert was sent for this stay. */
  dwell: boolean;
}

/** Collects what one or more calls produced; the caller sends and then clears it. */
export class FenceOutput {
  readonly alerts: Alert[] = [];
  /** Dogs whose zone state changed (for the state output). */
  readonly changed = new Set<string>();
  /** Confirmed side changes, with or without an alert (worth saving at once). */
  transitions = 0;
  /** Positions ignored because they were not newer than the dog's last one. */
  stale = 0;
  /** Positions refused by the event clock: stamped too far ahead. */
  readonly ahead: Array<{
    dog: string;
    ts: number;
    aheadMs: number;
    reference: SkewReference;
    first: boolean;
  }> = [];
  /** Dogs whose positions were refused because the site does not list them. */
  readonly unlisted: string[] = [];

  get empty(): boolean {
    return this.alerts.length === 0 && this.changed.size === 0;
  }
}

export interface FenceSummary {
  dogs: number;
  missing: number;
  /** Dogs outside a safe zone or inside a forbidden one. */
  outOfBounds: number;
}

interface CompiledZone {
  zone: Zone;
  shape: ZoneShape;
  dwellMs: number | undefined;
}

interface ZoneTrack {
  kind: ZoneKind;
  state: ZoneSide;
  since?: number;
  pending?: { state: Side; since: number };
  dwellSent: boolean;
}

interface DogTrack {
  id: string;
  last?: FencePosition;
  /** The dog's recent positions pooled (evidence for a dog that stays put; see evidence.ts). */
  pooled?: PooledState;
  missing: boolean;
  zones: Map<string, ZoneTrack>;
  /** The zones that apply to this dog in the current site; rebuilt after a site change. */
  applicable?: CompiledZone[];
}

/** What `snapshot()` returns and `restore()` takes: plain JSON for a Node-RED context store. */
export interface FenceSnapshot {
  v: 1;
  clock?: number;
  dogs: Record<string, DogSnapshot>;
}

interface DogSnapshot {
  last?: FencePosition;
  pooled?: PooledState;
  missing: boolean;
  zones: Record<string, ZoneTrack>;
}

export class Geofence {
  private readonly options: FenceOptions;
  /** Standard deviations past a boundary that give the configured confidence. */
  private readonly z: number;
  /** The same for the pooled evidence of a dog that stays put. */
  private readonly zPooled: number;
  private site: FenceSite | undefined;
  private zonesById = new Map<string, CompiledZone>();
  private siteDogs: readonly Dog[] = [];
  private readonly dogs = new Map<string, DogTrack>();
  private clockTs: number | undefined;
  /** Event time since which this run has been watching: absence before it is not held against a dog. */
  private watchStart: number | undefined;
  /** No dog can be missing before this event time (a lower bound; -Infinity forces a full check). */
  private nextMissingDue = -Infinity;
  private readonly distance: BoundaryDistance = { d: 0, nx: 0, ny: 0 };
  private siteDogIds = new Set<string>();
  /** Tracked dogs the site does not list (counted so the cap is cheap to check). */
  private unlistedCount = 0;
  /** The positions' event time, bounded against a wrong timestamp of one dog. */
  readonly eventClock: EventClock;
  private readonly now: (() => number) | undefined;
  /** The incremental summary: each dog's last counted contribution, the totals, dogs to look at again. */
  private readonly contribution = new Map<string, { missing: boolean; outOfBounds: boolean }>();
  private readonly summaryDirty = new Set<string>();
  private summaryStale = true;
  private missingCount = 0;
  private outOfBoundsCount = 0;

  /** `now`: the wall clock, for the live skew check and to refuse saved times from the future. */
  constructor(options: FenceOptions, now?: () => number) {
    this.options = options;
    this.z = normalQuantile(options.confidence);
    this.zPooled = normalQuantile(options.pooledConfidence);
    this.now = now;
    this.eventClock = new EventClock({ maxAheadMs: options.maxAheadMs, now });
  }

  /** The latest event time known: the newest position's `ts`, or later when the input was silent. */
  get clock(): number | undefined {
    return this.clockTs;
  }

  get hasSite(): boolean {
    return this.site !== undefined;
  }

  /**
   * Takes a new site. States of zones that still exist with the same kind are kept (so an edit does
   * not re-announce them); zones that are gone, or no longer apply to a dog, are dropped silently;
   * a zone whose kind changed starts again as unknown. Each dog's last position is then evaluated
   * against the new zones, with the usual hold time.
   */
  setSite(site: FenceSite, out: FenceOutput): void {
    this.site = site;
    this.summaryStale = true;
    this.siteDogs = site.dogs;
    this.siteDogIds = new Set(site.dogs.map((d) => d.id));
    this.eventClock.setKnown(this.siteDogIds);
    this.prune();
    const zones = new Map<string, CompiledZone>();
    for (const dog of site.dogs) for (const zone of site.zonesFor(dog.id)) this.compile(zone, zones);
    this.zonesById = zones;
    for (const dog of this.dogs.values()) {
      dog.applicable = undefined;
      this.reconcile(dog, out);
    }
    this.nextMissingDue = -Infinity;
  }

  /** Applies one position. Returns false when it was ignored as stale (not newer than the dog's last). */
  observe(p: FencePosition, out: FenceOutput): boolean {
    const listed = !this.site || this.siteDogIds.has(p.dog);
    if (!listed && !this.options.followUnknown) {
      out.unlisted.push(p.dog);
      return false;
    }
    const verdict = this.eventClock.observe(p.dog, p.ts);
    if (!verdict.accepted) {
      const { aheadMs, reference, first } = verdict;
      out.ahead.push({ dog: p.dog, ts: p.ts, aheadMs, reference, first });
      return false;
    }
    const dog = this.track(p.dog);
    if (dog.last !== undefined && p.ts <= dog.last.ts) {
      out.stale++;
      return false;
    }
    if (this.clockTs === undefined || p.ts > this.clockTs) this.clockTs = p.ts;
    if (this.watchStart === undefined) this.watchStart = p.ts;
    if (dog.missing) {
      dog.missing = false;
      this.markChanged(out, dog.id);
      out.alerts.push(this.alert('found', dog.id, 'info', p.ts, dog.last?.ts ?? this.watchStart, p));
      this.nextMissingDue = Math.min(this.nextMissingDue, p.ts + this.options.missingMs);
    }
    dog.last = p;
    if (this.options.poolMs > 0)
      dog.pooled = pool(
        dog.pooled,
        p,
        positionCov(p, MIN_SIGMA_M),
        this.options.poolMs,
        this.options.correlatedPositions,
      );
    this.evaluate(dog, p, out);
    this.sweepMissing(this.clockTs, out);
    return true;
  }

  /**
   * Moves the event clock on without a position: the caller's wall-clock timer says the input has
   * been silent since event time `silentSince` and it is now `eventNow`. Dogs are then checked for
   * absence as they are after every position.
   */
  advanceClock(eventNow: number, silentSince: number, out: FenceOutput): void {
    if (this.watchStart === undefined) this.watchStart = silentSince;
    if (this.clockTs === undefined || eventNow > this.clockTs) this.clockTs = eventNow;
    this.sweepMissing(this.clockTs, out);
  }

  /** One dog's full zone state (the second output), or undefined for a dog never heard of. */
  dogState(dogId: string): DogZoneState | undefined {
    const dog = this.dogs.get(dogId);
    if (!dog) return undefined;
    const zones: ZoneStateEntry[] = this.applicableZones(dog).map(({ zone }) => {
      const track = dog.zones.get(zone.id);
      const entry: ZoneStateEntry = {
        zone: zone.id,
        name: zone.name,
        kind: zone.kind,
        state: track?.state ?? 'unknown',
        dwell: track?.dwellSent ?? false,
      };
      if (track?.since !== undefined) entry.since = track.since;
      if (track?.pending) entry.pending = { ...track.pending };
      return entry;
    });
    const state: DogZoneState = {
      v: CONTRACT_VERSION,
      type: 'zone-state',
      dog: dog.id,
      ts: this.clockTs ?? dog.last?.ts ?? 0,
      missing: dog.missing,
      inside: zones.filter((z) => z.state === 'inside').map((z) => z.zone),
      zones,
    };
    if (dog.last) {
      state.lastSeen = dog.last.ts;
      state.x = dog.last.x;
      state.y = dog.last.y;
    }
    return state;
  }

  /**
   * `fullSummary()` kept up to date incrementally: only dogs changed since the last call are looked at
   * again (a status shown after every message must not cost O(dogs x zones)).
   */
  summary(): FenceSummary {
    if (this.summaryStale) {
      this.summaryStale = false;
      this.summaryDirty.clear();
      this.contribution.clear();
      this.missingCount = 0;
      this.outOfBoundsCount = 0;
      for (const id of this.dogs.keys()) this.summaryDirty.add(id);
    }
    for (const id of this.summaryDirty) {
      const before = this.contribution.get(id);
      if (before) {
        if (before.missing) this.missingCount--;
        if (before.outOfBounds) this.outOfBoundsCount--;
      }
      const dog = this.dogs.get(id);
      if (!dog) {
        this.contribution.delete(id);
        continue;
      }
      const now = { missing: dog.missing, outOfBounds: isOutOfBounds(dog) };
      if (now.missing) this.missingCount++;
      if (now.outOfBounds) this.outOfBoundsCount++;
      this.contribution.set(id, now);
    }
    this.summaryDirty.clear();
    const unlisted = this.site ? this.unlistedCount : this.dogs.size;
    return {
      dogs: (this.site ? this.siteDogs.length : 0) + unlisted,
      missing: this.missingCount,
      outOfBounds: this.outOfBoundsCount,
    };
  }

  /** The summary counted afresh over every dog and zone (what `summary()` gave before; for the bench). */
  fullSummary(): FenceSummary {
    let dogs = this.siteDogs.length;
    let missing = 0;
    let outOfBounds = 0;
    const inSite = new Set(this.siteDogs.map((d) => d.id));
    for (const dog of this.dogs.values()) {
      if (!inSite.has(dog.id)) dogs++;
      if (dog.missing) missing++;
      for (const track of dog.zones.values()) {
        if (
          (track.kind === 'safe' && track.state === 'outside') ||
          (track.kind === 'forbidden' && track.state === 'inside')
        ) {
          outOfBounds++;
          break;
        }
      }
    }
    return { dogs, missing, outOfBounds };
  }

  snapshot(): FenceSnapshot {
    const dogs: Record<string, DogSnapshot> = {};
    for (const dog of this.dogs.values()) {
      const zones: Record<string, ZoneTrack> = {};
      for (const [id, track] of dog.zones) zones[id] = { ...track };
      const entry: DogSnapshot = { missing: dog.missing, zones };
      if (dog.last) entry.last = dog.last;
      if (dog.pooled) entry.pooled = { ...dog.pooled };
      dogs[dog.id] = entry;
    }
    const snap: FenceSnapshot = { v: 1, dogs };
    if (this.clockTs !== undefined) snap.clock = this.clockTs;
    return snap;
  }

  /**
   * Takes back what `snapshot()` gave, e.g. after a restart; call before the first position.
   * Entries that do not make sense are skipped and reported, never thrown.
   */
  restore(value: unknown): string[] {
    const problems: string[] = [];
    if (value === undefined || value === null) return problems;
    if (!isRecord(value) || value.v !== 1 || !isRecord(value.dogs))
      return ['saved state has an unknown shape'];
    // Times saved from the future (a wrong timestamp saved by an older version) would freeze the
    // clock until the wall clock caught up: they are dropped.
    const latest = this.now ? this.now() + this.options.maxAheadMs : Infinity;
    if (typeof value.clock === 'number' && Number.isFinite(value.clock)) {
      if (value.clock <= latest) this.clockTs = value.clock;
      else problems.push('saved clock is ahead of the wall clock: dropped');
    }
    let shown = 0;
    for (const [id, saved] of Object.entries(value.dogs)) {
      const dog = readDogSnapshot(id, saved);
      if (!dog) {
        if (shown++ < 3) problems.push(`saved state of dog ${JSON.stringify(id.slice(0, 40))} is malformed`);
        continue;
      }
      if (dog.last && dog.last.ts > latest) {
        problems.push(
          `saved last position of dog ${JSON.stringify(id.slice(0, 40))} is from the future: dropped`,
        );
        dog.last = undefined;
      }
      this.dogs.delete(id);
      this.dogs.set(id, dog);
    }
    this.prune();
    this.summaryStale = true;
    if (this.site) {
      const out = new FenceOutput();
      for (const dog of this.dogs.values()) this.reconcile(dog, out);
    }
    this.nextMissingDue = -Infinity;
    return problems;
  }

  private markChanged(out: FenceOutput, dogId: string): void {
    out.changed.add(dogId);
    this.summaryDirty.add(dogId);
  }

  private compile(zone: Zone, into: Map<string, CompiledZone>): void {
    if (into.has(zone.id)) return;
    const previous = this.zonesById.get(zone.id);
    // Keep the compiled shape when the zone is the same object (the site did not change it).
    const shape = previous && previous.zone === zone ? previous.shape : compileShape(zone);
    into.set(zone.id, { zone, shape, dwellMs: zone.dwellS === undefined ? undefined : zone.dwellS * 1000 });
  }

  private track(dogId: string): DogTrack {
    let dog = this.dogs.get(dogId);
    if (!dog) {
      dog = { id: dogId, missing: false, zones: new Map() };
      this.summaryDirty.add(dogId);
      this.dogs.set(dogId, dog);
      if (this.site && !this.siteDogIds.has(dogId)) {
        this.unlistedCount++;
        this.prune();
      }
    } else if (this.site && !this.siteDogIds.has(dogId)) {
      // Re-inserted: unlisted dogs are evicted least recently seen first.
      this.dogs.delete(dogId);
      this.dogs.set(dogId, dog);
    }
    return dog;
  }

  private recount(): void {
    this.unlistedCount = 0;
    for (const id of this.dogs.keys()) if (!this.siteDogIds.has(id)) this.unlistedCount++;
  }

  /** Drops dogs the site does not list (all of them, or beyond the cap when following unknown beacons). */
  private prune(): void {
    if (!this.site) return;
    this.recount();
    const keep = this.options.followUnknown ? MAX_UNLISTED_DOGS : 0;
    if (this.unlistedCount <= keep) return;
    for (const id of this.dogs.keys()) {
      if (this.unlistedCount <= keep) break;
      if (this.siteDogIds.has(id)) continue;
      this.dogs.delete(id);
      this.summaryDirty.add(id);
      this.unlistedCount--;
    }
  }

  private applicableZones(dog: DogTrack): CompiledZone[] {
    if (dog.applicable) return dog.applicable;
    const list: CompiledZone[] = [];
    if (this.site) {
      for (const zone of this.site.zonesFor(dog.id)) {
        let compiled = this.zonesById.get(zone.id);
        if (!compiled) {
          // A zone that applies only to dogs outside the site's list (positions of unknown dogs).
          this.compile(zone, this.zonesById);
          compiled = this.zonesById.get(zone.id) as CompiledZone;
        }
        list.push(compiled);
      }
    }
    dog.applicable = list;
    return list;
  }

  /** Drops states of zones that are gone or changed kind, then re-evaluates the last position. */
  private reconcile(dog: DogTrack, out: FenceOutput): void {
    const zones = this.applicableZones(dog);
    const byId = new Map(zones.map((z) => [z.zone.id, z]));
    for (const [id, track] of dog.zones) {
      const compiled = byId.get(id);
      if (!compiled) {
        dog.zones.delete(id);
        this.markChanged(out, dog.id);
      } else if (compiled.zone.kind !== track.kind) {
        dog.zones.set(id, { kind: compiled.zone.kind, state: 'unknown', dwellSent: false });
        this.markChanged(out, dog.id);
      }
    }
    if (dog.last && !dog.missing) this.evaluate(dog, dog.last, out);
  }

  private evaluate(dog: DogTrack, p: FencePosition, out: FenceOutput): void {
    const zones = this.applicableZones(dog);
    if (zones.length === 0) return;
    const sigmaMax = Math.max(MIN_SIGMA_M, p.cov ? Math.sqrt(largestEigenvalue(p.cov)) : p.accuracy);
    // Pooled evidence only once there is more than one position's worth of it.
    const pooled = dog.pooled && dog.pooled.ts === p.ts ? pooledGaussian(dog.pooled) : undefined;
    const usable = pooled && pooled.n > 1.5 ? pooled : undefined;
    for (const compiled of zones) {
      let track = dog.zones.get(compiled.zone.id);
      if (!track) {
        track = { kind: compiled.zone.kind, state: 'unknown', dwellSent: false };
        dog.zones.set(compiled.zone.id, track);
        this.markChanged(out, dog.id);
      }
      let side = this.classify(compiled.shape, p, sigmaMax);
      let fromPool = false;
      if (side === undefined && usable) {
        side = this.classifyPooled(compiled.shape, usable.x, usable.y, usable.cov);
        fromPool = side !== undefined;
      }
      this.step(dog, compiled, track, side, fromPool, p, out);
    }
  }

  /**
   * Which side of the boundary a position is on, or undefined when it cannot tell: outside when it is
   * outside with the configured confidence (the boundary taken as straight at the nearest point, the
   * uncertainty as the position's spread across it) or farther out than the margin; inside likewise.
   */
  private classify(shape: ZoneShape, p: FencePosition, sigmaMax: number): Side | undefined {
    const margin = this.options.marginM;
    const bound = shape.outsideBound(p.x, p.y);
    // Far from the zone: outside whatever the direction, without measuring it exactly.
    if (bound > 0 && ((margin > 0 && bound >= margin) || bound >= this.z * sigmaMax)) return 'outside';
    const m = this.distance;
    shape.measure(p.x, p.y, m);
    const sigma = m.nx === 0 && m.ny === 0 ? sigmaMax : sigmaAcross(p, m.nx, m.ny);
    const byConfidence = this.z * sigma;
    const reach = margin > 0 && margin < byConfidence ? margin : byConfidence;
    if (m.d >= reach) return 'outside';
    if (-m.d >= reach) return 'inside';
    return undefined;
  }

  /**
   * The side the dog's pooled position is on, with the pooled confidence (no margin: the pool is for
   * dogs near a boundary), or undefined when even all the recent positions together cannot tell.
   */
  private classifyPooled(shape: ZoneShape, x: number, y: number, cov: Covariance): Side | undefined {
    const m = this.distance;
    shape.measure(x, y, m);
    const [[a, b], [, c]] = cov;
    const variance =
      m.nx === 0 && m.ny === 0
        ? (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b)
        : m.nx * m.nx * a + 2 * m.nx * m.ny * b + m.ny * m.ny * c;
    const reach = Math.max(
      MIN_POOLED_DEPTH_M,
      this.zPooled * Math.sqrt(Math.max(variance, MIN_POOLED_SIGMA_M * MIN_POOLED_SIGMA_M)),
    );
    if (m.d >= reach) return 'outside';
    if (-m.d >= reach) return 'inside';
    return undefined;
  }

  /**
   * Hysteresis in time: a new side becomes the state once the evidence for `holdMs` has said it (each
   * position, or when one cannot tell, the dog's pooled positions: `fromPool`), or at once when the pooled
   * evidence says it and the pooled hold is 0; evidence that cannot tell, or says the old side, cancels
   * the change.
   */
  private step(
    dog: DogTrack,
    compiled: CompiledZone,
    track: ZoneTrack,
    side: Side | undefined,
    fromPool: boolean,
    p: FencePosition,
    out: FenceOutput,
  ): void {
    if (side === undefined || side === track.state) {
      if (track.pending) {
        track.pending = undefined;
        this.markChanged(out, dog.id);
      }
    } else {
      if (!track.pending || track.pending.state !== side) {
        track.pending = { state: side, since: p.ts };
        this.markChanged(out, dog.id);
      }
      const held = p.ts - track.pending.since;
      if (held >= this.options.holdMs || (fromPool && held >= this.options.pooledHoldMs)) {
        // Pooled evidence was gathering since the pool began: the dog has been there since then.
        if (fromPool && dog.pooled) track.pending.since = Math.min(track.pending.since, dog.pooled.since);
        this.confirm(dog, compiled, track, side, p, out);
      }
    }
    if (
      track.state === 'inside' &&
      compiled.dwellMs !== undefined &&
      !track.dwellSent &&
      track.since !== undefined &&
      p.ts - track.since >= compiled.dwellMs
    ) {
      track.dwellSent = true;
      this.markChanged(out, dog.id);
      out.alerts.push(this.zoneAlert('dwell', dog.id, compiled.zone, track.since, p));
    }
  }

  private confirm(
    dog: DogTrack,
    compiled: CompiledZone,
    track: ZoneTrack,
    side: Side,
    p: FencePosition,
    out: FenceOutput,
  ): void {
    const from = track.state;
    const since = track.pending?.since ?? p.ts;
    track.state = side;
    track.since = since;
    track.pending = undefined;
    track.dwellSent = false;
    out.transitions++;
    this.markChanged(out, dog.id);
    // From an unknown state (a new dog or zone, a first deploy) only the alarming sides are told:
    // outside a safe zone, inside a forbidden one. Inside a safe or info zone is taken silently, so a
    // fresh start does not announce every dog.
    let event: AlertEvent | undefined;
    if (side === 'inside') {
      if (from === 'outside' || track.kind === 'forbidden') event = 'enter';
    } else if (from === 'inside' || track.kind === 'safe') event = 'exit';
    if (event) out.alerts.push(this.zoneAlert(event, dog.id, compiled.zone, since, p));
  }

  /** Checks every site dog for absence at event time `now`; cheap when no dog can be due yet. */
  private sweepMissing(now: number, out: FenceOutput): void {
    if (now <= this.nextMissingDue) return;
    const watchStart = this.watchStart ?? now;
    let next = Infinity;
    for (const siteDog of this.siteDogs) {
      const dog = this.track(siteDog.id);
      if (dog.missing) continue;
      const lastSeen = dog.last?.ts;
      const due = Math.max(lastSeen ?? -Infinity, watchStart) + this.options.missingMs;
      if (now > due) {
        dog.missing = true;
        dog.pooled = undefined;
        for (const track of dog.zones.values()) track.pending = undefined;
        this.markChanged(out, dog.id);
        out.alerts.push(
          this.alert('missing', dog.id, this.options.missingSeverity, now, lastSeen ?? watchStart, dog.last),
        );
      } else if (due < next) next = due;
    }
    this.nextMissingDue = next;
  }

  private zoneAlert(event: AlertEvent, dogId: string, zone: Zone, since: number, p: FencePosition): Alert {
    const alert = this.alert(event, dogId, severityOf(zone, event), p.ts, since, p);
    alert.zone = zone.id;
    alert.kind = zone.kind;
    alert.zoneName = zone.name;
    return alert;
  }

  private alert(
    event: AlertEvent,
    dogId: string,
    severity: Severity,
    ts: number,
    since: number,
    at: FencePosition | undefined,
  ): Alert {
    const alert: Alert = { v: CONTRACT_VERSION, type: 'alert', event, dog: dogId, severity, ts, since };
    if (at) {
      alert.x = at.x;
      alert.y = at.y;
    }
    return alert;
  }
}

/**
 * Default severities: leaving a safe zone and entering (or staying in) a forbidden one are critical,
 * everything else is info. A zone's own `severity` replaces the default of its alarming events
 * (safe: exit, dwell; forbidden: enter, dwell; info: all); coming back to safety stays info.
 */
export function severityOf(zone: Pick<Zone, 'kind' | 'severity'>, event: AlertEvent): Severity {
  const alarming =
    zone.kind === 'info' ||
    event === 'dwell' ||
    (zone.kind === 'safe' && event === 'exit') ||
    (zone.kind === 'forbidden' && event === 'enter');
  if (!alarming) return 'info';
  if (zone.severity) return zone.severity;
  if (zone.kind === 'safe') return event === 'exit' ? 'critical' : 'info';
  if (zone.kind === 'forbidden') return 'critical';
  return 'info';
}

/** Standard deviation of the position across the boundary (along the unit normal nx, ny). */
function sigmaAcross(p: FencePosition, nx: number, ny: number): number {
  if (!p.cov) return Math.max(MIN_SIGMA_M, p.accuracy);
  const [[a, b], [, c]] = p.cov;
  const variance = nx * nx * a + 2 * nx * ny * b + ny * ny * c;
  return Math.max(MIN_SIGMA_M, Math.sqrt(Math.max(0, variance)));
}

function largestEigenvalue(cov: NonNullable<FencePosition['cov']>): number {
  const [[a, b], [, c]] = cov;
  const half = (a - c) / 2;
  return (a + c) / 2 + Math.sqrt(half * half + b * b);
}

function isOutOfBounds(dog: DogTrack): boolean {
  for (const track of dog.zones.values())
    if (
      (track.kind === 'safe' && track.state === 'outside') ||
      (track.kind === 'forbidden' && track.state === 'inside')
    )
      return true;
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SIDES: readonly string[] = ['inside', 'outside', 'unknown'];
const KINDS: readonly string[] = ['safe', 'forbidden', 'info'];

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function readDogSnapshot(id: string, saved: unknown): DogTrack | undefined {
  if (!isRecord(saved) || typeof saved.missing !== 'boolean' || !isRecord(saved.zones)) return undefined;
  const dog: DogTrack = { id, missing: saved.missing, zones: new Map() };
  const last = saved.last;
  if (last !== undefined) {
    if (!isRecord(last) || !isTime(last.ts) || !isTime(last.x) || !isTime(last.y) || !isTime(last.accuracy))
      return undefined;
    const position: FencePosition = { dog: id, ts: last.ts, x: last.x, y: last.y, accuracy: last.accuracy };
    const cov = last.cov;
    if (Array.isArray(cov) && cov.flat().length === 4 && cov.flat().every(isTime))
      position.cov = cov as unknown as FencePosition['cov'];
    dog.last = position;
  }
  const pooled = readPooled(saved.pooled);
  if (pooled && dog.last && pooled.ts === dog.last.ts) dog.pooled = pooled;
  for (const [zoneId, z] of Object.entries(saved.zones)) {
    if (!isRecord(z) || !KINDS.includes(z.kind as string) || !SIDES.includes(z.state as string))
      return undefined;
    const track: ZoneTrack = {
      kind: z.kind as ZoneKind,
      state: z.state as ZoneSide,
      dwellSent: z.dwellSent === true,
    };
    if (isTime(z.since)) track.since = z.since;
    const pending = z.pending;
    if (
      isRecord(pending) &&
      (pending.state === 'inside' || pending.state === 'outside') &&
      isTime(pending.since)
    )
      track.pending = { state: pending.state, since: pending.since };
    dog.zones.set(zoneId, track);
  }
  return dog;
}
