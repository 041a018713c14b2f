// The contract's `rssi` reading. Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type FrameKind, type RssiReading } from '../contract';
import { FieldReader, notAnObject, type NumberRule, type Parsed } from './fields';

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
const BATTERY: NumberRule = { min: 0, max: 100, unit: '%' };
const VARIANCE: NumberRule = { min: 0, unit: 'dB²' };
const FAMILIES = ['ibeacon', 'altbeacon', 'eddystone', 'minew'] as const;

/**
 * An `rssi` reading. `type` may be left out (a reading is what a reading node takes); every other field
 * has its contract type. The value is the input object itself, so fields of later additions pass on.
 */
export function parseRssi(value: unknown, path = 'payload'): Parsed<RssiReading> {
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
