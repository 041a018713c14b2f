// `rssi` readings of the contract that arrive in msg.payload: one reading or a batch (array), as objects,
// JSON text or its bytes. The checks are the kernel parser's (parse/rssi.ts); this keeps the shape the
// reading nodes use. Bad items are reported by index and field, and the good ones are kept, so one broken
// reading in a batch does not lose the rest.
import type { RssiReading } from './contract';
import { parseBatch, parseRssi, summarize } from './parse';
import { isValidRssi } from './parse/rssi';

export interface ReadingBatch {
  readings: RssiReading[];
  /** One line per refused item (the first few), e.g. `payload[3].rssi must be a finite number (dBm)`. */
  problems: string[];
  /** How many items were refused in all, and how many the payload held. */
  refused: number;
  total: number;
  /** True when the payload was an array (a batch), so the output should be one too. */
  batch: boolean;
}

/** Splits a payload into valid readings and problems; never throws. */
export function readingsFrom(payload: unknown): ReadingBatch {
  const { values, problems, refused, total, batch } = parseBatch(payload, parseRssi, isValidRssi);
  return { readings: values, problems, refused, total, batch };
}

/** Why `value` is not an rssi reading, or undefined when it is one. */
export function readingProblem(value: unknown, path: string): string | undefined {
  const result = parseRssi(value, path);
  return result.ok ? undefined : result.problems.join('; ');
}

/** One error text for a batch's problems: the first few, and how many there were. */
export function summarizeProblems(
  problems: readonly string[],
  total: number,
  refused = problems.length,
): string {
  return summarize({ problems: [...problems], refused, total }, 'readings');
}
