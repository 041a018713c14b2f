// What happens to a reading between the radio and the output, on the Pi where CPU and mesh are scarce:
// the dog of the beacon, allow / block lists, minimum RSSI, a per-beacon rate limit that keeps the strongest,
// `seq` numbering and optional batching. Pure; time is the event time of the readings and of `tick(now)`.
import { normalizeMac } from '../kernel/checks';
import { CONTRACT_VERSION, type RssiReading } from '../kernel/contract';
import type { DogDirectory } from '../kernel/site-view';
import { beaconKey } from '../kernel/site-document';
import { frameId, type DecodedFrame } from './frames';

export interface PipelineOptions {
  /** MACs or reading ids let through; empty with `allowSiteDogs` false: everything. */
  allow?: readonly string[];
  /** Let through the beacons of the site's dogs (with `allow`: either passes). */
  allowSiteDogs?: boolean;
  /** MACs or ids always dropped. */
  block?: readonly string[];
  /** Readings weaker than this (dBm) are dropped. */
  minRssi?: number;
  /** Drop frames that are no beacon format (phones, TVs, headphones). */
  beaconsOnly?: boolean;
  /** At most this many readings per second per (scanner, beacon MAC), the strongest of each slot kept; 0: off. */
  maxPerSecond?: number;
  /** Collect readings into one array per scanner every this many ms of event time; 0: one message each. */
  batchMs?: number;
}

export interface Emission {
  scanner: string;
  payload: RssiReading | RssiReading[];
}

export interface PipelineStats {
  accepted: number;
  emitted: number;
  filtered: number;
  rateLimited: number;
}

/** A reading before the pipeline: `seq` is given on the way out. */
export type RawReading = Omit<RssiReading, 'seq'> & { seq?: number };

const LEARNED_DOGS_MAX = 4096;

/** A reading of the contract from one decoded advertisement. */
export function readingFromFrame(
  scanner: string,
  ts: number,
  mac: string,
  rssi: number,
  decoded: DecodedFrame,
): RawReading {
  const reading: RawReading = {
    v: CONTRACT_VERSION,
    type: 'rssi',
    scanner,
    ts,
    mac,
    id: frameId(decoded, mac),
    rssi,
    frame: decoded.frame,
  };
  if (decoded.txPower !== undefined) reading.txPower = decoded.txPower;
  if (decoded.ibeacon) reading.ibeacon = decoded.ibeacon;
  if (decoded.altbeacon) reading.altbeacon = decoded.altbeacon;
  if (decoded.eddystone) reading.eddystone = decoded.eddystone;
  if (decoded.minew) reading.minew = decoded.minew;
  if (decoded.battery !== undefined) reading.battery = decoded.battery;
  return reading;
}

export class SourcePipeline {
  readonly stats: PipelineStats = { accepted: 0, emitted: 0, filtered: 0, rateLimited: 0 };
  private readonly allow: ReadonlySet<string>;
  private readonly block: ReadonlySet<string>;
  private readonly options: PipelineOptions;
  private readonly seqs = new Map<string, number>();
  /** Per (scanner, MAC): the strongest reading of the current rate-limit slot and when the slot ends. */
  private readonly slots = new Map<string, { until: number; best: RssiReading }>();
  private readonly batches = new Map<string, { until: number; readings: RssiReading[] }>();
  /** MACs whose identity frame named a dog, so the same tag's other frames (Minew info, accel) get it too. */
  private readonly learnedDogs = new Map<string, string>();
  private readonly dogByMac = new Map<string, string | null>();
  private readonly dogById = new Map<string, string | null>();
  private site: DogDirectory | undefined;

  constructor(
    options: PipelineOptions,
    private readonly emit: (out: Emission) => void,
  ) {
    this.options = options;
    this.allow = new Set((options.allow ?? []).map(listKey));
    this.block = new Set((options.block ?? []).map(listKey));
  }

  setSite(site: DogDirectory | undefined): void {
    this.site = site;
    this.learnedDogs.clear();
    this.dogByMac.clear();
    this.dogById.clear();
  }

  /** Next `seq` each scanner would get (for tests and status). */
  nextSeq(scanner: string): number {
    return (this.seqs.get(scanner) ?? 0) + 1;
  }

  /** Takes one reading; emits it now, or later from `tick` when rate limiting or batching hold it. */
  accept(raw: RawReading): void {
    this.stats.accepted++;
    const reading = raw;
    this.assignDog(reading);
    if (!this.passes(reading)) {
      this.stats.filtered++;
      return;
    }
    const perSecond = this.options.maxPerSecond ?? 0;
    if (perSecond > 0) {
      const key = `${reading.scanner}|${reading.mac}`;
      const slot = this.slots.get(key);
      if (slot && reading.ts < slot.until) {
        this.stats.rateLimited++;
        if (reading.rssi > slot.best.rssi) slot.best = reading;
        return;
      }
      if (slot) {
        this.slots.delete(key); // re-inserted below: the Map stays in order of slot end
        this.release(slot.best);
      }
      this.slots.set(key, { until: reading.ts + 1000 / perSecond, best: reading });
      return;
    }
    this.release(reading);
  }

  /** Event time has reached `now`: release rate-limit slots and batches that are over. */
  tick(now: number): void {
    for (const [key, slot] of this.slots) {
      if (now >= slot.until) {
        this.slots.delete(key);
        this.release(slot.best);
      }
    }
    for (const [scanner, batch] of this.batches) {
      if (now >= batch.until) this.emitBatch(scanner);
    }
  }

  /**
   * Event time at which `tick` next has work: the end of the open batch that ends first, or (when nothing
   * is batched yet) of the rate-limit slot that ends first; undefined when nothing is held. With
   * batching, slots ending earlier need no tick of their own: their readings only join the batch, and
   * `tick` releases them before it emits it. So a source can sleep until then instead of polling.
   */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const batch of this.batches.values()) if (due === undefined || batch.until < due) due = batch.until;
    if (due !== undefined) return due;
    // Slots are kept in order of their end (a renewed slot is re-inserted), so the first ends first.
    for (const slot of this.slots.values()) return slot.until;
    return undefined;
  }

  /** Releases everything held (on stop and at the end of a replay). */
  flush(): void {
    for (const slot of this.slots.values()) this.release(slot.best);
    this.slots.clear();
    for (const scanner of [...this.batches.keys()]) this.emitBatch(scanner);
  }

  private assignDog(reading: RssiReading): void {
    const site = this.site;
    if (!site) return;
    const id = reading.id;
    const dog =
      this.lookup(this.dogByMac, reading.mac, () => site.dogByBeacon(reading.mac)?.id) ??
      (id !== undefined && !id.startsWith('mac:')
        ? this.lookup(this.dogById, id, () => site.dogByBeacon(undefined, id)?.id)
        : undefined) ??
      this.learnedDogs.get(reading.mac);
    if (dog === undefined) {
      delete reading.dog;
      return;
    }
    reading.dog = dog;
    if (reading.id !== undefined && !reading.id.startsWith('mac:') && !this.learnedDogs.has(reading.mac)) {
      if (this.learnedDogs.size >= LEARNED_DOGS_MAX) this.learnedDogs.clear();
      this.learnedDogs.set(reading.mac, dog);
    }
  }

  /** The site's answer for a MAC or an id, remembered: the same few tags are heard many times a second. */
  private lookup(
    cache: Map<string, string | null>,
    key: string,
    find: () => string | undefined,
  ): string | undefined {
    let dog = cache.get(key);
    if (dog === undefined) {
      if (cache.size >= LEARNED_DOGS_MAX) cache.clear();
      dog = find() ?? null;
      cache.set(key, dog);
    }
    return dog ?? undefined;
  }

  private passes(r: RssiReading): boolean {
    const o = this.options;
    if (o.minRssi !== undefined && r.rssi < o.minRssi) return false;
    if (o.beaconsOnly && r.frame === 'unknown') return false;
    if (this.block.size > 0 && (this.block.has(r.mac) || (r.id !== undefined && this.block.has(r.id))))
      return false;
    if (this.allow.size === 0 && !o.allowSiteDogs) return true;
    // Other scanners' own beacons feed the hub's calibration: an allow list of collars does not drop them.
    if (r.id?.startsWith('scanner:')) return true;
    if (o.allowSiteDogs && r.dog !== undefined) return true;
    return this.allow.has(r.mac) || (r.id !== undefined && this.allow.has(r.id));
  }

  private release(reading: RssiReading): void {
    const seq = (this.seqs.get(reading.scanner) ?? 0) + 1;
    this.seqs.set(reading.scanner, seq);
    reading.seq = seq;
    this.stats.emitted++;
    const batchMs = this.options.batchMs ?? 0;
    if (batchMs <= 0) {
      this.emit({ scanner: reading.scanner, payload: reading });
      return;
    }
    const batch = this.batches.get(reading.scanner);
    if (batch) batch.readings.push(reading);
    else this.batches.set(reading.scanner, { until: reading.ts + batchMs, readings: [reading] });
  }

  private emitBatch(scanner: string): void {
    const batch = this.batches.get(scanner);
    if (!batch) return;
    this.batches.delete(scanner);
    this.emit({ scanner, payload: batch.readings });
  }
}

/** Allow / block entries: a MAC in any spelling, `mac:` + MAC, or a reading id. */
function listKey(entry: string): string {
  const key = beaconKey(entry);
  return normalizeMac(key) ?? key;
}

/** Splits a user's list (commas, spaces or new lines) into entries. */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
