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
