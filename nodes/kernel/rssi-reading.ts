// Checks `rssi` readings of the contract that arrive in msg.payload: one reading or a batch (array).
// Pure: every node that takes readings can use it. Bad items are reported by index and field, and the
// good ones are kept, so one broken reading in a batch does not lose the rest.
import { isFiniteNumber, isNonEmptyString, isObject, payloadText } from './checks';
import type { RssiReading } from './contract';

export interface ReadingBatch {
  readings: RssiReading[];
  /** One line per refused item, e.g. `payload[3].rssi must be a finite number`. */
  problems: string[];
  /** True when the payload was an array (a batch), so the output should be one too. */
  batch: boolean;
}

/**
 * Splits a payload into valid readings and problems; never throws. JSON text (or its bytes), as an
 * `mqtt in` node gives it by default, is parsed first.
 */
export function readingsFrom(payload: unknown): ReadingBatch {
  const text = payloadText(payload);
  if (text !== undefined) {
    try {
      payload = JSON.parse(text);
    } catch {
      return { readings: [], problems: [`payload is text but not JSON: ${kindOf(text)}`], batch: false };
    }
  }
  if (Array.isArray(payload)) {
    const readings: RssiReading[] = [];
    const problems: string[] = [];
    for (let i = 0; i < payload.length; i++) {
      const problem = readingProblem(payload[i], `payload[${i}]`);
      if (problem) problems.push(problem);
      else readings.push(payload[i] as RssiReading);
    }
    return { readings, problems, batch: true };
  }
  const problem = readingProblem(payload, 'payload');
  return problem
    ? { readings: [], problems: [problem], batch: false }
    : { readings: [payload as RssiReading], problems: [], batch: false };
}

/** Why `value` is not an rssi reading, or undefined when it is one. */
export function readingProblem(value: unknown, path: string): string | undefined {
  if (!isObject(value))
    return `${path} must be an rssi reading object (or an array of them), got ${kindOf(value)}`;
  if (value.type !== undefined && value.type !== 'rssi')
    return `${path}.type must be "rssi", got ${JSON.stringify(value.type)}`;
  if (!isNonEmptyString(value.scanner)) return `${path}.scanner must be a non-empty string`;
  if (!isNonEmptyString(value.mac)) return `${path}.mac must be a non-empty string`;
  if (!isFiniteNumber(value.ts)) return `${path}.ts must be a finite number (ms since the epoch)`;
  if (!isFiniteNumber(value.rssi)) return `${path}.rssi must be a finite number (dBm)`;
  if (value.seq !== undefined && !(Number.isInteger(value.seq) && (value.seq as number) >= 0))
    return `${path}.seq must be a non-negative integer`;
  if (value.rssiVar !== undefined && !(isFiniteNumber(value.rssiVar) && value.rssiVar >= 0))
    return `${path}.rssiVar must be a non-negative number`;
  return undefined;
}

/** One error text for a list of problems: the first few, and how many there were. */
export function summarizeProblems(problems: readonly string[], total: number): string {
  const shown = problems.slice(0, 3).join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return total > 1 ? `${problems.length} of ${total} readings refused: ${shown}${more}` : shown;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}
