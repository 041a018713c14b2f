// The InfluxDB point of an `activity` message, for influx-write to plug in next to rssi/position/alert:
//   measurement activity
//   tags        dog, state (rest|moving|running), source (accel|position)
//   fields      restS, movingS, runningS, level (floats); samples, stillMin, activeMin, restMin,
//               longestRestMin, nightRestlessMin (integers: the day's totals so far);
//               baselineActiveMin, baselineRestMin, baselineLongestRestMin, baselineNightRestlessMin
//               (floats), baselineDays (integer), only when there is a baseline
//   time        ts (the minute's start), ms
// Types are fixed by field name, as influx-write's are, so writes never conflict.
import { formatLine, type FieldValue } from '../influx-write/line-protocol';
import type { Activity } from './activity-core';

export const ACTIVITY_MEASUREMENT = 'activity';

export const ACTIVITY_INTEGER_FIELDS: ReadonlySet<string> = new Set([
  'samples',
  'stillMin',
  'activeMin',
  'restMin',
  'longestRestMin',
  'nightRestlessMin',
  'baselineDays',
]);

/** One line of protocol for one activity message (non-finite numbers are left out, never written). */
export function activityLine(a: Activity): string {
  const fields: Array<readonly [string, FieldValue]> = [];
  const add = (key: string, value: number | undefined): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const integer = ACTIVITY_INTEGER_FIELDS.has(key);
    fields.push([key, { kind: integer ? 'integer' : 'float', value: integer ? Math.round(value) : value }]);
  };
  add('restS', a.restS);
  add('movingS', a.movingS);
  add('runningS', a.runningS);
  add('level', a.level);
  add('samples', a.samples);
  add('stillMin', a.stillMin);
  add('activeMin', a.today.activeMin);
  add('restMin', a.today.restMin);
  add('longestRestMin', a.today.longestRestMin);
  add('nightRestlessMin', a.today.nightRestlessMin);
  if (a.baseline) {
    add('baselineDays', a.baseline.days);
    add('baselineActiveMin', a.baseline.activeMin);
    add('baselineRestMin', a.baseline.restMin);
    add('baselineLongestRestMin', a.baseline.longestRestMin);
    add('baselineNightRestlessMin', a.baseline.nightRestlessMin);
  }
  const tags: Array<readonly [string, string]> = [
    ['dog', a.dog],
    ['state', a.state],
    ['source', a.source],
  ];
  return formatLine(ACTIVITY_MEASUREMENT, tags, fields, Math.round(a.ts));
}
