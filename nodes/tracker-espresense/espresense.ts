// ESPresense (ESP32 room nodes, https://espresense.com) MQTT output -> contract messages. Pure: no Node-RED.
//
// What the firmware publishes (ESPresense/ESPresense src/main.cpp and src/BleFingerprint.cpp, fill()):
//  - `espresense/devices/{id}/{room}`: one JSON report per beacon per room, not retained, with `mac` (12 hex
//    digits, no colons), `id` (e.g. `iBeacon:{uuid}-{major}-{minor}`), `rssi@1m`, `rssi` (already filtered:
//    an IQR-trimmed mean over up to 15 s, minus the node's `rx_adj_rssi`), `rssiVar`, `distance`, `batt`, ...
//    A fifth topic level (`.../{room}/{report}`) carries query results, not readings.
//  - `espresense/rooms/{room}/status`: `online` (retained) and `offline` as its last will.
//  - `espresense/rooms/{room}/telemetry`: JSON every 15 s with `uptime` (s), `rssi` (Wi-Fi dBm), `freeHeap`.
// No report carries a time: a reading's `ts` is when the hub received it.
import { isFiniteNumber, isObject, payloadText, excerpt, type JsonObject } from '../kernel/checks';
import { CONTRACT_VERSION, type Health, type RssiReading } from '../kernel/contract';
import type { SiteView } from '../kernel/site-view';

export interface EspresenseOptions {
  /** First topic level (ESPresense's default `espresense`). */
  root: string;
  /** ESPresense room id -> site scanner id; a room not listed is the scanner of the same id. */
  rooms: Readonly<Record<string, string>>;
  /** Pass readings of beacons that are no dog of the site (ESPresense reports phones, watches, ...). */
  allBeacons: boolean;
}

export const DEFAULT_ESPRESENSE_OPTIONS: EspresenseOptions = {
  root: 'espresense',
  rooms: {},
  allBeacons: false,
};

/** Most rooms whose `seq` is kept; rooms are scanners of the site, so this is only a guard. */
export const MAX_ROOMS = 512;

/** A contract reading with what ESPresense said of it (an optional field: docs/CONTRACT-EXTENSIONS.md). */
export interface EspresenseReading extends RssiReading {
  espresense: { room: string; id: string; distance?: number };
}

export type EspresenseResult =
  | { kind: 'reading'; reading: EspresenseReading }
  | { kind: 'status'; scanner: string; status: 'online' | 'offline' }
  | { kind: 'health'; health: Health }
  /** Not for the tracker (another beacon, a room that is no scanner, a topic it does not use). */
  | { kind: 'skipped'; reason: string };

export class EspresenseBridge {
  private view: SiteView | undefined;
  private readonly seqs = new Map<string, number>();

  constructor(private readonly options: EspresenseOptions = DEFAULT_ESPRESENSE_OPTIONS) {}

  setSite(view: SiteView): void {
    this.view = view;
  }

  /**
   * One ESPresense message, received at `receivedTs` (ms since the epoch: ESPresense sends no time).
   * Throws an Error naming the field for a payload that is not what ESPresense sends.
   */
  accept(topic: unknown, payload: unknown, receivedTs: number): EspresenseResult {
    if (typeof topic !== 'string')
      throw new Error(`msg.topic must be an ESPresense topic, got ${excerpt(topic)}`);
    const levels = topic.split('/');
    if (levels[0] !== this.options.root)
      throw new Error(`msg.topic must start with "${this.options.root}/", got ${excerpt(topic)}`);
    if (levels[1] === 'devices' && levels.length === 4)
      return this.device(levels[2], levels[3], payload, receivedTs);
    if (levels[1] === 'devices' && levels.length === 5) return { kind: 'skipped', reason: 'a query report' };
    if (levels[1] === 'rooms' && levels.length === 4) {
      if (levels[3] === 'status') return this.status(levels[2], payload);
      if (levels[3] === 'telemetry') return this.telemetry(levels[2], payload, receivedTs);
      return { kind: 'skipped', reason: `room topic "${levels[3]}" is not used` };
    }
    throw new Error(`msg.topic is no ESPresense devices or rooms topic: ${excerpt(topic)}`);
  }

  /** The site scanner a room is, or undefined. */
  scannerOf(room: string): string | undefined {
    const id = this.options.rooms[room] ?? room;
    return this.view?.scanner(id) ? id : undefined;
  }

  private device(topicId: string, room: string, payload: unknown, ts: number): EspresenseResult {
    const view = this.requireSite();
    const scanner = this.scannerOf(room);
    if (!scanner) return { kind: 'skipped', reason: `room "${room}" is no scanner of the site` };
    const doc = jsonObject(payload);
    const rawId = typeof doc.id === 'string' && doc.id !== '' ? doc.id : topicId;
    const mac = macOf(doc.mac) ?? macOf(rawId);
    if (!mac) throw new Error(`payload.mac must be a MAC address (12 hex digits), got ${excerpt(doc.mac)}`);
    const rssi = doc.rssi;
    if (!isFiniteNumber(rssi) || rssi > 20 || rssi < -150)
      throw new Error(`payload.rssi must be a number of dBm, got ${excerpt(rssi)}`);
    const id = contractId(rawId, mac);
    const dog = view.dogByBeacon(mac, id);
    if (!dog && !this.options.allBeacons) return { kind: 'skipped', reason: 'a beacon of no dog' };
    const reading: EspresenseReading = {
      v: CONTRACT_VERSION,
      type: 'rssi',
      scanner,
      seq: this.nextSeq(scanner),
      ts,
      mac,
      id,
      rssi: Math.round(rssi * 100) / 100,
      espresense: { room, id: rawId.slice(0, 80) },
    };
    const ref = doc['rssi@1m'];
    if (isFiniteNumber(ref) && ref < 0 && ref > -150) reading.txPower = ref;
    if (id.startsWith('ibeacon:')) reading.frame = 'ibeacon';
    // ESPresense's rssiVar is the variance of the raw readings it averaged: an upper bound of its mean's.
    if (isFiniteNumber(doc.rssiVar) && doc.rssiVar >= 0 && doc.rssiVar < 1e4) reading.rssiVar = doc.rssiVar;
    if (isFiniteNumber(doc.batt) && doc.batt >= 0 && doc.batt <= 100) reading.battery = doc.batt;
    if (dog) reading.dog = dog.id;
    if (isFiniteNumber(doc.distance) && doc.distance >= 0) reading.espresense.distance = doc.distance;
    return { kind: 'reading', reading };
  }

  private status(room: string, payload: unknown): EspresenseResult {
    this.requireSite();
    const scanner = this.scannerOf(room);
    if (!scanner) return { kind: 'skipped', reason: `room "${room}" is no scanner of the site` };
    const text = (payloadText(payload) ?? '').trim().toLowerCase();
    if (text !== 'online' && text !== 'offline')
      throw new Error(`payload of a room status must be "online" or "offline", got ${excerpt(payload)}`);
    return { kind: 'status', scanner, status: text };
  }

  private telemetry(room: string, payload: unknown, ts: number): EspresenseResult {
    this.requireSite();
    const scanner = this.scannerOf(room);
    if (!scanner) return { kind: 'skipped', reason: `room "${room}" is no scanner of the site` };
    const doc = jsonObject(payload);
    const health: Health = { v: CONTRACT_VERSION, type: 'health', node: scanner, ts };
    if (isFiniteNumber(doc.uptime) && doc.uptime >= 0) health.uptimeS = doc.uptime;
    if (isFiniteNumber(doc.rssi) && doc.rssi < 0 && doc.rssi > -150)
      health.wifi = { iface: 'wifi', signalDbm: doc.rssi };
    return { kind: 'health', health };
  }

  private requireSite(): SiteView {
    if (!this.view) throw new Error('the site has not loaded yet');
    return this.view;
  }

  private nextSeq(scanner: string): number {
    const seq = (this.seqs.get(scanner) ?? 0) + 1;
    this.seqs.delete(scanner);
    if (this.seqs.size >= MAX_ROOMS) this.seqs.delete(this.seqs.keys().next().value as string);
    this.seqs.set(scanner, seq);
    return seq;
  }
}

function jsonObject(payload: unknown): JsonObject {
  const text = payloadText(payload);
  let value = payload;
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`payload must be ESPresense's JSON, got ${excerpt(text)}`);
    }
  }
  if (!isObject(value)) throw new Error(`payload must be a JSON object, got ${excerpt(value)}`);
  return value;
}

/** `ac233fa3804b` or `ac:23:3f:a3:80:4b` -> `ac:23:3f:a3:80:4b`. */
export function macOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.trim().toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return [0, 2, 4, 6, 8, 10].map((i) => hex.slice(i, i + 2)).join(':');
}

/** ESPresense's device id as the contract's reading id (`ibeacon:uuid:major:minor`, else `mac:` + MAC). */
export function contractId(id: string, mac: string): string {
  const ibeacon = /^ibeacon:([0-9a-f-]{36})-(\d+)-(\d+)$/i.exec(id);
  if (ibeacon) return `ibeacon:${ibeacon[1].toLowerCase()}:${ibeacon[2]}:${ibeacon[3]}`;
  const altbeacon = /^altbeacon:([0-9a-f-]{36})-(\d+)-(\d+)$/i.exec(id);
  if (altbeacon) return `altbeacon:${altbeacon[1].toLowerCase()}:${altbeacon[2]}:${altbeacon[3]}`;
  const eddystone = /^eddy:([0-9a-f]{20,22})-([0-9a-f]{12})$/i.exec(id);
  if (eddystone) return `eddystone:${eddystone[1].toLowerCase()}:${eddystone[2].toLowerCase()}`;
  return `mac:${mac}`;
}

/** Parses the editor's room map: one `room = scanner` per line (or comma separated). */
export function parseRoomMap(text: string): { rooms: Record<string, string>; errors: string[] } {
  const rooms: Record<string, string> = {};
  const errors: string[] = [];
  const entries = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const entry of entries.slice(0, MAX_ROOMS)) {
    const match = /^([^=\s/+#]+)\s*=\s*([^=\s/+#]+)$/.exec(entry);
    if (match) rooms[match[1]] = match[2];
    else errors.push(`room map entry ${excerpt(entry)} must be "room = scanner"`);
  }
  if (entries.length > MAX_ROOMS) errors.push(`room map has more than ${MAX_ROOMS} entries`);
  return { rooms, errors };
}
