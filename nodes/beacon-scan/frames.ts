// Decoders for the beacon frames the collars send: iBeacon, AltBeacon, Eddystone (UID, URL, TLM, EID) and
// Minew's service-data frames (info, accelerometer, temperature/humidity). Pure and total: any bytes give a
// result object, never a throw; bytes that are no known frame give `frame: 'unknown'` and say why.
import type {
  AltBeaconFields,
  EddystoneFields,
  FrameKind,
  IBeaconFields,
  MinewFields,
} from '../kernel/contract';
import { scannerOfUid } from './advertiser';

/** The parts of one advertisement the decoder reads (as noble's bindings deliver them). */
export interface AdvertData {
  /** Whole 0xFF AD payload, the 2-byte little-endian company id first. */
  manufacturerData?: Uint8Array;
  /** 16-bit service data: the UUID as 4 lower-case hex digits, and the bytes after it. */
  serviceData?: ReadonlyArray<{ uuid: string; data: Uint8Array }>;
}

export interface DecodedFrame {
  frame: FrameKind;
  txPower?: number;
  battery?: number;
  ibeacon?: IBeaconFields;
  altbeacon?: AltBeaconFields;
  eddystone?: EddystoneFields;
  minew?: MinewFields;
  /** Only on `unknown`: why the bytes are not a frame this decoder knows. */
  undecoded?: string;
}

const APPLE = 0x004c;
const EDDYSTONE_UUID = 'feaa';
const MINEW_UUID = 'ffe1';
const MINEW_VERSION = 0xa1;

/**
 * Decodes one advertisement. Manufacturer data is tried first (iBeacon, AltBeacon), then each service-data
 * entry (Eddystone, Minew); the first known frame wins. Malformed known frames explain themselves.
 */
export function decodeAdvert(ad: AdvertData): DecodedFrame {
  const reasons: string[] = [];
  if (ad.manufacturerData && ad.manufacturerData.length > 0) {
    const result = decodeManufacturerData(ad.manufacturerData);
    if (result.frame !== 'unknown') return result;
    if (result.undecoded) reasons.push(result.undecoded);
  }
  for (const entry of ad.serviceData ?? []) {
    const result = decodeServiceData(entry.uuid, entry.data);
    if (result.frame !== 'unknown') return result;
    if (result.undecoded) reasons.push(result.undecoded);
  }
  return unknown(reasons.length > 0 ? reasons.join('; ') : 'no manufacturer or service data');
}

/** iBeacon or AltBeacon from the whole manufacturer-specific payload (company id first). */
export function decodeManufacturerData(bytes: Uint8Array): DecodedFrame {
  if (bytes.length < 4) return unknown(`manufacturer data too short (${bytes.length} bytes)`);
  const company = bytes[0] | (bytes[1] << 8);
  if (company === APPLE && bytes[2] === 0x02 && bytes[3] === 0x15) {
    if (bytes.length < 25) return unknown(`iBeacon frame truncated: ${bytes.length} of 25 bytes`);
    return {
      frame: 'ibeacon',
      ibeacon: { uuid: uuidString(bytes, 4), major: u16be(bytes, 20), minor: u16be(bytes, 22) },
      txPower: i8(bytes[24]),
    };
  }
  if (bytes[2] === 0xbe && bytes[3] === 0xac) {
    if (bytes.length < 26) return unknown(`AltBeacon frame truncated: ${bytes.length} of 26 bytes`);
    return {
      frame: 'altbeacon',
      altbeacon: { company, id: uuidString(bytes, 4), id2: u16be(bytes, 20), id3: u16be(bytes, 22) },
      txPower: i8(bytes[24]),
    };
  }
  return unknown(`manufacturer 0x${hex16(company)} data is not a beacon frame`);
}

/** Eddystone or Minew from one 16-bit service-data entry. */
export function decodeServiceData(uuid: string, data: Uint8Array): DecodedFrame {
  const id = uuid.toLowerCase();
  if (id === EDDYSTONE_UUID) return decodeEddystone(data);
  if (id === MINEW_UUID) return decodeMinew(data);
  return unknown(`service data 0x${id} is not a beacon frame`);
}

function decodeEddystone(d: Uint8Array): DecodedFrame {
  if (d.length < 1) return unknown('empty Eddystone frame');
  switch (d[0]) {
    case 0x00: // UID: tx power, 10-byte namespace, 6-byte instance, 2 reserved bytes (often left out)
      if (d.length < 18) return unknown(`Eddystone-UID frame truncated: ${d.length} of 18 bytes`);
      return {
        frame: 'eddystone-uid',
        eddystone: { namespace: hexString(d, 2, 12), instance: hexString(d, 12, 18) },
        txPower: i8(d[1]),
      };
    case 0x10: {
      if (d.length < 3) return unknown(`Eddystone-URL frame truncated: ${d.length} bytes`);
      const url = eddystoneUrl(d);
      if (url === undefined) return unknown('Eddystone-URL frame has an invalid scheme or character');
      return { frame: 'eddystone-url', eddystone: { url }, txPower: i8(d[1]) };
    }
    case 0x20: {
      if (d.length < 14) return unknown(`Eddystone-TLM frame truncated: ${d.length} of 14 bytes`);
      if (d[1] !== 0x00) return unknown(`Eddystone-TLM version ${d[1]} (encrypted) is not decoded`);
      const eddystone: EddystoneFields = {};
      const mv = u16be(d, 2);
      if (mv !== 0) eddystone.batteryMv = mv; // 0: the beacon does not measure its battery
      const rawTemp = u16be(d, 4);
      if (rawTemp !== 0x8000) eddystone.tempC = round(fixed88(d, 4), 2); // 0x8000: not supported
      eddystone.advCount = u32be(d, 6);
      eddystone.uptimeS = round(u32be(d, 10) / 10, 1);
      return { frame: 'eddystone-tlm', eddystone };
    }
    case 0x30:
      if (d.length < 10) return unknown(`Eddystone-EID frame truncated: ${d.length} of 10 bytes`);
      return { frame: 'eddystone-eid', eddystone: { eid: hexString(d, 2, 10) }, txPower: i8(d[1]) };
    default:
      return unknown(`Eddystone frame type 0x${hex8(d[0])} is not known`);
  }
}

function decodeMinew(d: Uint8Array): DecodedFrame {
  if (d.length < 2 || d[0] !== MINEW_VERSION) return unknown('service data 0xffe1 is not a Minew frame');
  switch (d[1]) {
    case 0x08: // info: battery %, MAC (byte-reversed), name
      if (d.length < 9) return unknown(`Minew info frame truncated: ${d.length} of 9 bytes`);
      return withBattery(
        { frame: 'minew-info', minew: { mac: reversedMac(d, 3), name: asciiName(d, 9) } },
        d[2],
      );
    case 0x03: // accelerometer: battery %, x y z as signed 8.8 g, MAC (byte-reversed)
      if (d.length < 15) return unknown(`Minew accelerometer frame truncated: ${d.length} of 15 bytes`);
      return withBattery(
        {
          frame: 'minew-accel',
          minew: {
            mac: reversedMac(d, 9),
            accel: [round(fixed88(d, 3), 4), round(fixed88(d, 5), 4), round(fixed88(d, 7), 4)],
          },
        },
        d[2],
      );
    case 0x01: // temperature / humidity: battery %, signed 8.8 °C, unsigned 8.8 %RH, MAC (byte-reversed)
      if (d.length < 13)
        return unknown(`Minew temperature/humidity frame truncated: ${d.length} of 13 bytes`);
      return withBattery(
        {
          frame: 'minew-ht',
          minew: {
            mac: reversedMac(d, 7),
            tempC: round(fixed88(d, 3), 2),
            humidity: round(u16be(d, 5) / 256, 2),
          },
        },
        d[2],
      );
    default:
      return unknown(`Minew frame type 0x${hex8(d[1])} is not known`);
  }
}

/** The reading `id` of the contract for a decoded frame: its own identity, else `mac:` + the MAC. */
export function frameId(decoded: DecodedFrame, mac: string): string {
  switch (decoded.frame) {
    case 'ibeacon': {
      const b = decoded.ibeacon!;
      return `ibeacon:${b.uuid}:${b.major}:${b.minor}`;
    }
    case 'eddystone-uid': {
      const { namespace = '', instance = '' } = decoded.eddystone!;
      // Another scanner's own beacon (see advertiser.ts): trilaterate reads it as a calibration link.
      const scanner = scannerOfUid(namespace, instance);
      return scanner !== undefined ? `scanner:${scanner}` : `eddystone:${namespace}:${instance}`;
    }
    case 'eddystone-eid':
      return `eddystone-eid:${decoded.eddystone!.eid}`;
    case 'altbeacon': {
      const a = decoded.altbeacon!;
      return `altbeacon:${a.id}:${a.id2}:${a.id3}`;
    }
    default:
      return `mac:${mac}`;
  }
}

const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'];
const URL_CODES = [
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  '.info/',
  '.biz/',
  '.gov/',
  '.com',
  '.org',
  '.edu',
  '.net',
  '.info',
  '.biz',
  '.gov',
];

function eddystoneUrl(d: Uint8Array): string | undefined {
  const scheme = URL_SCHEMES[d[2]];
  if (scheme === undefined) return undefined;
  let url = scheme;
  for (let i = 3; i < d.length; i++) {
    const c = d[i];
    if (c < URL_CODES.length) url += URL_CODES[c];
    else if (c > 0x20 && c < 0x7f) url += String.fromCharCode(c);
    else return undefined;
  }
  return url;
}

function unknown(undecoded: string): DecodedFrame {
  return { frame: 'unknown', undecoded };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexString(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[b[i]];
  return s;
}

function uuidString(b: Uint8Array, at: number): string {
  const h = hexString(b, at, at + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function reversedMac(b: Uint8Array, at: number): string {
  let s = HEX[b[at + 5]];
  for (let i = at + 4; i >= at; i--) s += ':' + HEX[b[i]];
  return s;
}

function asciiName(b: Uint8Array, from: number): string {
  let s = '';
  for (let i = from; i < b.length; i++) {
    const c = b[i];
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

/** Battery percent first in the result (as the contract shows it); a byte over 100 is no percentage, left out. */
function withBattery(frame: DecodedFrame, percent: number): DecodedFrame {
  const { frame: kind, ...rest } = frame;
  return percent <= 100 ? { frame: kind, battery: percent, ...rest } : frame;
}

function i8(v: number): number {
  return v > 127 ? v - 256 : v;
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

/** Signed 8.8 fixed point, big-endian. */
function fixed88(b: Uint8Array, at: number): number {
  const raw = u16be(b, at);
  return (raw > 0x7fff ? raw - 0x10000 : raw) / 256;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function hex8(v: number): string {
  return HEX[v];
}

function hex16(v: number): string {
  return HEX[v >> 8] + HEX[v & 0xff];
}
