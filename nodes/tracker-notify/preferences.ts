// A person's "set alerts": which dogs, zones and events, the lowest severity, and quiet hours.
// Quiet hours are read in the node's time zone (its setting, else the hub's local time zone), from
// the alert's own `ts`, so a replayed capture is judged as it was live.
import { excerpt, isObject } from '../kernel/checks';
import type { Severity } from '../kernel/contract';
import { CATEGORIES, SEVERITIES, severityRank, type Category, type Classified } from './alert-kinds';

export interface QuietHours {
  /** Minutes after local midnight, 0-1439; `end` < `start` spans midnight. */
  start: number;
  end: number;
}

export interface Preferences {
  /** Dog ids; empty: every dog. */
  dogs: string[];
  /** Zone ids; empty: every zone (alerts without a zone always match). */
  zones: string[];
  events: Category[];
  minSeverity: Severity;
  quiet?: QuietHours;
  /** Critical alerts ignore quiet hours unless this is true. */
  quietCritical: boolean;
  /** Stop everything (holiday): no pushes, no channel messages. */
  paused: boolean;
}

export const DEFAULT_EVENTS: readonly Category[] = [
  'escape',
  'forbidden',
  'missing',
  'battery',
  'scanner-offline',
  'hub',
];

export function defaultPreferences(): Preferences {
  return {
    dogs: [],
    zones: [],
    events: [...DEFAULT_EVENTS],
    minSeverity: 'warning',
    quietCritical: false,
    paused: false,
  };
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Preferences as the app sends and shows them (quiet hours as "HH:MM"). */
export interface PreferencesJson {
  dogs: string[];
  zones: string[];
  events: Category[];
  minSeverity: Severity;
  quiet: { start: string; end: string } | null;
  quietCritical: boolean;
  paused: boolean;
}

export function preferencesToJson(p: Preferences): PreferencesJson {
  return {
    dogs: p.dogs,
    zones: p.zones,
    events: p.events,
    minSeverity: p.minSeverity,
    quiet: p.quiet ? { start: formatMinutes(p.quiet.start), end: formatMinutes(p.quiet.end) } : null,
    quietCritical: p.quietCritical,
    paused: p.paused,
  };
}

function idList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 200)
    throw new Error(`${field} must be an array of up to 200 ids`);
  return value.map((v, i) => {
    if (typeof v !== 'string' || v === '' || v.length > 100)
      throw new Error(`${field}[${i}] must be an id (a short string), not ${excerpt(v)}`);
    return v;
  });
}

/** Validates what the app sent (JSON); throws an Error naming the bad field. Missing fields keep `base`. */
export function parsePreferences(value: unknown, base: Preferences = defaultPreferences()): Preferences {
  if (!isObject(value)) throw new Error(`preferences must be an object, not ${excerpt(value)}`);
  const p: Preferences = { ...base };
  if ('dogs' in value) p.dogs = idList(value.dogs, 'dogs');
  if ('zones' in value) p.zones = idList(value.zones, 'zones');
  if ('events' in value) {
    const events = idList(value.events, 'events');
    for (const e of events)
      if (!CATEGORIES.includes(e as Category))
        throw new Error(`events: unknown event ${excerpt(e)} (one of ${CATEGORIES.join(', ')})`);
    p.events = [...new Set(events as Category[])];
  }
  if ('minSeverity' in value) {
    if (!SEVERITIES.includes(value.minSeverity as Severity))
      throw new Error(`minSeverity must be info, warning or critical, not ${excerpt(value.minSeverity)}`);
    p.minSeverity = value.minSeverity as Severity;
  }
  if ('quiet' in value) {
    const q = value.quiet;
    if (q === null || q === undefined) delete p.quiet;
    else {
      if (!isObject(q))
        throw new Error(`quiet must be {start: "HH:MM", end: "HH:MM"} or null, not ${excerpt(q)}`);
      const start = HHMM.exec(String(q.start));
      const end = HHMM.exec(String(q.end));
      if (!start) throw new Error(`quiet.start must be "HH:MM", not ${excerpt(q.start)}`);
      if (!end) throw new Error(`quiet.end must be "HH:MM", not ${excerpt(q.end)}`);
      p.quiet = {
        start: Number(start[1]) * 60 + Number(start[2]),
        end: Number(end[1]) * 60 + Number(end[2]),
      };
    }
  }
  for (const flag of ['quietCritical', 'paused'] as const) {
    if (flag in value) {
      if (typeof value[flag] !== 'boolean')
        throw new Error(`${flag} must be true or false, not ${excerpt(value[flag])}`);
      p[flag] = value[flag];
    }
  }
  return p;
}

/** Minutes after local midnight of `ts` in a time zone (IANA name; undefined: the hub's own). */
export class LocalTime {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone?: string) {
    // Throws a RangeError for an unknown zone: the adapter reports it as a setting problem.
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone: timeZone || undefined,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  minutes(ts: number): number {
    let h = 0;
    let m = 0;
    for (const part of this.format.formatToParts(ts)) {
      if (part.type === 'hour') h = Number(part.value);
      else if (part.type === 'minute') m = Number(part.value);
    }
    return h * 60 + m;
  }

  /** `HH:MM` of `ts`, for notification texts. */
  clock(ts: number): string {
    return formatMinutes(this.minutes(ts));
  }

  get name(): string {
    return this.format.resolvedOptions().timeZone;
  }
}

export function inQuietHours(quiet: QuietHours | undefined, minutes: number): boolean {
  if (!quiet || quiet.start === quiet.end) return false;
  return quiet.start < quiet.end
    ? minutes >= quiet.start && minutes < quiet.end
    : minutes >= quiet.start || minutes < quiet.end;
}

export type Verdict = 'notify' | 'quiet' | 'filtered';

/** Whether a person with these preferences hears of this alert, at its `ts`. */
export function verdict(p: Preferences, c: Classified, clock: LocalTime): Verdict {
  if (p.paused) return 'filtered';
  if (!p.events.includes(c.category)) return 'filtered';
  if (severityRank(c.alert.severity) < severityRank(p.minSeverity)) return 'filtered';
  if (p.dogs.length > 0 && c.alert.dog !== undefined && !p.dogs.includes(c.alert.dog)) return 'filtered';
  if (p.zones.length > 0 && c.alert.zone !== undefined && !p.zones.includes(c.alert.zone)) return 'filtered';
  return quietAt(p, c.alert.severity, clock.minutes(c.alert.ts)) ? 'quiet' : 'notify';
}

/**
 * Quiet hours (or a pause) alone, at `minutes` local time: escalation ignores a person's filters but
 * not this, judged at the time of the escalation step.
 */
export function quietAt(p: Preferences, severity: Severity, minutes: number): boolean {
  if (p.paused) return true;
  if (severity === 'critical' && !p.quietCritical) return false;
  return inQuietHours(p.quiet, minutes);
}
