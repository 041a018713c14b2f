// Beacons heard lately, for the site editor's "pick a collar": a node that sees readings reports them
// here, the editor lists them with their RSSI so an owner can find a collar by holding it near a scanner.
// Bounded: the MAX_BEACONS (beacon, scanner) pairs reported last, each with its latest reading.
import type { RssiReading } from '../kernel/contract';

export const MAX_BEACONS = 200;
/** Readings older than this before the newest one reported are not "heard now". */
export const HEARD_WINDOW_MS = 30_000;

export interface HeardBeacon {
  /** The frame id if the reading has one, else the MAC. */
  beacon: string;
  mac: string;
  scanner: string;
  rssi: number;
  ts: number;
}

/** Latest reading per (beacon, scanner), stamped with the order it was reported in. */
interface Entry extends HeardBeacon {
  stamp: number;
}

// By beacon, then scanner: a reading costs two lookups and no key string (trilaterate reports every one).
// The MAX_BEACONS pairs reported last are the ones listed; up to twice that are kept, and going over
// drops back to MAX_BEACONS at once, so the eviction is amortised over many new pairs.
const heard = new Map<string, Map<string, Entry>>();
let entries = 0;
let reported = 0;
let newestTs = 0;

export type HeardReading = Pick<RssiReading, 'mac' | 'id' | 'scanner' | 'rssi' | 'ts' | 'rssiRaw'>;
/** Who wants every reading as it is reported (the site admin's calibration walk, while one runs). */
const listeners = new Set<(r: HeardReading) => void>();

/** Calls `listener` with each reading reported from now on; returns the unsubscribe. */
export function onReading(listener: (r: HeardReading) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records a reading (event time: `ts`, never the wall clock). */
export function reportReading(r: HeardReading): void {
  if (!Number.isFinite(r.ts) || !Number.isFinite(r.rssi)) return;
  if (listeners.size > 0) for (const listener of listeners) listener(r);
  const beacon = r.id ?? r.mac;
  if (r.ts > newestTs) newestTs = r.ts;
  let byScanner = heard.get(beacon);
  if (!byScanner) {
    byScanner = new Map();
    heard.set(beacon, byScanner);
  }
  const entry = byScanner.get(r.scanner);
  if (entry) {
    entry.mac = r.mac;
    entry.rssi = r.rssi;
    entry.ts = r.ts;
    entry.stamp = ++reported;
    return;
  }
  byScanner.set(r.scanner, {
    beacon,
    mac: r.mac,
    scanner: r.scanner,
    rssi: r.rssi,
    ts: r.ts,
    stamp: ++reported,
  });
  if (++entries > 2 * MAX_BEACONS) keepNewest(MAX_BEACONS);
}

/** The stamp at or after which an entry is among the `n` reported last. */
function newestStamps(n: number): number {
  if (entries <= n) return -Infinity;
  const stamps = new Float64Array(entries);
  let i = 0;
  for (const byScanner of heard.values()) for (const e of byScanner.values()) stamps[i++] = e.stamp;
  stamps.sort();
  return stamps[entries - n];
}

/** Drops all but the `n` pairs reported last. */
function keepNewest(n: number): void {
  const from = newestStamps(n);
  for (const [beacon, byScanner] of heard) {
    for (const [scanner, e] of byScanner) {
      if (e.stamp >= from) continue;
      byScanner.delete(scanner);
      entries--;
    }
    if (byScanner.size === 0) heard.delete(beacon);
  }
}

/** Each beacon heard in the window: the scanner that hears it loudest, strongest first. */
export function heardNow(): HeardBeacon[] {
  const from = newestStamps(MAX_BEACONS);
  const best = new Map<string, HeardBeacon>();
  for (const byScanner of heard.values())
    for (const e of byScanner.values()) {
      if (e.stamp < from || e.ts < newestTs - HEARD_WINDOW_MS) continue;
      const b = best.get(e.beacon);
      if (!b || e.rssi > b.rssi)
        best.set(e.beacon, { beacon: e.beacon, mac: e.mac, scanner: e.scanner, rssi: e.rssi, ts: e.ts });
    }
  return [...best.values()].sort((a, b) => b.rssi - a.rssi);
}

/** For tests. */
export function clearHeard(): void {
  heard.clear();
  entries = 0;
  reported = 0;
  newestTs = 0;
}
