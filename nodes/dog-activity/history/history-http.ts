// The history API's answers, Node-RED-free: who may ask (the map's app login when a tracker-notify serves
// the map, else the caller has passed Node-RED's httpNodeAuth), checked parameters (400 naming the bad one),
// the JSON report and its CSV time-in-zones table. The adapter routes `{map path}history/api/…` here.
import { appPerson } from '../../common/app-access';
import { errorMessage } from '../../kernel/checks';
import type { Zone } from '../../kernel/site-document';
import { zonesCsv } from './csv';
import { localDay, ParamError, readRange } from './params';
import { historyReport, type HistorySource, type InfluxQLRunner } from './report';

export interface HistoryRequest {
  /** Below `{map path}history/`: `api/report`, `api/zones.csv` or `api/site`. */
  path: string;
  query: Record<string, unknown>;
  cookie: string | undefined;
}

export interface HistoryAnswer {
  status: number;
  type: 'json' | 'csv' | 'text';
  body: string;
}

export interface HistoryDeps {
  /** The map's path, as tracker-notify registered its app login (e.g. `/dogtracker/`). */
  mapPath: string;
  timeZone: string;
  site: () =>
    | {
        dogs: string[];
        zones: readonly Zone[];
        box: { minX: number; minY: number; maxX: number; maxY: number };
        /** Display names by dog id, for the page's picker. */
        names?: Readonly<Record<string, string>>;
      }
    | undefined;
  /** InfluxDB 1.x's runner, or any source (sources.ts: 1.x, 2.x, 3.x). */
  run: InfluxQLRunner | HistorySource | undefined;
  now: () => number;
}

const text = (status: number, body: string): HistoryAnswer => ({ status, type: 'text', body });

export async function answerHistory(req: HistoryRequest, deps: HistoryDeps): Promise<HistoryAnswer> {
  const person = appPerson(deps.mapPath, req.cookie, deps.now());
  if (person === undefined) return text(401, 'log in to the app to see the history');
  const paths = ['api/report', 'api/zones.csv', 'api/site'];
  if (!paths.includes(req.path)) return text(404, 'not found');
  const site = deps.site();
  if (!site) return text(503, 'the site has not loaded yet');
  if (req.path === 'api/site') {
    // What the page draws and offers: the plan's bounds, the zones' outlines, the dogs.
    const dogs = site.dogs.map((id) => ({ id, name: site.names?.[id] ?? id }));
    const body = {
      dogs,
      zones: site.zones,
      box: site.box,
      timeZone: deps.timeZone,
      today: localDay(deps.now(), deps.timeZone),
    };
    return { status: 200, type: 'json', body: JSON.stringify(body) };
  }
  if (!deps.run) return text(503, 'no InfluxDB connection configured for the history');
  let range;
  try {
    range = readRange(req.query, deps.timeZone, site.dogs);
  } catch (err) {
    if (err instanceof ParamError) return text(400, err.message);
    throw err;
  }
  try {
    const report = await historyReport(range, site, deps.timeZone, deps.run);
    if (req.path === 'api/zones.csv') return { status: 200, type: 'csv', body: zonesCsv(report.days) };
    return { status: 200, type: 'json', body: JSON.stringify(report) };
  } catch (err) {
    return text(502, `reading the history failed: ${errorMessage(err).slice(0, 200)}`);
  }
}
