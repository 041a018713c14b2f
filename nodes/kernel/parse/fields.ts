// The shared rules of the message parsers: one strictness for every contract message, whichever node
// reads it. Pure: no Node-RED here.
import { excerpt, isObject, nonFinitePath, type JsonObject } from '../checks';

/** A parsed message, or every problem found with it, each naming its path. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Bounds of the fields of contract messages. */
export const MESSAGE_LIMITS = {
  /**
   * `ts` (and `since`) lie in [the epoch, 2100-01-01), ms: anything else is not a time. The epoch, not
   * 2000: replays and simulations count from 0.
   */
  minTsMs: 0,
  maxTsMs: Date.UTC(2100, 0, 1),
  /** Characters of an id: scanner, mac, id, dog, zone, node, iface, … */
  maxIdChars: 128,
  /** Characters of a free text (an alert's `text`, a position's `method`). */
  maxTextChars: 1000,
  /** |x|, |y| of a position, m: ten times the site bound, so a fix just outside the site still passes. */
  maxPositionM: 1_000_000,
  /** Most neighbours a health message lists. */
  maxNeighbors: 1000,
} as const;

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
  /** What the number is, in the problem text: `(dBm)`, `(m)`. */
  unit?: string;
}

/**
 * Reads the fields of one object, collecting a problem per bad field. `undefined` is absence; any other
 * value of an optional field must have the field's type (a `null` is a wrong type, not an absence).
 */
export class FieldReader {
  readonly problems: string[] = [];

  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  get ok(): boolean {
    return this.problems.length === 0;
  }

  problem(key: string, text: string): void {
    this.problems.push(`${this.path}.${key} ${text}`);
  }

  /** A string of 1..max characters (any characters: ids are written, escaped, as they came). */
  string(key: string, required: boolean, max: number = MESSAGE_LIMITS.maxIdChars): string | undefined {
    const value = this.obj[key];
    if (value === undefined) {
      if (required) this.problem(key, 'is required (a non-empty string)');
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0)
      this.problem(key, `must be a non-empty string, not ${excerpt(value)}`);
    else if (value.length > max) this.problem(key, `must be at most ${max} characters, not ${value.length}`);
    else return value;
    return undefined;
  }

  /** One of `values`. */
  oneOf<T extends string>(key: string, values: readonly T[], required: boolean): T | undefined {
    const value = this.obj[key];
    if (value === undefined) {
      if (required) this.problem(key, `is required (one of ${values.join(', ')})`);
      return undefined;
    }
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    this.problem(key, `must be one of ${values.join(', ')}, not ${excerpt(value)}`);
    return undefined;
  }

  /** A finite number within the rule's bounds. */
  number(key: string, required: boolean, rule: NumberRule = {}): number | undefined {
    const value = this.obj[key];
    // The common case first, with no text built.
    if (
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!rule.integer || Number.isSafeInteger(value)) &&
      !(value < (rule.min ?? -Infinity)) &&
      !(value > (rule.max ?? Infinity))
    )
      return value;
    const unit = rule.unit ? ` (${rule.unit})` : '';
    const what = rule.integer ? 'an integer' : 'a finite number';
    if (value === undefined) {
      if (required) this.problem(key, `is required (${what}${unit})`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(key, `must be ${what}${unit}, not ${excerpt(value)}`);
      return undefined;
    }
    if (rule.integer && !Number.isSafeInteger(value)) {
      this.problem(key, `must be an integer${unit}, not ${value}`);
      return undefined;
    }
    const min = rule.min ?? -Infinity;
    const max = rule.max ?? Infinity;
    if (value < min || value > max) {
      const range =
        max === Infinity
          ? `at least ${min}`
          : min === -Infinity
            ? `at most ${max}`
            : `between ${min} and ${max}`;
      this.problem(key, `must be ${range}${unit}, not ${value}`);
      return undefined;
    }
    return value;
  }

  /** A time in ms since the epoch within MESSAGE_LIMITS. */
  ts(key: string, required: boolean): number | undefined {
    const value = this.obj[key];
    if (value === undefined) {
      if (required) this.problem(key, 'is required (a finite number, ms since the epoch)');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(key, `must be a finite number (ms since the epoch), not ${excerpt(value)}`);
      return undefined;
    }
    if (value < MESSAGE_LIMITS.minTsMs || value >= MESSAGE_LIMITS.maxTsMs) {
      this.problem(key, `must be a time between 1970 and 2100 (ms since the epoch), not ${value}`);
      return undefined;
    }
    return value;
  }

  /** A plain object (not an array, not null). */
  object(key: string, required: boolean): JsonObject | undefined {
    const value = this.obj[key];
    if (value === undefined) {
      if (required) this.problem(key, 'is required (an object)');
      return undefined;
    }
    if (isObject(value)) return value;
    this.problem(key, `must be an object, not ${excerpt(value)}`);
    return undefined;
  }

  /** `v`, when present, is the contract version; `type`, when present or required, is `type`. */
  header(type: string, typeRequired: boolean, version: number): void {
    if (this.obj.v !== undefined && this.obj.v !== version)
      this.problem('v', `must be ${version} (the contract version), not ${excerpt(this.obj.v)}`);
    if (this.obj.type === undefined && !typeRequired) return;
    if (this.obj.type !== type) this.problem('type', `must be "${type}", not ${excerpt(this.obj.type)}`);
  }

  done<T>(value: () => T): Parsed<T> {
    if (!this.ok) return { ok: false, problems: this.problems };
    const out = value();
    // Fields a parser passes on unread (an alert's extras, a health's extra numbers) must be finite too:
    // no NaN or Infinity gets through any parser, so none can leave a node.
    // The path text is built only for a value that has one (most are clean).
    const bad = hasNonFinite(out, 0) ? nonFinitePath(out) : undefined;
    if (bad !== undefined) return { ok: false, problems: [`${this.path}.${bad} must be a finite number`] };
    return { ok: true, value: out };
  }
}

/** A 2x2 covariance [[xx, xy], [yx, yy]]: finite, symmetric (to rounding), non-negative diagonal. */
export function readCov(
  value: unknown,
  path: string,
  problems: string[],
): [[number, number], [number, number]] | undefined {
  const shape = `must be a 2x2 covariance [[xx, xy], [xy, yy]] of finite numbers (m²)`;
  if (!Array.isArray(value) || value.length !== 2) {
    problems.push(`${path} ${shape}, not ${excerpt(value)}`);
    return undefined;
  }
  const [r0, r1] = value as unknown[];
  if (!Array.isArray(r0) || !Array.isArray(r1) || r0.length !== 2 || r1.length !== 2) {
    problems.push(`${path} ${shape}`);
    return undefined;
  }
  const cells = [r0[0], r0[1], r1[0], r1[1]] as unknown[];
  const names = ['[0][0]', '[0][1]', '[1][0]', '[1][1]'];
  for (let i = 0; i < 4; i++) {
    const c = cells[i];
    if (typeof c !== 'number' || !Number.isFinite(c)) {
      problems.push(`${path}${names[i]} must be a finite number (m²), not ${excerpt(c)}`);
      return undefined;
    }
  }
  const [a, b, c, d] = cells as [number, number, number, number];
  if (a < 0 || d < 0) {
    problems.push(`${path} must have a non-negative diagonal, not ${a} and ${d}`);
    return undefined;
  }
  if (Math.abs(b - c) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(d))) {
    problems.push(`${path} must be symmetric, not ${b} and ${c} off the diagonal`);
    return undefined;
  }
  if (a * d - b * c < -1e-9 * Math.max(1, a * d)) {
    problems.push(`${path} must be positive semi-definite (a variance cannot be negative)`);
    return undefined;
  }
  return [
    [a, b],
    [b, d],
  ];
}

/** The problem with a value that should be an object of `what`. */
export function notAnObject(path: string, what: string, value: unknown): Parsed<never> {
  return { ok: false, problems: [`${path} must be ${what}, not ${excerpt(value)}`] };
}

/**
 * Whether a non-finite number is in `value`, to nonFinitePath's depth (give `depth` 0 for a whole
 * message); no strings built, so a node can look for nonFinitePath's path only when there is one. True
 * also for a `__proto__` key, which the caller's full check then looks at.
 */
export function hasNonFinite(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNonFinite(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (key === '__proto__') return true; // JSON's own "__proto__" field: the full check looks at it
    if (hasNonFinite((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}
