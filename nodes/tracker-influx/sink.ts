// What a write to InfluxDB can come to, and how an HTTP answer is read. Shared by the InfluxDB 1.x
// client and the 2.x/3.x client, so both behave the same to the writer.

export type WriteOutcome =
  /** Every line was stored. */
  | { kind: 'written' }
  /**
   * The server stored the other lines and dropped `dropped` of them (InfluxDB's "partial write",
   * e.g. a field type conflict with data already stored); `reason` is the server's message.
   */
  | { kind: 'partial'; dropped: number; reason: string; status: number }
  /** The server stored nothing because of the data (400, 413, 422): the writer looks for the bad lines. */
  | { kind: 'rejected'; reason: string; status: number }
  /** The server refuses writes because of its configuration (401, 403, 404 database not found, ...). */
  | { kind: 'refused'; reason: string; status: number }
  /** Try again later: network error, time-out, 5xx, 429. `retryAfterMs` when the server said so. */
  | { kind: 'unavailable'; reason: string; status?: number; retryAfterMs?: number };

/** An InfluxDB server the writer can send lines to. */
export interface InfluxSink {
  /** Where the points go, for logs and status (no secrets). */
  readonly description: string;
  /** Writes the lines (millisecond timestamps). Never throws: every failure is an outcome. */
  write(lines: readonly string[], signal?: AbortSignal): Promise<WriteOutcome>;
}

const PARTIAL_DROPPED = /dropped=(\d+)/;

/** Reads an HTTP status and error text as a write outcome (InfluxDB 1.x, 2.x and 3.x answer alike). */
export function outcomeOf(status: number, errorText: string, retryAfter?: string | null): WriteOutcome {
  if (status >= 200 && status < 300) return { kind: 'written' };
  const reason = errorText.trim() || `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    return Number.isFinite(seconds) && seconds >= 0
      ? { kind: 'unavailable', reason, status, retryAfterMs: seconds * 1000 }
      : { kind: 'unavailable', reason, status };
  }
  if (status === 400 || status === 413 || status === 422) {
    if (/partial write/i.test(reason)) {
      // 1.x counts points dropped for their values in dropped=N, and names each unparsable line apart.
      const dropped = PARTIAL_DROPPED.exec(reason);
      const unparsable = reason.match(/unable to parse/gi)?.length ?? 0;
      return { kind: 'partial', dropped: (dropped ? Number(dropped[1]) : 0) + unparsable, reason, status };
    }
    return { kind: 'rejected', reason, status };
  }
  return { kind: 'refused', reason, status };
}

/** The `error` (1.x) or `message` (2.x/3.x) of a JSON error body, else the text itself. */
export function errorTextOf(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null) {
      const { error, message } = json as { error?: unknown; message?: unknown };
      if (typeof error === 'string') return error;
      if (typeof message === 'string') return message;
    }
  } catch {
    // not JSON: the text is the message
  }
  return body.slice(0, 500);
}
