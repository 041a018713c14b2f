// Positions of the contract from untrusted message payloads: one position or a batch (array).
// Pure: no Node-RED here.
import { isFiniteNumber, isNonEmptyString, isObject } from '../kernel/checks';

/** What the geofence needs of a contract `position`. */
export interface FencePosition {
  dog: string;
  ts: number;
  x: number;
  y: number;
  /** 1-sigma radius in metres. */
  accuracy: number;
  /** Covariance [[xx, xy], [xy, yy]] in m², when the tracker gives one. */
  cov?: readonly [readonly [number, number], readonly [number, number]];
}

export interface PositionBatch {
  positions: FencePosition[];
  /** One line per rejected position, naming it and what is wrong. */
  errors: string[];
}

/** Reads `msg.payload`: a position or an array of them. Bad items are reported; good ones are kept. */
export function readPositions(payload: unknown): PositionBatch {
  const positions: FencePosition[] = [];
  const errors: string[] = [];
  if (Array.isArray(payload)) {
    payload.forEach((item: unknown, i) => {
      const result = readPosition(item, `payload[${i}]`);
      if (typeof result === 'string') errors.push(result);
      else positions.push(result);
    });
  } else {
    const result = readPosition(payload, 'payload');
    if (typeof result === 'string') errors.push(result);
    else positions.push(result);
  }
  return { positions, errors };
}

function readPosition(value: unknown, path: string): FencePosition | string {
  if (!isObject(value)) return `${path} must be a position object (type "position"), not ${describe(value)}`;
  if (value.type !== 'position') return `${path}.type must be "position", not ${describe(value.type)}`;
  const problems: string[] = [];
  if (!isNonEmptyString(value.dog)) problems.push('dog must be a non-empty string');
  for (const key of ['ts', 'x', 'y'] as const) {
    if (!isFiniteNumber(value[key])) problems.push(`${key} must be a number`);
  }
  if (!isFiniteNumber(value.accuracy) || value.accuracy < 0)
    problems.push('accuracy must be a number of metres, 0 or more');
  const cov = value.cov === undefined ? undefined : readCov(value.cov);
  if (cov === null) problems.push('cov must be a 2x2 symmetric covariance [[xx, xy], [xy, yy]] in m²');
  if (problems.length > 0) {
    const who = isNonEmptyString(value.dog) ? ` (dog "${value.dog}")` : '';
    return `${path}${who}: ${problems.join(', ')}`;
  }
  const position: FencePosition = {
    dog: value.dog as string,
    ts: value.ts as number,
    x: value.x as number,
    y: value.y as number,
    accuracy: value.accuracy as number,
  };
  if (cov) position.cov = cov;
  return position;
}

/** A valid covariance, or null. Tolerates a tiny asymmetry from floating point. */
function readCov(value: unknown): FencePosition['cov'] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [r0, r1] = value as unknown[];
  if (!Array.isArray(r0) || !Array.isArray(r1) || r0.length !== 2 || r1.length !== 2) return null;
  const [a, b, c, d] = [r0[0], r0[1], r1[0], r1[1]] as unknown[];
  if (!isFiniteNumber(a) || !isFiniteNumber(b) || !isFiniteNumber(c) || !isFiniteNumber(d)) return null;
  if (a < 0 || d < 0 || Math.abs(b - c) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(d))) return null;
  if (a * d - b * c < -1e-9 * Math.max(1, a * d)) return null;
  return [
    [a, b],
    [b, d],
  ];
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
