// Bounded history queries for a dog's track and the alerts of a time range: InfluxQL for InfluxDB 1.x, Flux
// for 2.x and SQL for 3.x. A range longer than `maxPoints` raw positions would hold is averaged server-side
// into time buckets aligned on the epoch (GROUP BY time() / aggregateWindow / date_bin), so a week of 1 Hz
// positions still returns at most `maxPoints` rows; every query has a LIMIT as well.

export interface TrackQuery {
  dog: string;
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
  /** Most rows returned (default 5000). */
  maxPoints?: number;
  /** The positions' own rate, used to decide when to downsample (default 1 per second). */
  rawIntervalMs?: number;
}

export interface BuiltQuery {
  text: string;
  /** Bucket width when downsampled, ms; undefined for raw rows. */
  bucketMs?: number;
}

const MAX_RANGE_MS = 31 * 86_400_000;

/** Most alerts one history answer holds. */
export const ALERT_LIMIT = 1000;

/** Checks a range and returns it clamped; throws naming the bad field. */
export function checkRange(q: TrackQuery): Required<TrackQuery> {
  if (typeof q.dog !== 'string' || q.dog.length === 0 || q.dog.length > 128)
    throw new Error('dog must be a dog id');
  if (!Number.isFinite(q.from) || !Number.isFinite(q.to)) throw new Error('from and to must be times (ms)');
  if (q.to <= q.from) throw new Error('to must be after from');
  if (q.to - q.from > MAX_RANGE_MS) throw new Error('the range may span at most 31 days');
  const maxPoints = Math.min(Math.max(Math.floor(q.maxPoints ?? 5000), 10), 50_000);
  return {
    dog: q.dog,
    from: Math.floor(q.from),
    to: Math.ceil(q.to),
    maxPoints,
    rawIntervalMs: q.rawIntervalMs ?? 1000,
  };
}

/** Bucket width for a range: none when the raw rows fit, else a round number of seconds. */
export function bucketFor(q: Required<TrackQuery>): number | undefined {
  const span = q.to - q.from;
  if (span / q.rawIntervalMs <= q.maxPoints) return undefined;
  return Math.ceil(span / q.maxPoints / 1000) * 1000;
}

/** An InfluxQL string literal. */
export function influxqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A Flux string literal. */
export function fluxString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;
}

export function trackInfluxQL(input: TrackQuery): BuiltQuery {
  const q = checkRange(input);
  const where = `"dog" = ${influxqlString(q.dog)} AND time >= ${q.from}ms AND time < ${q.to}ms`;
  const bucketMs = bucketFor(q);
  if (bucketMs === undefined)
    return {
      text: `SELECT "x", "y", "accuracy" FROM "position" WHERE ${where} ORDER BY time ASC LIMIT ${q.maxPoints}`,
    };
  return {
    text:
      `SELECT mean("x") AS "x", mean("y") AS "y", mean("accuracy") AS "accuracy" FROM "position" WHERE ${where} ` +
      `GROUP BY time(${bucketMs / 1000}s) fill(none) ORDER BY time ASC LIMIT ${q.maxPoints}`,
    bucketMs,
  };
}

export function alertsInfluxQL(input: TrackQuery): BuiltQuery {
  const q = checkRange(input);
  return {
    text:
      `SELECT "text", "event", "zone", "severity" FROM "alert" WHERE "dog" = ${influxqlString(q.dog)} ` +
      `AND time >= ${q.from}ms AND time < ${q.to}ms ORDER BY time ASC LIMIT ${ALERT_LIMIT}`,
  };
}

/** An RFC 3339 time (UTC, ms), as Flux's time literals and InfluxDB 3's SQL parameters take it. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Flux for InfluxDB 2.x. Downsampled windows are stamped with their start (`timeSrc: "_start"`), as
 * InfluxQL's buckets are; a first window cut by the range's start may carry that start instead, so the
 * reader floors every stamp to its bucket (sources.ts) and the rows equal InfluxQL's.
 */
export function trackFlux(input: TrackQuery, bucket: string): BuiltQuery {
  const q = checkRange(input);
  const bucketMs = bucketFor(q);
  const lines = [
    `from(bucket: ${fluxString(bucket)})`,
    `  |> range(start: ${rfc3339(q.from)}, stop: ${rfc3339(q.to)})`,
    `  |> filter(fn: (r) => r._measurement == "position" and r.dog == ${fluxString(q.dog)})`,
    `  |> filter(fn: (r) => r._field == "x" or r._field == "y" or r._field == "accuracy")`,
  ];
  if (bucketMs !== undefined)
    lines.push(
      `  |> aggregateWindow(every: ${bucketMs / 1000}s, fn: mean, createEmpty: false, timeSrc: "_start")`,
    );
  lines.push(
    '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
    '  |> sort(columns: ["_time"])',
    `  |> limit(n: ${q.maxPoints})`,
  );
  return { text: lines.join('\n'), bucketMs };
}

/**
 * The alerts' `text` field in Flux: one table per tag set (zone, event, severity), each sorted and LIMITed;
 * the reader merges them by time and keeps the first 1000, which are the first 1000 of all.
 */
export function alertsFlux(input: TrackQuery, bucket: string): BuiltQuery {
  const q = checkRange(input);
  return {
    text: [
      `from(bucket: ${fluxString(bucket)})`,
      `  |> range(start: ${rfc3339(q.from)}, stop: ${rfc3339(q.to)})`,
      `  |> filter(fn: (r) => r._measurement == "alert" and r.dog == ${fluxString(q.dog)} and r._field == "text")`,
      '  |> sort(columns: ["_time"])',
      `  |> limit(n: ${ALERT_LIMIT})`,
    ].join('\n'),
  };
}

export interface SqlQuery extends BuiltQuery {
  /** InfluxDB 3's query parameters (`$dog`, `$from`, `$to`): the dog id never enters the SQL text. */
  params: { dog: string; from: string; to: string };
}

function sqlParams(q: Required<TrackQuery>): SqlQuery['params'] {
  return { dog: q.dog, from: rfc3339(q.from), to: rfc3339(q.to) };
}

const SQL_RANGE = 'dog = $dog AND time >= $from AND time < $to';

/** SQL for InfluxDB 3 (`date_bin` buckets start on the epoch, as InfluxQL's do). */
export function trackSQL(input: TrackQuery): SqlQuery {
  const q = checkRange(input);
  const bucketMs = bucketFor(q);
  const params = sqlParams(q);
  if (bucketMs === undefined)
    return {
      text: `SELECT time, x, y, accuracy FROM "position" WHERE ${SQL_RANGE} ORDER BY time ASC LIMIT ${q.maxPoints}`,
      params,
    };
  return {
    text:
      `SELECT date_bin(INTERVAL '${bucketMs / 1000} seconds', time) AS time, avg(x) AS x, avg(y) AS y, ` +
      `avg(accuracy) AS accuracy FROM "position" WHERE ${SQL_RANGE} GROUP BY 1 ORDER BY 1 ASC LIMIT ${q.maxPoints}`,
    params,
    bucketMs,
  };
}

/** Every column of the range's alerts (a tag never written is no column in 3.x: naming it would fail). */
export function alertsSQL(input: TrackQuery): SqlQuery {
  const q = checkRange(input);
  return {
    text: `SELECT * FROM "alert" WHERE ${SQL_RANGE} ORDER BY time ASC LIMIT ${ALERT_LIMIT}`,
    params: sqlParams(q),
  };
}

export interface TrackPoint {
  ts: number;
  x: number;
  y: number;
  accuracy?: number;
}

interface InfluxQLSeries {
  columns: string[];
  values: unknown[][];
}

/** Rows of an InfluxQL JSON answer (epoch=ms) as track points; rows with a non-finite x or y are dropped. */
export function trackFromInfluxQL(answer: {
  results?: Array<{ series?: InfluxQLSeries[]; error?: string }>;
}): TrackPoint[] {
  const result = answer.results?.[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error.slice(0, 200)}`);
  const series = result?.series?.[0];
  if (!series) return [];
  const at = (name: string): number => series.columns.indexOf(name);
  const [t, x, y, acc] = [at('time'), at('x'), at('y'), at('accuracy')];
  const out: TrackPoint[] = [];
  for (const row of series.values) {
    const p = { ts: Number(row[t]), x: Number(row[x]), y: Number(row[y]) };
    if (![p.ts, p.x, p.y].every(Number.isFinite)) continue;
    const a = acc >= 0 ? Number(row[acc]) : Number.NaN;
    out.push(Number.isFinite(a) ? { ...p, accuracy: a } : p);
  }
  return out;
}
