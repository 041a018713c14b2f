// The contract's `rssi` reading. Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type FrameKind, type RssiReading } from '../contract';
import {
  FieldReader,
  hasNonFinite,
  MESSAGE_LIMITS,
  notAnObject,
  type NumberRule,
  type Parsed,
} from './fields';

export const FRAME_KINDS: readonly FrameKind[] = [
  'ibeacon',
  'eddystone-uid',
  'eddystone-url',
  'eddystone-tlm',
  'eddystone-eid',
  'altbeacon',
  'minew-info',
  'minew-accel',
  'minew-ht',
  'unknown',
];

/** RSSI a receiver can report, dBm: below is noise, above is a receiver next to a transmitter. */
export const RSSI_RANGE_DBM = { min: -150, max: 30 } as const;

// The rules once, not per reading: a busy hub parses tens of thousands of readings a second.
const DBM: NumberRule = { ...RSSI_RANGE_DBM, unit: 'dBm' };
const SEQ: NumberRule = { integer: true, min: 0 };
const BATTERY_RANGE = { min: 0, max: 100 } as const;
const BATTERY: NumberRule = { ...BATTERY_RANGE, unit: '%' };
const VARIANCE: NumberRule = { min: 0, unit: 'dB²' };
const FAMILIES = ['ibeacon', 'altbeacon', 'eddystone', 'minew'] as const;

/**
 * An `rssi` reading. `type` may be left out (a reading is what a reading node takes); every other field
 * has its contract type. The value is the input object itself, so fields of later additions pass on.
 */
export function parseRssi(value: unknown, path = 'payload'): Parsed<RssiReading> {
  return isValidRssi(value) ? { ok: true, value } : checkRssiFields(value, path);
}

/** parseRssi without its fast path: every field read and checked, each problem named (tests compare). */
export function checkRssiFields(value: unknown, path = 'payload'): Parsed<RssiReading> {
  if (!isObject(value)) return notAnObject(path, 'an rssi reading object (or an array of them)', value);
  const f = new FieldReader(value, path);
  f.header('rssi', false, CONTRACT_VERSION);
  f.string('scanner', true);
  f.ts('ts', true);
  f.string('mac', true);
  f.number('rssi', true, DBM);
  f.number('seq', false, SEQ);
  f.string('id', false);
  f.string('dog', false);
  f.number('txPower', false, DBM);
  f.oneOf('frame', FRAME_KINDS, false);
  f.number('battery', false, BATTERY);
  f.number('rssiRaw', false, DBM);
  f.number('rssiVar', false, VARIANCE);
  for (const family of FAMILIES) f.object(family, false);
  return f.done(() => value as unknown as RssiReading);
}

const FRAME_SET: ReadonlySet<unknown> = new Set(FRAME_KINDS);
const MAX_ID = MESSAGE_LIMITS.maxIdChars;

/**
 * Whether `value` is a reading parseRssi takes, with no text built and nothing allocated: the hub parses
 * each reading in rssi-filter and again in trilaterate, so the valid case must be cheap. The parser's
 * rules (a false sends the value through the full parser, which says why), for a plain object (JSON's,
 * a literal's; anything else goes to the parser). One pass over the fields that are there, never a look
 * for one that is not: readings differ in their optional fields, and a look for an absent field on
 * objects of many shapes costs more than the whole pass. Other fields (later additions) and the beacon
 * families' contents may hold no non-finite number, as the parser's `done` checks.
 */
export function isValidRssi(value: unknown): value is RssiReading {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const o = value as Record<string, unknown>;
  let required = 0;
  for (const key in o) {
    const item = o[key];
    if (item === undefined) continue; // absent, for the parser
    switch (key) {
      case 'scanner':
      case 'mac':
        if (!isId(item)) return false;
        required++;
        break;
      case 'ts':
        if (typeof item !== 'number' || !(item >= MESSAGE_LIMITS.minTsMs && item < MESSAGE_LIMITS.maxTsMs))
          return false;
        required++;
        break;
      case 'rssi':
        if (!isDbm(item)) return false;
        required++;
        break;
      case 'v':
        if (item !== CONTRACT_VERSION) return false;
        break;
      case 'type':
        if (item !== 'rssi') return false;
        break;
      case 'seq':
        if (typeof item !== 'number' || !Number.isSafeInteger(item) || item < 0) return false;
        break;
      case 'id':
      case 'dog':
        if (!isId(item)) return false;
        break;
      case 'txPower':
      case 'rssiRaw':
        if (!isDbm(item)) return false;
        break;
      case 'frame':
        if (!FRAME_SET.has(item)) return false;
        break;
      case 'battery':
        if (typeof item !== 'number' || !(item >= BATTERY_RANGE.min && item <= BATTERY_RANGE.max))
          return false;
        break;
      case 'rssiVar':
        if (typeof item !== 'number' || !(item >= 0 && item < Infinity)) return false;
        break;
      case 'ibeacon':
      case 'altbeacon':
      case 'eddystone':
      case 'minew':
        if (!isObject(item) || hasNonFinite(item, 1)) return false;
        break;
      case '__proto__':
        // JSON's own "__proto__" field reads as the prototype here: the parser looks at it.
        return false;
      default:
        if (hasNonFinite(item, 1)) return false;
    }
  }
  // scanner, mac, ts and rssi: each met once (an object's keys are unique).
  return required === 4;
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
}

function isDbm(value: unknown): boolean {
  return typeof value === 'number' && value >= RSSI_RANGE_DBM.min && value <= RSSI_RANGE_DBM.max;
}
