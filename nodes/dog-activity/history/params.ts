// The query parameters of the history API, checked: a dog and either a local day or a time range (ISO 8601
// or ms since the epoch). Every refusal says which parameter and quotes a short excerpt. Pure.
import { excerpt } from '../../kernel/checks';

/** The longest range one request may ask for (queries.ts downsamples within it). */
export const MAX_HISTORY_RANGE_MS = 31 * 86_400_000;

export interface HistoryRange {
  dog: string;
  from: number;
  to: number;
}

export class ParamError extends Error {}

type Query = Record<string, unknown>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ParamError(`${key} must be given once, as text`);
  return value;
}

/** ms since the epoch from `1763800000000` or an ISO 8601 time (`2025-11-22T08:00:00Z`). */
export function readTime(key: string, text: string): number {
  const t = /^\d{1,15}$/.test(text)
    ? Number(text)
    : /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (!Number.isFinite(t) || t < 0 || t >= Date.UTC(2100, 0, 1))
    throw new ParamError(`${key} must be a time (ISO 8601 or ms since the epoch), not ${excerpt(text)}`);
  return t;
}

/** The UTC offset of `zone` at `ts`, ms (local = UTC + offset). */
function offsetAt(zone: string, ts: number): number {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const p of format.formatToParts(new Date(ts))) parts[p.type] = p.value;
  const local = Date.UTC(
    +parts.year,
    +parts.month - 1,
    +parts.day,
    +parts.hour,
    +parts.minute,
    +parts.second,
  );
  return local - Math.floor(ts / 1000) * 1000;
}

/** The start of a local day `YYYY-MM-DD` in `zone`, ms. */
export function localMidnight(day: string, zone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - offsetAt(zone, guess);
  return guess - offsetAt(zone, first);
}

/** The local day `YYYY-MM-DD` of `ts` in `zone`. */
export function localDay(ts: number, zone: string): string {
  const offset = offsetAt(zone, ts);
  return new Date(ts + offset).toISOString().slice(0, 10);
}

/**
 * `dog` plus `day` (a local date in `zone`) or `from` and `to`. `knownDogs`, when given, is the site's dogs:
 * another id is refused.
 */
export function readRange(query: Query, zone: string, knownDogs?: readonly string[]): HistoryRange {
  const dog = single(query, 'dog');
  if (dog === undefined || dog === '') throw new ParamError('dog is required (a dog id of the site)');
  if (dog.length > 128 || (knownDogs && !knownDogs.includes(dog)))
    throw new ParamError(`dog ${excerpt(dog)} is not a dog of the site`);
  const day = single(query, 'day');
  const fromText = single(query, 'from');
  const toText = single(query, 'to');
  if (day !== undefined) {
    if (fromText !== undefined || toText !== undefined)
      throw new ParamError('give either day or from and to, not both');
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day));
    if (!ok) throw new ParamError(`day must be a date YYYY-MM-DD, not ${excerpt(day)}`);
    const from = localMidnight(day, zone);
    const [y, m, d] = day.split('-').map(Number);
    const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
    return { dog, from, to: localMidnight(next, zone) };
  }
  if (fromText === undefined || toText === undefined)
    throw new ParamError('give day (YYYY-MM-DD) or both from and to');
  const from = readTime('from', fromText);
  const to = readTime('to', toText);
  if (to <= from) throw new ParamError('to must be after from');
  if (to - from > MAX_HISTORY_RANGE_MS)
    throw new ParamError(`the range may span at most 31 days, not ${Math.ceil((to - from) / 86_400_000)}`);
  return { dog, from, to };
}
