// One payload, many messages: an mqtt in node gives JSON text or its bytes, a flow gives an object or an
// array of them. Every parser takes all four the same way. Pure.
import { excerpt, payloadText } from '../checks';
import type { Parsed } from './fields';

/** Problems a batch keeps word for word; the rest are counted (a 100 000-item flood is one error line). */
export const MAX_KEPT_PROBLEMS = 10;
/** Problems an error text lists. */
export const MAX_LISTED_PROBLEMS = 3;
/**
 * Most items one message may carry. A Pi's batch of one second is at most a few hundred readings (200
 * collars at 4 a second is 800); a larger array is refused whole, so no payload can hold a handler for
 * more than a few milliseconds or fill memory before it is checked.
 */
export const MAX_BATCH_ITEMS = 2000;

/** Why an array is too large to take, or undefined when it is small enough. */
export function batchTooLarge(items: number): string | undefined {
  return items > MAX_BATCH_ITEMS
    ? `payload is a batch of ${items} items; at most ${MAX_BATCH_ITEMS} per message: send smaller batches`
    : undefined;
}

export interface Batch<T> {
  values: T[];
  /** The first MAX_KEPT_PROBLEMS refused items, one line each naming its path. */
  problems: string[];
  /** How many items were refused in all. */
  refused: number;
  /** How many items the payload held. */
  total: number;
  /** True when the payload was an array, so the output should be one too. */
  batch: boolean;
}

export type Decoded = { ok: true; value: unknown } | { ok: false; problem: string };

/** The payload itself, or what its JSON text (or the bytes of that text) holds. */
export function decodePayload(payload: unknown): Decoded {
  const text = payloadText(payload);
  if (text === undefined) return { ok: true, value: payload };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: `payload is text but not valid JSON: ${excerpt(text)}` };
  }
}

/**
 * Parses one message or an array of them; good items are kept, bad ones reported by path. Never throws.
 * `valid`, when given, is a cheap test the parser agrees with: an item it passes is kept as it is, with no
 * path text built (a busy hub takes tens of thousands of readings a second).
 */
export function parseBatch<T>(
  payload: unknown,
  parse: (value: unknown, path: string) => Parsed<T>,
  valid?: (value: unknown) => value is T,
): Batch<T> {
  const decoded = decodePayload(payload);
  if (!decoded.ok) return { values: [], problems: [decoded.problem], refused: 1, total: 1, batch: false };
  const value = decoded.value;
  const tooLarge = Array.isArray(value) ? batchTooLarge(value.length) : undefined;
  if (tooLarge && Array.isArray(value))
    return { values: [], problems: [tooLarge], refused: value.length, total: value.length, batch: true };
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  const batch = Array.isArray(value);
  const out: Batch<T> = { values: [], problems: [], refused: 0, total: items.length, batch };
  for (let i = 0; i < items.length; i++) {
    if (valid?.(items[i])) {
      out.values.push(items[i] as T);
      continue;
    }
    const result = parse(items[i], batch ? `payload[${i}]` : 'payload');
    if (result.ok) out.values.push(result.value);
    else if (++out.refused <= MAX_KEPT_PROBLEMS) out.problems.push(joinProblems(result.problems));
  }
  return out;
}

/** The problems of one item as one line: the first few, and how many more. */
export function joinProblems(problems: readonly string[]): string {
  const more = problems.length - MAX_LISTED_PROBLEMS;
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  return more > 0 ? `${shown} (and ${more} more)` : shown;
}

/** One short error text for a batch: `2 of 5 readings refused: a; b; c (and 1 more)`. */
export function summarize(
  batch: Pick<Batch<unknown>, 'problems' | 'refused' | 'total'>,
  noun: string,
): string {
  const shown = batch.problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = batch.refused - Math.min(batch.problems.length, MAX_LISTED_PROBLEMS);
  const tail = more > 0 ? ` (and ${more} more)` : '';
  return batch.total > 1
    ? `${batch.refused} of ${batch.total} ${noun} refused: ${shown}${tail}`
    : `${shown}${tail}`;
}
