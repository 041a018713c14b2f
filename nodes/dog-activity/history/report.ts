// One history answer for a dog and a range: its (downsampled) track, the alerts of the range, a heatmap
// and the time in each zone per local day, from InfluxDB 1.x, 2.x or 3.x (sources.ts: InfluxQL, Flux or
// SQL). The query text comes from queries.ts (bounded, LIMITed); the source is injected so the core stays
// testable.
import type { Zone } from '../../kernel/site-document';
import { localDay, type HistoryRange } from './params';
import type { TrackPoint } from './queries';
import { influxQLSource, type HistoryAlert, type HistorySource, type InfluxQLRunner } from './sources';
import { heatmap, timeInZones, type Heatmap, type ZoneTime } from './zones';

export {
  influxQLRunner,
  sourceFor,
  type HistoryAlert,
  type HistorySource,
  type InfluxQLAnswer,
  type InfluxQLRunner,
} from './sources';

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

/** The report of `range`; `zones` are the site's, `box` the plan's bounds (m), `timeZone` the days'. */
export async function historyReport(
  range: HistoryRange,
  site: { zones: readonly Zone[]; box: { minX: number; minY: number; maxX: number; maxY: number } },
  timeZone: string,
  run: InfluxQLRunner | HistorySource,
  maxPoints = 5000,
): Promise<HistoryReport> {
  const q = { ...range, maxPoints };
  const source = typeof run === 'function' ? influxQLSource(run) : run;
  const [built, alerts] = await Promise.all([source.track(q), source.alerts(q)]);
  const track = built.track;
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
    alerts,
    heatmap: heatmap(track, site.box, 1, gapMs),
    days,
  };
}
