// Beacons heard lately, for the site editor's "pick a collar": a node that sees readings reports them
// here, the editor lists them with their RSSI so an owner can find a collar by holding it near a scanner.
// Bounded: at most MAX_BEACONS beacons, each with its strongest recent reading per scanner.
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

const heard = new Map<string, HeardBeacon>();
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
  newestTs = Math.max(newestTs, r.ts);
  const key = `${beacon}|${r.scanner}`;
  heard.delete(key);
  heard.set(key, { beacon, mac: r.mac, scanner: r.scanner, rssi: r.rssi, ts: r.ts });
  // Map order is insertion order: the oldest entry goes first.
  while (heard.size > MAX_BEACONS) heard.delete(heard.keys().next().value as string);
}

/** Each beacon heard in the window: the scanner that hears it loudest, strongest first. */
export function heardNow(): HeardBeacon[] {
  const best = new Map<string, HeardBeacon>();
  for (const h of heard.values()) {
    if (h.ts < newestTs - HEARD_WINDOW_MS) continue;
    const b = best.get(h.beacon);
    if (!b || h.rssi > b.rssi) best.set(h.beacon, h);
  }
  return [...best.values()].sort((a, b) => b.rssi - a.rssi);
}

/** For tests. */
export function clearHeard(): void {
  heard.clear();
  newestTs = 0;
}
