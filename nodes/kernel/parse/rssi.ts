// The contract's `rssi` reading. Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type FrameKind, type RssiReading } from '../contract';
import { FieldReader, notAnObject, type Parsed } from './fields';

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
  f.number('rssi', true, { ...RSSI_RANGE_DBM, unit: 'dBm' });
  f.number('seq', false, { integer: true, min: 0 });
  f.string('id', false);
  f.string('dog', false);
  f.number('txPower', false, { ...RSSI_RANGE_DBM, unit: 'dBm' });
  f.oneOf('frame', FRAME_KINDS, false);
  f.number('battery', false, { min: 0, max: 100, unit: '%' });
  f.number('rssiRaw', false, { ...RSSI_RANGE_DBM, unit: 'dBm' });
  f.number('rssiVar', false, { min: 0, unit: 'dB²' });
  for (const family of ['ibeacon', 'altbeacon', 'eddystone', 'minew']) f.object(family, false);
  return f.done(() => value as unknown as RssiReading);
}
