// One history answer for a dog and a range: its (downsampled) track, the alerts of the range, a heatmap
// and the time in each zone per local day, from InfluxDB 1.x over its HTTP /query API. The query text
// comes from queries.ts (bounded, LIMITed); the HTTP call is injected so the core stays testable.
import type { Zone } from '../../kernel/site-document';
import { localDay, type HistoryRange } from './params';
import { alertsInfluxQL, trackFromInfluxQL, trackInfluxQL, type TrackPoint } from './queries';
import { heatmap, timeInZones, type Heatmap, type ZoneTime } from './zones';

export interface InfluxQLAnswer {
  results?: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }>;
}

/** Runs one InfluxQL statement (epoch ms) and returns InfluxDB's JSON answer. */
export type InfluxQLRunner = (query: string) => Promise<InfluxQLAnswer>;

export interface HistoryAlert {
  ts: number;
  event: string;
  zone?: string;
  severity?: string;
  text?: string;
}

export interface HistoryReport {
  dog: string;
  from: number;
  to: number;
  /** Bucket width when the track was averaged server-side, ms. */
  bucketMs?: number;
  track: TrackPoint[];
  alerts: HistoryAlert[];
  heatmap: Heatmap;
  days: Array<{ dog: string; day: string; zones: ZoneTime[] }>;
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
    const url = new URL('query', connection.url.endsWith('/') ? connection.url : connection.url + '/');
    url.searchParams.set('db', connection.database);
    url.searchParams.set('epoch', 'ms');
    url.searchParams.set('q', query);
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(connection.timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as InfluxQLAnswer;
  };
}

function alertsFrom(answer: InfluxQLAnswer): HistoryAlert[] {
  const result = answer.results?.[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error.slice(0, 200)}`);
  const series = result?.series?.[0];
  if (!series) return [];
  const at = (name: string): number => series.columns.indexOf(name);
  const [t, event, zone, severity, text] = ['time', 'event', 'zone', 'severity', 'text'].map(at);
  const str = (row: unknown[], i: number): string | undefined =>
    i >= 0 && typeof row[i] === 'string' && row[i] !== '' ? (row[i] as string) : undefined;
  const out: HistoryAlert[] = [];
  for (const row of series.values) {
    const ts = Number(row[t]);
    const ev = str(row, event);
    if (!Number.isFinite(ts) || ev === undefined) continue;
    out.push({ ts, event: ev, zone: str(row, zone), severity: str(row, severity), text: str(row, text) });
  }
  return out;
}

/** The report of `range`; `zones` are the site's, `box` the plan's bounds (m), `timeZone` the days'. */
export async function historyReport(
  range: HistoryRange,
  site: { zones: readonly Zone[]; box: { minX: number; minY: number; maxX: number; maxY: number } },
  timeZone: string,
  run: InfluxQLRunner,
  maxPoints = 5000,
): Promise<HistoryReport> {
  const q = { ...range, maxPoints };
  const built = trackInfluxQL(q);
  const [trackAnswer, alertAnswer] = await Promise.all([run(built.text), run(alertsInfluxQL(q).text)]);
  const track = trackFromInfluxQL(trackAnswer);
  // An averaged track has a point per bucket: a stay spans buckets, so the gap that ends one grows with them.
  const gapMs = Math.max(120_000, 3 * (built.bucketMs ?? 0));
  const byDay = new Map<string, TrackPoint[]>();
  for (const p of track) {
    const day = localDay(p.ts, timeZone);
    let list = byDay.get(day);
    if (!list) byDay.set(day, (list = []));
    list.push(p);
  }
  const days = [...byDay].map(([day, points]) => ({
    dog: range.dog,
    day,
    zones: timeInZones(points, site, range.dog, gapMs),
  }));
  return {
    ...range,
    ...(built.bucketMs !== undefined ? { bucketMs: built.bucketMs } : {}),
    track,
    alerts: alertsFrom(alertAnswer),
    heatmap: heatmap(track, site.box, 1, gapMs),
    days,
  };
}
