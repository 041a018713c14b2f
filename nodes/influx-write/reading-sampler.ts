// How many rssi readings influx-write stores. Readings are most of the points (4 per second per scanner
// and collar) and a Grafana RSSI panel only ever shows them averaged over its interval, seconds or more,
// so by default each (scanner, beacon) pair is stored once per second of event time: the mean of that
// second's rssi and rssiRaw, the latest rssiVar, txPower and battery, and `n`, how many readings it
// stands for. Positions, alerts and health are always stored whole. Pure; time is the readings' `ts`.
import { isFiniteNumber, type JsonObject } from '../kernel/checks';
import { CONTRACT_VERSION } from '../kernel/contract';

/** `all`: every reading; `second`: one point per pair per second; `off`: no reading. */
export type RawResolution = 'all' | 'second' | 'off';

export const RAW_RESOLUTIONS: readonly RawResolution[] = ['all', 'second', 'off'];

export function parseResolution(value: unknown): RawResolution | undefined {
  if (value === undefined || value === '') return 'second';
  return RAW_RESOLUTIONS.find((r) => r === value);
}

interface Pending {
  second: number;
  scanner: string;
  mac: string;
  dog?: string;
  n: number;
  rssiSum: number;
  rawSum: number;
  rawN: number;
  rssiVar?: number;
  txPower?: number;
  battery?: number;
}

/** A pair silent this many seconds (by the newest reading's clock) is written out and forgotten. */
const STALE_S = 5;
/** Open seconds held at most (a flood of made-up MACs): past it every open second is written out. */
const MAX_PENDING = 100_000;

export class ReadingSampler {
  private readonly pending = new Map<string, Pending>();
  /** Newest second seen, and when stale pairs were last looked for. */
  private newest = Number.NEGATIVE_INFINITY;
  private swept = Number.NEGATIVE_INFINITY;

  constructor(readonly resolution: RawResolution) {}

  /** Pairs with an open second (for tests and status). */
  get open(): number {
    return this.pending.size;
  }

  /**
   * What to store for this reading now: itself (`all`, or a reading the sampler cannot key, so the
   * converter reports what is wrong with it), nothing (`off`, or its second is still open), or the
   * points of seconds that this reading closed.
   */
  offer(reading: JsonObject): JsonObject[] {
    if (this.resolution === 'all') return [reading];
    if (this.resolution === 'off') return [];
    const { scanner, mac, ts, rssi } = reading;
    if (
      typeof scanner !== 'string' ||
      typeof mac !== 'string' ||
      !isFiniteNumber(ts) ||
      !isFiniteNumber(rssi)
    )
      return [reading];
    const second = Math.floor(ts / 1000);
    const out: JsonObject[] = [];
    const key = `${scanner}\u0000${mac}`;
    let p = this.pending.get(key);
    if (p && p.second !== second) {
      // A reading of a second already written (out of order) is left out: a second point with the same
      // timestamp would overwrite the first in InfluxDB.
      if (second < p.second) return out;
      out.push(point(p));
      this.pending.delete(key);
      p = undefined;
    }
    if (!p) {
      if (this.pending.size >= MAX_PENDING) out.push(...this.flush());
      p = { second, scanner, mac, n: 0, rssiSum: 0, rawSum: 0, rawN: 0 };
      this.pending.set(key, p);
    }
    p.n++;
    p.rssiSum += rssi;
    if (isFiniteNumber(reading.rssiRaw)) {
      p.rawSum += reading.rssiRaw;
      p.rawN++;
    }
    if (typeof reading.dog === 'string') p.dog = reading.dog;
    if (isFiniteNumber(reading.rssiVar)) p.rssiVar = reading.rssiVar;
    if (isFiniteNumber(reading.txPower)) p.txPower = reading.txPower;
    if (isFiniteNumber(reading.battery)) p.battery = reading.battery;
    if (second > this.newest) this.newest = second;
    if (this.newest - this.swept >= STALE_S) {
      this.swept = this.newest;
      for (const [k, q] of this.pending) {
        if (this.newest - q.second >= STALE_S) {
          out.push(point(q));
          this.pending.delete(k);
        }
      }
    }
    return out;
  }

  /** Every open second as a point (at close, so nothing is lost). */
  flush(): JsonObject[] {
    const out = [...this.pending.values()].map(point);
    this.pending.clear();
    return out;
  }
}

function point(p: Pending): JsonObject {
  const out: JsonObject = {
    v: CONTRACT_VERSION,
    type: 'rssi',
    scanner: p.scanner,
    mac: p.mac,
    ts: p.second * 1000,
    rssi: p.rssiSum / p.n,
    n: p.n,
  };
  if (p.dog !== undefined) out.dog = p.dog;
  if (p.rawN > 0) out.rssiRaw = p.rawSum / p.rawN;
  if (p.rssiVar !== undefined) out.rssiVar = p.rssiVar;
  if (p.txPower !== undefined) out.txPower = p.txPower;
  if (p.battery !== undefined) out.battery = p.battery;
  return out;
}
