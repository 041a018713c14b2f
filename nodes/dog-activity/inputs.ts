// What dog-activity takes in msg.payload: `rssi` readings (one or a batch; accelerometer frames are the
// Minew `minew-accel` ones) and `position` messages. Pure; bad items are named by index and field, good
// ones kept.
import { excerpt, isFiniteNumber, isNonEmptyString, isObject, payloadText } from '../kernel/checks';
import type { Position, RssiReading } from '../kernel/contract';
import { readingProblem } from '../kernel/rssi-reading';

export interface ActivityInputs {
  items: Array<RssiReading | Position>;
  problems: string[];
}

export function activityInputs(payload: unknown): ActivityInputs {
  const text = payloadText(payload);
  if (text !== undefined) {
    try {
      payload = JSON.parse(text);
    } catch {
      return { items: [], problems: [`payload is text but not JSON: ${excerpt(text)}`] };
    }
  }
  const list = Array.isArray(payload) ? payload : [payload];
  const out: ActivityInputs = { items: [], problems: [] };
  list.forEach((value: unknown, i) => {
    const path = Array.isArray(payload) ? `payload[${i}]` : 'payload';
    const problem = inputProblem(value, path);
    if (problem) out.problems.push(problem);
    else out.items.push(value as RssiReading | Position);
  });
  return out;
}

function inputProblem(value: unknown, path: string): string | undefined {
  if (!isObject(value)) return `${path} must be an rssi reading or a position, not ${excerpt(value)}`;
  if (value.type === 'position') {
    if (!isNonEmptyString(value.dog)) return `${path}.dog must be a non-empty string`;
    for (const key of ['ts', 'x', 'y'] as const) {
      if (!isFiniteNumber(value[key]))
        return `${path}.${key} must be a finite number, not ${excerpt(value[key])}`;
    }
    for (const key of ['vx', 'vy'] as const) {
      if (value[key] !== undefined && !isFiniteNumber(value[key]))
        return `${path}.${key} must be a finite number, not ${excerpt(value[key])}`;
    }
    return undefined;
  }
  const problem = readingProblem(value, path);
  if (problem) return problem;
  if (value.frame === 'minew-accel') {
    const minew = value.minew;
    const accel = isObject(minew) ? minew.accel : undefined;
    if (!Array.isArray(accel) || accel.length !== 3 || !accel.every(isFiniteNumber))
      return `${path}.minew.accel must be 3 finite numbers (g), not ${excerpt(accel)}`;
  }
  return undefined;
}
