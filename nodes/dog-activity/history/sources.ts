// Where the history reads a dog's track and alerts: InfluxDB 1.x (InfluxQL over /query), 2.x (Flux over
// /api/v2/query, annotated CSV back) or 3.x (SQL over /api/v3/query_sql, JSON rows back). Each source runs
// the bounded queries of queries.ts and gives the same points and alerts for the same data, so the report
// (replay, heatmap, time in zones) does not depend on the server.
import { errorTextOf } from '../../tracker-influx/sink';
import type {
  FluxQueryConnection,
  HistoryQueryConnection,
  SqlQueryConnection,
} from '../../tracker-influx/tracker-influx-node';
import { parseAnnotatedCsv, timeMs, type FluxValue } from './flux-csv';
import {
  ALERT_LIMIT,
  alertsFlux,
  alertsInfluxQL,
  alertsSQL,
  checkRange,
  trackFlux,
  trackFromInfluxQL,
  trackInfluxQL,
  trackSQL,
  type TrackPoint,
  type TrackQuery,
} from './queries';

export interface HistoryAlert {
  ts: number;
  event: string;
  zone?: string;
  severity?: string;
  text?: string;
}

export interface InfluxQLAnswer {
  results?: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }>;
}

/** Runs one InfluxQL statement (epoch ms) and returns InfluxDB's JSON answer. */
export type InfluxQLRunner = (query: string) => Promise<InfluxQLAnswer>;

export interface HistorySource {
  readonly language: 'influxql' | 'flux' | 'sql';
  /** The range's track, ascending, at most `maxPoints`; `bucketMs` when averaged server-side. */
  track(q: TrackQuery): Promise<{ track: TrackPoint[]; bucketMs?: number }>;
  /** The range's alerts, ascending, at most ALERT_LIMIT. */
  alerts(q: TrackQuery): Promise<HistoryAlert[]>;
}

/** One alert, built alike by every source (so two sources' answers compare equal). */
function alertOf(ts: number, event: string, zone?: string, severity?: string, text?: string): HistoryAlert {
  return { ts, event, zone, severity, text };
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A point from its time and values (a non-finite x or y: none), as trackFromInfluxQL builds it. */
function pointOf(ts: number, x: unknown, y: unknown, accuracy: unknown): TrackPoint | undefined {
  const p = { ts, x: Number(x ?? Number.NaN), y: Number(y ?? Number.NaN) };
  if (![p.ts, p.x, p.y].every(Number.isFinite)) return undefined;
  const a = accuracy === null || accuracy === undefined ? Number.NaN : Number(accuracy);
  return Number.isFinite(a) ? { ...p, accuracy: a } : p;
}

/** Rows by time (stable: a table's own order is kept among equal times), at most `limit`. */
function firstByTime<T extends { ts: number }>(rows: T[], limit: number): T[] {
  return rows.sort((a, b) => a.ts - b.ts).slice(0, limit);
}

function endpoint(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : base + '/');
}

// ---- InfluxDB 1.x

function alertsFromInfluxQL(answer: InfluxQLAnswer): HistoryAlert[] {
  const result = answer.results?.[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error.slice(0, 200)}`);
  const series = result?.series?.[0];
  if (!series) return [];
  const at = (name: string): number => series.columns.indexOf(name);
  const [t, event, zone, severity, text] = ['time', 'event', 'zone', 'severity', 'text'].map(at);
  const str = (row: unknown[], i: number): string | undefined => (i >= 0 ? nonEmpty(row[i]) : undefined);
  const out: HistoryAlert[] = [];
  for (const row of series.values) {
    const ts = Number(row[t]);
    const ev = str(row, event);
    if (!Number.isFinite(ts) || ev === undefined) continue;
    out.push(alertOf(ts, ev, str(row, zone), str(row, severity), str(row, text)));
  }
  return out;
}

/** A runner over InfluxDB 1.x's /query (GET, epoch=ms, Basic auth in a header). */
export function influxQLRunner(connection: {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}): InfluxQLRunner {
  const headers: Record<string, string> = {};
  if (connection.username) {
    const pair = `${connection.username}:${connection.password ?? ''}`;
    headers.authorization = 'Basic ' + Buffer.from(pair, 'utf8').toString('base64');
  }
  return async (query) => {
    const url = endpoint(connection.url, 'query');
    url.searchParams.set('db', connection.database);
    url.searchParams.set('epoch', 'ms');
    url.searchParams.set('q', query);
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(connection.timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as InfluxQLAnswer;
  };
}

export function influxQLSource(run: InfluxQLRunner): HistorySource {
  return {
    language: 'influxql',
    async track(q) {
      const built = trackInfluxQL(q);
      const track = trackFromInfluxQL(await run(built.text));
      return built.bucketMs === undefined ? { track } : { track, bucketMs: built.bucketMs };
    },
    async alerts(q) {
      return alertsFromInfluxQL(await run(alertsInfluxQL(q).text));
    },
  };
}

// ---- HTTP

/** POSTs a JSON body; the answer's text, or an error quoting InfluxDB's message briefly. */
async function post(
  url: URL,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`InfluxDB answered HTTP ${res.status}: ${errorTextOf(text).slice(0, 200)}`);
  return text;
}

// ---- InfluxDB 2.x (Flux)

/**
 * Flux over POST /api/v2/query?org=… with `Authorization: Token …` and a JSON body (query, type "flux" and a
 * dialect asking for the datatype/group/default annotations: docs-v2 api-docs/influxdb/v2 openapi, schemas
 * Query and Dialect), read as annotated CSV.
 */
export function fluxSource(connection: FluxQueryConnection): HistorySource {
  const url = endpoint(connection.url, 'api/v2/query');
  url.searchParams.set('org', connection.org);
  const headers: Record<string, string> = { accept: 'application/csv' };
  if (connection.token) headers.authorization = `Token ${connection.token}`;
  const query = async (text: string): Promise<Array<Readonly<Record<string, FluxValue>>>> => {
    const body = {
      query: text,
      type: 'flux',
      dialect: {
        header: true,
        delimiter: ',',
        annotations: ['datatype', 'group', 'default'],
        dateTimeFormat: 'RFC3339Nano',
      },
    };
    return parseAnnotatedCsv(await post(url, headers, body, connection.timeoutMs)).map((r) => r.values);
  };
  return {
    language: 'flux',
    async track(q) {
      const limits = checkRange(q);
      const built = trackFlux(q, connection.bucket);
      const track: TrackPoint[] = [];
      for (const row of await query(built.text)) {
        const t = typeof row._time === 'number' ? row._time : Number.NaN;
        // A window's start, floored to its bucket (a first window cut by the range may carry its start).
        const ts = built.bucketMs === undefined ? t : t - (t % built.bucketMs);
        const p = pointOf(ts, row.x, row.y, row.accuracy);
        if (p) track.push(p);
      }
      const sorted = firstByTime(track, limits.maxPoints);
      return built.bucketMs === undefined ? { track: sorted } : { track: sorted, bucketMs: built.bucketMs };
    },
    async alerts(q) {
      const out: HistoryAlert[] = [];
      for (const row of await query(alertsFlux(q, connection.bucket).text)) {
        const ts = typeof row._time === 'number' ? row._time : Number.NaN;
        const event = nonEmpty(row.event);
        if (!Number.isFinite(ts) || event === undefined) continue;
        out.push(alertOf(ts, event, nonEmpty(row.zone), nonEmpty(row.severity), nonEmpty(row._value)));
      }
      // One table per tag set, each sorted and LIMITed: merged, the first ALERT_LIMIT are the first of all.
      return firstByTime(out, ALERT_LIMIT);
    },
  };
}

// ---- InfluxDB 3.x (SQL)

/** A table that was never written is "not found" in 3.x where 1.x and 2.x answer nothing. */
const NO_TABLE = /table '[^']*\b(position|alert)' not found/i;

/**
 * SQL over POST /api/v3/query_sql with `Authorization: Bearer …` and a JSON body {db, q, params, format:
 * "json"}; the answer is a JSON array of row objects whose `time` is RFC 3339 without a zone, in UTC
 * (docs-v2 content/shared/influxdb3-query-guides/sql/parameterized-queries.md). A null column is left out.
 */
export function sqlSource(connection: SqlQueryConnection): HistorySource {
  const url = endpoint(connection.url, 'api/v3/query_sql');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (connection.token) headers.authorization = `Bearer ${connection.token}`;
  const query = async (built: {
    text: string;
    params: Record<string, string>;
  }): Promise<Array<Record<string, unknown>>> => {
    const body = { db: connection.database, q: built.text, params: built.params, format: 'json' };
    let text: string;
    try {
      text = await post(url, headers, body, connection.timeoutMs);
    } catch (err) {
      if (err instanceof Error && NO_TABLE.test(err.message)) return [];
      throw err;
    }
    const rows: unknown = text.trim() === '' ? [] : JSON.parse(text);
    if (!Array.isArray(rows)) throw new Error('InfluxDB answered no JSON array of rows');
    return rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
  };
  const timeOf = (row: Record<string, unknown>): number =>
    typeof row.time === 'string' ? timeMs(row.time) : Number.NaN;
  return {
    language: 'sql',
    async track(q) {
      const limits = checkRange(q);
      const built = trackSQL(q);
      const track: TrackPoint[] = [];
      for (const row of await query(built)) {
        const p = pointOf(timeOf(row), row.x, row.y, row.accuracy);
        if (p) track.push(p);
      }
      const sorted = firstByTime(track, limits.maxPoints);
      return built.bucketMs === undefined ? { track: sorted } : { track: sorted, bucketMs: built.bucketMs };
    },
    async alerts(q) {
      const out: HistoryAlert[] = [];
      for (const row of await query(alertsSQL(q))) {
        const ts = timeOf(row);
        const event = nonEmpty(row.event);
        if (!Number.isFinite(ts) || event === undefined) continue;
        out.push(alertOf(ts, event, nonEmpty(row.zone), nonEmpty(row.severity), nonEmpty(row.text)));
      }
      return firstByTime(out, ALERT_LIMIT);
    },
  };
}

/** The source a tracker-influx connection reads with. */
export function sourceFor(connection: HistoryQueryConnection): HistorySource {
  if (connection.language === 'flux') return fluxSource(connection);
  if (connection.language === 'sql') return sqlSource(connection);
  return influxQLSource(influxQLRunner(connection));
}
