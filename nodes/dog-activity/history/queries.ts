// Bounded history queries for a dog's track and the alerts of a time range: InfluxQL for InfluxDB 1.x and
// Flux for 2.x. A range longer than `maxPoints` raw positions would hold is averaged server-side into
// time buckets (GROUP BY time() / aggregateWindow), so a week of 1 Hz positions still returns at most
// `maxPoints` rows; every query has a LIMIT as well.

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
      `AND time >= ${q.from}ms AND time < ${q.to}ms ORDER BY time ASC LIMIT 1000`,
  };
}

export function trackFlux(input: TrackQuery, bucket: string): BuiltQuery {
  const q = checkRange(input);
  const bucketMs = bucketFor(q);
  const lines = [
    `from(bucket: ${fluxString(bucket)})`,
    `  |> range(start: time(v: ${q.from * 1e6}), stop: time(v: ${q.to * 1e6}))`,
    `  |> filter(fn: (r) => r._measurement == "position" and r.dog == ${fluxString(q.dog)})`,
    `  |> filter(fn: (r) => r._field == "x" or r._field == "y" or r._field == "accuracy")`,
  ];
  if (bucketMs !== undefined)
    lines.push(`  |> aggregateWindow(every: ${bucketMs / 1000}s, fn: mean, createEmpty: false)`);
  lines.push(
    '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
    '  |> sort(columns: ["_time"])',
    `  |> limit(n: ${q.maxPoints})`,
  );
  return { text: lines.join('\n'), bucketMs };
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
