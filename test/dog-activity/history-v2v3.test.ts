// The history read from InfluxDB 2.x (Flux) and 3.x (SQL) gives the same report as from InfluxDB 1.x.
// No 2.x or 3.x server runs here, so each is a local HTTP server that checks the request (path, headers,
// body, the query's exact shape) and answers in the server's documented format, with the rows of a real
// InfluxDB 1.x that holds the points influx-write's conversion made of the same messages:
// - 2.x: POST /api/v2/query?org=… with `Authorization: Token …` and a JSON body {query, type: "flux",
//   dialect} (https://docs.influxdata.com/influxdb/v2/api/ PostQuery, schemas Query and Dialect; docs-v2
//   api-docs/influxdb/v2/influxdb-oss-v2-openapi.yaml); the answer is annotated CSV with #group/#datatype/
//   #default rows, a header, one table per group key, a blank line and new annotations where the schema
//   changes, and error tables (https://docs.influxdata.com/influxdb/v2/reference/syntax/annotated-csv/,
//   "Multiple tables and results" and "Errors"), here with CRLF line ends and RFC3339Nano times. Windows of
//   aggregateWindow(timeSrc: "_start") are stamped with their start
//   (https://docs.influxdata.com/flux/v0/stdlib/universe/aggregatewindow/); the fake stamps the first one,
//   cut by the range, with the range's start, which the reader floors back to its bucket.
// - 3.x: POST /api/v3/query_sql with `Authorization: Bearer …` and {db, q, params, format: "json"}; the answer
//   is a JSON array of row objects, `time` RFC 3339 without a zone
//   (https://docs.influxdata.com/influxdb3/core/query-data/sql/parameterized-queries/), here with the
//   columns in name order and null ones left out (the reader takes either); DATE_BIN buckets start on the
//   epoch (https://docs.influxdata.com/influxdb3/core/query-data/sql/aggregate-select/).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAnnotatedCsv, timeMs } from '../../nodes/dog-activity/history/flux-csv';
import { readRange } from '../../nodes/dog-activity/history/params';
import { alertsSQL, trackFlux, trackSQL } from '../../nodes/dog-activity/history/queries';
import { historyReport, influxQLRunner, sourceFor } from '../../nodes/dog-activity/history/report';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { validateSite } from '../../nodes/kernel/site-document';
import { connect } from '../../nodes/tracker-influx/connection';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';
import { yardAndPoolZones } from '../support/sites';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const DB = 'history23';

const siteResult = validateSite({
  name: 'h',
  scanners: [],
  dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
  zones: yardAndPoolZones(),
});

/** Rex every 1.5 s (half-second times, so fractions show): the yard, the pool, outside, the yard again. */
function messages(): unknown[] {
  const out: unknown[] = [];
  let ts = T0 + 500;
  for (const [n, x, y] of [
    [400, 10, 20],
    [200, 5, 5],
    [400, 30, 40],
    [200, 10 + 0.25, 20.5],
  ] as const)
    for (let i = 0; i < n; i++, ts += 1500)
      out.push({ v: 1, type: 'position', dog: 'rex', ts, x: x + (i % 3) * 0.1, y, accuracy: 1 + (i % 4) });
  const alert = (event: string, at: number, extra: Record<string, unknown>): unknown => ({
    v: 1,
    type: 'alert',
    event,
    dog: 'rex',
    ts: T0 + at,
    ...extra,
  });
  out.push(
    alert('enter', 600_500, { zone: 'pool', kind: 'forbidden', severity: 'critical' }),
    alert('exit', 900_500, {
      zone: 'yard',
      kind: 'safe',
      severity: 'critical',
      text: 'Rex left the "yard", fast',
    }),
    // No zone: another tag set, so a table of another schema (a new block in the annotated CSV).
    alert('missing', 1_000_000, { severity: 'warning' }),
    alert('enter', 1_500_500, { zone: 'yard', kind: 'safe', severity: 'info' }),
    // Another dog's alert stays out.
    { v: 1, type: 'alert', event: 'enter', dog: 'bella', zone: 'yard', ts: T0 + 700_000 },
  );
  return out;
}

interface Seen {
  path: string;
  search: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Go's RFC3339Nano: the fraction without trailing zeros, none when whole. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : 'Z'));
}

/** InfluxDB 3's JSON time: RFC 3339 without a zone, the fraction only when there is one. */
function sqlTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.000Z$/, '')
    .replace(/Z$/, '');
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** An InfluxQL string literal, written here apart from the code under test. */
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Strict shapes of the queries the history sends; anything else is refused (and the test fails). */
const FLUX_TRACK = new RegExp(
  '^from\\(bucket: "dogs"\\)\\n' +
    '  \\|> range\\(start: (\\S+), stop: (\\S+)\\)\\n' +
    '  \\|> filter\\(fn: \\(r\\) => r\\._measurement == "position" and r\\.dog == "(\\w+)"\\)\\n' +
    '  \\|> filter\\(fn: \\(r\\) => r\\._field == "x" or r\\._field == "y" or r\\._field == "accuracy"\\)\\n' +
    '(?:  \\|> aggregateWindow\\(every: (\\d+)s, fn: mean, createEmpty: false, timeSrc: "_start"\\)\\n)?' +
    '  \\|> pivot\\(rowKey: \\["_time"\\], columnKey: \\["_field"\\], valueColumn: "_value"\\)\\n' +
    '  \\|> sort\\(columns: \\["_time"\\]\\)\\n' +
    '  \\|> limit\\(n: (\\d+)\\)$',
);
const FLUX_ALERTS = new RegExp(
  '^from\\(bucket: "dogs"\\)\\n' +
    '  \\|> range\\(start: (\\S+), stop: (\\S+)\\)\\n' +
    '  \\|> filter\\(fn: \\(r\\) => r\\._measurement == "alert" and r\\.dog == "(\\w+)" and r\\._field == "text"\\)\\n' +
    '  \\|> sort\\(columns: \\["_time"\\]\\)\\n' +
    '  \\|> limit\\(n: (\\d+)\\)$',
);
const SQL_WHERE = 'WHERE dog = \\$dog AND time >= \\$from AND time < \\$to';
const SQL_TRACK_RAW = new RegExp(
  `^SELECT time, x, y, accuracy FROM "position" ${SQL_WHERE} ORDER BY time ASC LIMIT (\\d+)$`,
);
const SQL_TRACK_BINNED = new RegExp(
  "^SELECT date_bin\\(INTERVAL '(\\d+) seconds', time\\) AS time, avg\\(x\\) AS x, avg\\(y\\) AS y, " +
    `avg\\(accuracy\\) AS accuracy FROM "position" ${SQL_WHERE} GROUP BY 1 ORDER BY 1 ASC LIMIT (\\d+)$`,
);
const SQL_ALERTS = new RegExp(`^SELECT \\* FROM "alert" ${SQL_WHERE} ORDER BY time ASC LIMIT (\\d+)$`);

class Refused extends Error {}

describe('history from InfluxDB 2.x (Flux) and 3.x (SQL), equal to 1.x', function () {
  this.timeout(60_000);
  let influx: InfluxService;
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  const refusals: string[] = [];
  /** When set, 3.x answers that the alert table does not exist (nothing was ever written to it). */
  let noAlertTable = false;
  /** When set, 2.x answers the alert query with this error table. */
  let fluxError: string | undefined;

  async function rows1x(
    q: string,
  ): Promise<Array<{ tags: Record<string, string>; rows: Array<Record<string, unknown>> }>> {
    const result = (await influx.query(q, DB)).results[0];
    if (result.error) throw new Refused(result.error);
    return (result.series ?? []).map((s) => ({
      tags: s.tags ?? {},
      rows: s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))),
    }));
  }

  /** The 2.x answer to a Flux query, from the 1.x data. */
  async function flux(text: string): Promise<string> {
    const track = FLUX_TRACK.exec(text);
    const alerts = FLUX_ALERTS.exec(text);
    if (track) {
      const [, start, stop, dog, every, n] = track;
      const [from, to] = [timeMs(start), timeMs(stop)];
      const where = `"dog" = ${lit(dog)} AND time >= ${from}ms AND time < ${to}ms`;
      const q = every
        ? `SELECT mean("accuracy") AS "accuracy", mean("x") AS "x", mean("y") AS "y" FROM "position" WHERE ${where} GROUP BY time(${every}s) fill(none) LIMIT ${n}`
        : `SELECT "accuracy", "x", "y" FROM "position" WHERE ${where} LIMIT ${n}`;
      const [series] = await rows1x(q);
      // pivot's table: the group key (_start, _stop, _measurement, dog), _time, then the fields by name.
      const lines = [
        '#group,false,false,true,true,false,true,true,false,false,false',
        '#datatype,string,long,dateTime:RFC3339Nano,dateTime:RFC3339Nano,dateTime:RFC3339Nano,string,string,double,double,double',
        '#default,_result,,,,,,,,,',
        ',result,table,_start,_stop,_time,_measurement,dog,accuracy,x,y',
      ];
      for (const r of series?.rows ?? []) {
        // The first window is clamped to the range's start.
        const t = Math.max(Number(r.time), from);
        lines.push(
          [
            '',
            '',
            0,
            rfc3339Nano(from),
            rfc3339Nano(to),
            rfc3339Nano(t),
            'position',
            dog,
            r.accuracy,
            r.x,
            r.y,
          ]
            .map(csvCell)
            .join(','),
        );
      }
      return lines.join('\r\n') + '\r\n\r\n';
    }
    if (alerts) {
      if (fluxError) {
        return (
          [
            '#datatype,string,string',
            '#group,true,true',
            '#default,,',
            ',error,reference',
            `,${csvCell(fluxError)},897`,
          ].join('\r\n') + '\r\n'
        );
      }
      const [, start, stop, dog, n] = alerts;
      const [from, to] = [timeMs(start), timeMs(stop)];
      const tables = await rows1x(
        `SELECT "text" FROM "alert" WHERE "dog" = ${lit(dog)} AND time >= ${from}ms AND time < ${to}ms GROUP BY * LIMIT ${n}`,
      );
      // One table per tag set; tables of one schema (the same tag keys) share a block.
      const blocks = new Map<string, string[]>();
      tables.forEach((t, table) => {
        const keys = Object.keys(t.tags)
          .filter((k) => t.tags[k] !== '')
          .sort();
        const id = keys.join(',');
        let block = blocks.get(id);
        if (!block) {
          const cols = ['_start', '_stop', '_time', '_value', '_field', '_measurement', ...keys];
          block = [
            `#group,false,false,true,true,false,false,true,true${',true'.repeat(keys.length)}`,
            `#datatype,string,long,dateTime:RFC3339Nano,dateTime:RFC3339Nano,dateTime:RFC3339Nano,string,string,string${',string'.repeat(keys.length)}`,
            `#default,_result,${','.repeat(cols.length - 1)}`,
            `,result,table,${cols.join(',')}`,
          ];
          blocks.set(id, block);
        }
        for (const r of t.rows)
          block.push(
            [
              '',
              '',
              table,
              rfc3339Nano(from),
              rfc3339Nano(to),
              rfc3339Nano(Number(r.time)),
              r.text,
              'text',
              'alert',
              ...keys.map((k) => t.tags[k]),
            ]
              .map(csvCell)
              .join(','),
          );
      });
      return [...blocks.values()].map((b) => b.join('\r\n') + '\r\n').join('\r\n');
    }
    throw new Refused(`not a history query: ${text.slice(0, 300)}`);
  }

  /** The 3.x answer to a SQL query with its parameters, from the 1.x data. */
  async function sql(q: string, params: Record<string, string>): Promise<unknown[]> {
    const raw = SQL_TRACK_RAW.exec(q);
    const binned = SQL_TRACK_BINNED.exec(q);
    const alerts = SQL_ALERTS.exec(q);
    if (typeof params.dog !== 'string' || !params.from || !params.to) throw new Refused('parameters missing');
    const where = `"dog" = ${lit(params.dog)} AND time >= ${timeMs(params.from)}ms AND time < ${timeMs(params.to)}ms`;
    let influxql: string;
    if (raw) influxql = `SELECT "accuracy", "x", "y" FROM "position" WHERE ${where} LIMIT ${raw[1]}`;
    else if (binned)
      influxql = `SELECT mean("accuracy") AS "accuracy", mean("x") AS "x", mean("y") AS "y" FROM "position" WHERE ${where} GROUP BY time(${binned[1]}s) fill(none) LIMIT ${binned[2]}`;
    else if (alerts) {
      if (noAlertTable) throw new Refused("Error during planning: table 'public.iox.alert' not found");
      influxql = `SELECT * FROM "alert" WHERE ${where} LIMIT ${alerts[1]}`;
    } else throw new Refused(`not a history query: ${q.slice(0, 300)}`);
    const [series] = await rows1x(influxql);
    return (series?.rows ?? []).map((r) => {
      const row: Record<string, unknown> = {};
      for (const key of Object.keys(r).sort())
        if (r[key] !== null) row[key] = key === 'time' ? sqlTime(Number(r.time)) : r[key];
      return row;
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const where = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: where.pathname, search: where.search, headers: req.headers, body });
    const refuse = (status: number, message: string): void => {
      refusals.push(message);
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'invalid', message }));
    };
    try {
      if (req.method !== 'POST') return refuse(405, 'POST only');
      const json = JSON.parse(body) as Record<string, unknown>;
      if (where.pathname === '/api/v2/query') {
        if (req.headers.authorization !== 'Token tok-2x') return refuse(401, 'unauthorized access');
        if (where.searchParams.get('org') !== 'kennel') return refuse(404, 'organization not found');
        const dialect = json.dialect as { annotations?: string[] } | undefined;
        if (json.type !== 'flux' || !dialect?.annotations?.includes('datatype'))
          return refuse(400, 'expected a flux query asking for annotations');
        const text = await flux(String(json.query));
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end(text);
        return;
      }
      if (where.pathname === '/api/v3/query_sql') {
        if (req.headers.authorization !== 'Bearer tok-3x') return refuse(401, 'unauthorized access');
        if (json.db !== 'dogs3') return refuse(404, `database not found: ${String(json.db)}`);
        if (json.format !== 'json') return refuse(400, 'expected format json');
        const rows = await sql(String(json.q), (json.params ?? {}) as Record<string, string>);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
        return;
      }
      refuse(404, `no route ${where.pathname}`);
    } catch (err) {
      if (err instanceof Refused) {
        // InfluxDB 3 answers a planning error as text, not JSON.
        res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
        if (!/not found/.test(err.message)) refusals.push(err.message);
        return;
      }
      refuse(500, String(err));
    }
  }

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query(`CREATE DATABASE ${DB}`);
    const { lines, errors } = toLineProtocol(messages());
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await influx?.dispose();
  });
  beforeEach(() => {
    seen.length = 0;
    refusals.length = 0;
    noAlertTable = false;
    fluxError = undefined;
  });

  /** The three sources as tracker-influx builds them from its settings. */
  function sources() {
    const v1 = connect({ version: '1', url: influx.url, database: DB }, {}).historyQuery;
    const v2 = connect(
      { version: '2', url, org: 'kennel', bucket: 'dogs' },
      { token: 'tok-2x' },
    ).historyQuery;
    const v3 = connect(
      { version: '3', url: url + '/', org: 'ignored', bucket: 'dogs3' },
      { token: 'tok-3x' },
    ).historyQuery;
    assert.ok(v1 && v2 && v3);
    assert.deepEqual([v1.language, v2.language, v3.language], ['influxql', 'flux', 'sql']);
    return { v1: sourceFor(v1), v2: sourceFor(v2), v3: sourceFor(v3) };
  }

  const box = { minX: 0, minY: 0, maxX: 40, maxY: 50 };

  it('picks the language from the version and org: 1 InfluxQL, 2 with an org Flux, 2 without one or 3 SQL', () => {
    const conn = (settings: Record<string, string>) =>
      connect({ url: 'http://db:8086', ...settings }, { token: 't' });
    assert.equal(conn({ version: '1', database: 'd' }).historyQuery?.language, 'influxql');
    assert.deepEqual(conn({ version: '2', org: 'o', bucket: 'b' }).historyQuery, {
      language: 'flux',
      url: 'http://db:8086',
      org: 'o',
      bucket: 'b',
      token: 't',
      timeoutMs: 10_000,
    });
    assert.deepEqual(conn({ version: '2', bucket: 'b' }).historyQuery, {
      language: 'sql',
      url: 'http://db:8086',
      database: 'b',
      token: 't',
      timeoutMs: 10_000,
    });
    assert.equal(conn({ version: '3', org: 'o', bucket: 'b' }).historyQuery?.language, 'sql');
    assert.equal(conn({ version: '3' }).problem, 'no bucket set for InfluxDB 2.x / 3.x');
  });

  it('gives the same raw track, alerts, heatmap and time in zones from 2.x and 3.x as from 1.x', async () => {
    assert.ok(siteResult.ok);
    const { v1, v2, v3 } = sources();
    const range = readRange({ dog: 'rex', from: String(T0), to: String(T0 + 1_800_000) }, 'UTC', ['rex']);
    const site = { zones: siteResult.site.zones, box };
    const one = await historyReport(range, site, 'UTC', v1);
    assert.equal(one.bucketMs, undefined);
    assert.equal(one.track.length, 1200);
    assert.equal(one.track[0].ts, T0 + 500);
    assert.deepEqual(
      one.alerts.map((a) => [a.ts - T0, a.event, a.zone ?? '-']),
      [
        [600_500, 'enter', 'pool'],
        [900_500, 'exit', 'yard'],
        [1_000_000, 'missing', '-'],
        [1_500_500, 'enter', 'yard'],
      ],
    );
    assert.equal(one.alerts[1].text, 'Rex left the "yard", fast');
    assert.deepEqual(
      one.days[0].zones.map((z) => [z.zone, z.minutes, z.entries]),
      [
        ['yard', 20, 2],
        ['pool', 5, 1],
      ],
    );
    const two = await historyReport(range, site, 'UTC', v2);
    const three = await historyReport(range, site, 'UTC', v3);
    assert.deepEqual(refusals, []);
    assert.deepEqual(two, one);
    assert.deepEqual(three, one);

    // What went over the wire: two Flux and two SQL requests, each as documented.
    const v2Requests = seen.filter((s) => s.path === '/api/v2/query');
    assert.equal(v2Requests.length, 2);
    for (const r of v2Requests) {
      assert.equal(r.search, '?org=kennel');
      assert.equal(r.headers.accept, 'application/csv');
      assert.equal(r.headers['content-type'], 'application/json');
      const body = JSON.parse(r.body) as { dialect: unknown };
      assert.deepEqual(body.dialect, {
        header: true,
        delimiter: ',',
        annotations: ['datatype', 'group', 'default'],
        dateTimeFormat: 'RFC3339Nano',
      });
    }
    const v3Requests = seen.filter((s) => s.path === '/api/v3/query_sql');
    assert.equal(v3Requests.length, 2);
    for (const r of v3Requests) {
      const body = JSON.parse(r.body) as { params: unknown };
      assert.deepEqual(body.params, {
        dog: 'rex',
        from: '2026-11-02T09:00:00.000Z',
        to: '2026-11-02T09:30:00.000Z',
      });
    }
  });

  it('downsamples server-side the same way: Flux windows and SQL bins equal InfluxQL buckets', async () => {
    assert.ok(siteResult.ok);
    const { v1, v2, v3 } = sources();
    const site = { zones: siteResult.site.zones, box };
    // A day: 173 s buckets, which do not divide the day, so the first bucket starts before midnight.
    const day = readRange({ dog: 'rex', day: '2026-11-02' }, 'UTC', ['rex']);
    // 45 min from an odd second: 9 s buckets, the first clamped by Flux to the range's start.
    const odd = { dog: 'rex', from: T0 + 7_000, to: T0 + 7_000 + 2_700_000 };
    for (const [range, maxPoints, bucketMs] of [
      [day, 500, 173_000],
      [odd, 300, 9_000],
    ] as const) {
      const one = await historyReport(range, site, 'UTC', v1, maxPoints);
      assert.equal(one.bucketMs, bucketMs);
      assert.ok(one.track.length > 8 && one.track.length <= maxPoints, String(one.track.length));
      assert.ok(one.track.every((p) => p.ts % bucketMs === 0));
      const two = await historyReport(range, site, 'UTC', v2, maxPoints);
      const three = await historyReport(range, site, 'UTC', v3, maxPoints);
      assert.deepEqual(refusals, []);
      assert.deepEqual(two, one);
      assert.deepEqual(three, one);
    }
    assert.match(seen.map((s) => s.body).join('\n'), /aggregateWindow\(every: 173s/);
    assert.match(seen.map((s) => s.body).join('\n'), /date_bin\(INTERVAL '9 seconds', time\)/);
  });

  it('keeps the dog id out of the query text (3.x parameters, 2.x quoted) and bounds every query', () => {
    const hostile = { dog: 'rex" or true //${x}', from: T0, to: T0 + 60_000 };
    const f = trackFlux(hostile, 'dogs').text;
    assert.ok(f.includes('r.dog == "rex\\" or true //\\${x}"'), f);
    const s = trackSQL({ ...hostile, dog: "rex' OR 1=1 --" });
    assert.doesNotMatch(s.text, /rex/);
    assert.equal(s.params.dog, "rex' OR 1=1 --");
    assert.match(alertsSQL(hostile).text, /LIMIT 1000$/);
    assert.throws(() => trackSQL({ ...hostile, to: T0 + 40 * 86_400_000 }), /at most 31 days/);
  });

  it('says what 2.x and 3.x answered when a query fails; a 3.x table never written is empty', async () => {
    assert.ok(siteResult.ok);
    const site = { zones: siteResult.site.zones, box };
    const range = { dog: 'rex', from: T0, to: T0 + 600_000 };
    fluxError = 'runtime error @3:6-3:60: filter: type conflict';
    const { v2, v3 } = sources();
    await assert.rejects(
      historyReport(range, site, 'UTC', v2),
      /InfluxDB: runtime error @3:6-3:60: filter: type conflict/,
    );
    const wrongToken = sourceFor(
      connect({ version: '2', url, org: 'kennel', bucket: 'dogs' }, { token: 'nope' }).historyQuery!,
    );
    await assert.rejects(historyReport(range, site, 'UTC', wrongToken), /HTTP 401: unauthorized access/);
    const wrongDb = sourceFor(
      connect({ version: '3', url, bucket: 'other' }, { token: 'tok-3x' }).historyQuery!,
    );
    await assert.rejects(historyReport(range, site, 'UTC', wrongDb), /HTTP 404: database not found: other/);
    noAlertTable = true;
    const report = await historyReport(range, site, 'UTC', v3);
    assert.deepEqual(report.alerts, []);
    assert.equal(report.track.length, 400);
    // The 1.x runner still says what 1.x answered.
    const missing = influxQLRunner({ url: influx.url, database: 'missing_db', timeoutMs: 5000 });
    await assert.rejects(historyReport(range, site, 'UTC', missing), /database not found/);
  });

  it('reads annotated CSV: blocks, defaults, quoted cells, LF or CRLF, and error tables', () => {
    const text = [
      '#group,false,false,true,false,false',
      '#datatype,string,long,string,dateTime:RFC3339Nano,double',
      '#default,_result,,,,7',
      ',result,table,dog,_time,_value',
      ',,0,rex,2026-11-02T09:00:00.123456789Z,1.5',
      ',,0,rex,2026-11-02T09:00:01Z,',
      '',
      '#group,false,false,true,false,false',
      '#datatype,string,long,string,dateTime:RFC3339,string',
      '#default,_result,,,,',
      ',result,table,dog,_time,_value',
      ',,1,"a ""quoted"", dog",2026-11-02T10:00:00+01:00,"two',
      'lines"',
      '',
    ].join('\n');
    assert.deepEqual(parseAnnotatedCsv(text), [
      { table: 0, values: { result: '_result', table: 0, dog: 'rex', _time: T0 + 123, _value: 1.5 } },
      { table: 0, values: { result: '_result', table: 0, dog: 'rex', _time: T0 + 1000, _value: 7 } },
      {
        table: 1,
        values: { result: '_result', table: 1, dog: 'a "quoted", dog', _time: T0, _value: 'two\nlines' },
      },
    ]);
    assert.deepEqual(parseAnnotatedCsv(text.replace(/\n/g, '\r\n')).length, 3);
    assert.throws(
      () =>
        parseAnnotatedCsv(
          '#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n,bad query,897\r\n',
        ),
      /InfluxDB: bad query/,
    );
    assert.equal(timeMs('2026-11-02T09:00:00'), T0);
    assert.ok(Number.isNaN(timeMs('yesterday')));
  });
});
