// Small runtime checks shared by the cores: untrusted JSON in, typed values out.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * The text of a payload that came as a string or as bytes (an mqtt in node gives either, depending on its
 * output setting); undefined for anything else.
 */
export function payloadText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload;
  if (payload instanceof Uint8Array)
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  return undefined;
}

/** The message of any thrown value, for status text and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-case `aa:bb:cc:dd:ee:ff`, or undefined when `value` is not a MAC address. Accepts `-` separators. */
export function normalizeMac(value: string): string | undefined {
  const mac = value.trim().toLowerCase().replace(/-/g, ':');
  return MAC_RE.test(mac) ? mac : undefined;
}

/** Most characters of untrusted input an error text quotes: enough to recognise it, never a flood. */
export const EXCERPT_CHARS = 60;

/**
 * A short, printable excerpt of untrusted input for an error text: JSON of small values, cut to
 * `max` characters with an ellipsis and the full length, so a 7 MB payload never reaches a log.
 */
export function excerpt(value: unknown, max = EXCERPT_CHARS): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) return 'undefined';
  else if (typeof value === 'function' || typeof value === 'symbol') return typeof value;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  else if (Array.isArray(value)) text = `an array of ${value.length}`;
  else {
    const keys = Object.keys(value);
    text = `an object with ${keys.length} keys (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''})`;
    return text.length > max ? `${text.slice(0, max)}…` : text;
  }
  if (Array.isArray(value)) return text;
  const quoted = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${quoted}… (${text.length} characters)` : quoted;
}

/**
 * The path of the first number in `value` that is not finite (`cov[1][0]`), or undefined when every number
 * is finite. Nodes check what they emit with it: no NaN or Infinity leaves a node.
 */
export function nonFinitePath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '(value)';
  if (depth > 8 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinitePath(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinitePath(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}
