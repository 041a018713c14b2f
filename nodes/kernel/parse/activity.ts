// dog-activity's `activity` message (docs/CONTRACT-EXTENSIONS.md). Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION } from '../contract';
import { FieldReader, notAnObject, type Parsed } from './fields';

export const ACTIVITY_STATES = ['rest', 'moving', 'running'] as const;
export const ACTIVITY_SOURCES = ['accel', 'position'] as const;

/** A day has 1440 minutes; a night's or a day's totals cannot hold more (a little slack for DST days). */
const MAX_DAY_MIN = 1500;

export interface ActivityMessage {
  v: number;
  type: 'activity';
  dog: string;
  ts: number;
  state: (typeof ACTIVITY_STATES)[number];
  source: (typeof ACTIVITY_SOURCES)[number];
  restS: number;
  movingS: number;
  runningS: number;
  samples: number;
  level: number;
  stillMin: number;
  today: {
    day: string;
    activeMin: number;
    restMin: number;
    longestRestMin: number;
    nightRestlessMin: number;
    observedMin: number;
  };
  baseline?: {
    days: number;
    activeMin: number;
    restMin: number;
    longestRestMin: number;
    nightRestlessMin: number;
  };
}

/** An `activity` (`type` required). The value is a shallow copy with `v` filled in. */
export function parseActivity(value: unknown, path = 'payload'): Parsed<ActivityMessage> {
  if (!isObject(value)) return notAnObject(path, 'an activity object (type "activity")', value);
  const f = new FieldReader(value, path);
  f.header('activity', true, CONTRACT_VERSION);
  f.string('dog', true);
  f.ts('ts', true);
  f.oneOf('state', ACTIVITY_STATES, true);
  f.oneOf('source', ACTIVITY_SOURCES, true);
  for (const key of ['restS', 'movingS', 'runningS'])
    f.number(key, true, { min: 0, max: 60, unit: 's of the minute' });
  f.number('samples', true, { integer: true, min: 0 });
  f.number('level', true, { min: 0, max: 1000, unit: 'g or m/s' });
  // A rest streak may outlast a day: bounded by a year, not by a day.
  f.number('stillMin', true, { integer: true, min: 0, max: 366 * 1440, unit: 'min' });
  const today = f.object('today', true);
  if (today) {
    const t = new FieldReader(today, `${path}.today`);
    const day = t.string('day', true, 10);
    if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) t.problem('day', 'must be a date YYYY-MM-DD');
    for (const key of ['activeMin', 'restMin', 'longestRestMin', 'nightRestlessMin', 'observedMin'])
      t.number(key, true, { integer: true, min: 0, max: MAX_DAY_MIN, unit: 'min' });
    f.problems.push(...t.problems);
  }
  const baseline = f.object('baseline', false);
  if (baseline) {
    const b = new FieldReader(baseline, `${path}.baseline`);
    b.number('days', true, { integer: true, min: 1, max: 366 });
    for (const key of ['activeMin', 'restMin', 'longestRestMin', 'nightRestlessMin'])
      b.number(key, true, { min: 0, max: MAX_DAY_MIN, unit: 'min' });
    f.problems.push(...b.problems);
  }
  return f.done(() => ({ ...(value as unknown as ActivityMessage), v: CONTRACT_VERSION }));
}
