// dog-activity's editor settings as core options, with their ranges (the editor checks the same ones).
import { DEFAULT_ACTIVITY_OPTIONS, isTimeZone, type ActivityOptions } from './activity-core';

export interface DogActivityDef {
  timeZone?: string;
  /** The history page: a tracker-site (dogs, zones), a tracker-influx (InfluxDB 1.x, 2.x or 3.x) and the map's path. */
  site?: string;
  influx?: string;
  path?: string;
  nightStartHour?: string | number;
  nightEndHour?: string | number;
  inactiveMin?: string | number;
  restlessMin?: string | number;
  restlessFactor?: string | number;
  accelSilentMin?: string | number;
  baselineDays?: string | number;
  restMaxG?: string | number;
  runMinG?: string | number;
}

const RANGES: Record<string, [keyof ActivityOptions, number, number, boolean]> = {
  nightStartHour: ['nightStartHour', 0, 23, true],
  nightEndHour: ['nightEndHour', 0, 23, true],
  inactiveMin: ['inactiveMin', 0, 1440, true],
  restlessMin: ['restlessMin', 0, 600, true],
  restlessFactor: ['restlessFactor', 1, 20, false],
  accelSilentMin: ['accelSilentMin', 0, 1440, true],
  baselineDays: ['baselineDays', 1, 60, true],
  restMaxG: ['restMaxG', 0.001, 2, false],
  runMinG: ['runMinG', 0.01, 4, false],
};

/** Options from the editor's fields (empty: the core's default); throws naming the first bad field. */
export function optionsFromDef(def: DogActivityDef, defaultZone: string): Partial<ActivityOptions> {
  const options: Partial<ActivityOptions> = {};
  const zone = def.timeZone?.trim() || defaultZone;
  if (!isTimeZone(zone)) throw new Error(`timeZone "${zone.slice(0, 40)}" is not a known time zone`);
  options.timeZone = zone;
  for (const [field, [key, min, max, integer]] of Object.entries(RANGES)) {
    const raw = (def as Record<string, unknown>)[field];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new Error(`${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    (options as Record<string, number>)[key] = n;
  }
  const restMax = options.restMaxG ?? DEFAULT_ACTIVITY_OPTIONS.restMaxG;
  const runMin = options.runMinG ?? DEFAULT_ACTIVITY_OPTIONS.runMinG;
  if (runMin <= restMax) throw new Error('runMinG must be larger than restMaxG');
  return options;
}
