// History against a real InfluxDB 1.x holding positions and alerts written with influx-write's own
// conversion: the bounded track query (raw and downsampled), time in zones, heatmap and CSV.
import assert from 'node:assert/strict';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { zonesCsv } from '../../nodes/dog-activity/history/csv';
import {
  alertsInfluxQL,
  trackFlux,
  trackFromInfluxQL,
  trackInfluxQL,
} from '../../nodes/dog-activity/history/queries';
import { heatmap, timeInZones } from '../../nodes/dog-activity/history/zones';
import type { Site } from '../../nodes/kernel/site-document';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';
import { historySite, poolAlert } from './fixtures';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const DB = 'dogtracker';

const site = (): Site => historySite('Pool, deep'); // a name CSV must quote

/** One position a second: 10 min in the yard (10, 20), 5 min in the pool (5, 5), 10 min outside (30, 40), 5 min yard. */
function positions(): Array<Record<string, unknown>> {
  const out = [];
  const legs: Array<[number, number, number]> = [
    [600, 10, 20],
    [300, 5, 5],
    [600, 30, 40],
    [300, 10, 20],
  ];
  let ts = T0;
  for (const [n, x, y] of legs) {
    for (let i = 0; i < n; i++, ts += 1000) {
      out.push({
        v: 1,
        type: 'position',
        dog: 'rex',
        ts,
        x,
        y,
        accuracy: 1.5,
        scanners: 3,
        method: 'tracker',
      });
    }
  }
  return out;
}

describe('history against InfluxDB 1.x', function () {
  this.timeout(60_000);
  let influx: InfluxService;

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query(`CREATE DATABASE ${DB}`);
    const { lines, errors } = toLineProtocol([...positions(), poolAlert(T0 + 600_000)]);
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
  });
  after(async () => {
    await influx?.dispose();
  });

  const range = { dog: 'rex', from: T0, to: T0 + 1_800_000 };

  it('reads the raw track back and computes the time in zones, entries and longest stay', async () => {
    const q = trackInfluxQL(range);
    assert.equal(q.bucketMs, undefined);
    const track = trackFromInfluxQL(await influx.query(q.text, DB));
    assert.equal(track.length, 1800);
    const zones = timeInZones(track, site(), 'rex');
    // The last point of each leg stands for the step to the next one; the last point of all for nothing.
    assert.deepEqual(zones, [
      { zone: 'yard', name: 'Yard', kind: 'safe', minutes: 20, entries: 2, longestStayMin: 15 },
      { zone: 'pool', name: 'Pool, deep', kind: 'forbidden', minutes: 5, entries: 1, longestStayMin: 5 },
    ]);
    const csv = zonesCsv([{ dog: 'rex', day: '2026-11-02', zones }]);
    assert.equal(
      csv,
      'dog,day,zone,name,kind,minutes,entries,longest_stay_min\r\n' +
        'rex,2026-11-02,yard,Yard,safe,20,2,15\r\n' +
        'rex,2026-11-02,pool,"Pool, deep",forbidden,5,1,5\r\n',
    );
    const map = heatmap(track, { minX: 0, minY: 0, maxX: 20, maxY: 30 }, 1);
    // The plan is 20 x 30 m; the 10 min outside at (30, 40) grow the map to 30 x 40 cells.
    assert.equal(map.cols, 30);
    assert.equal(map.rows, 40);
    assert.equal(map.seconds[20 * 30 + 10], 900 - 1); // the yard spot, less the last point's missing step
    assert.equal(map.seconds[5 * 30 + 5], 300);
    assert.equal(map.seconds[39 * 30 + 29], 600); // off the plan, in the far corner cell
  });

  it('draws the heatmap where the dog went, also off the plan, in at most 200 x 200 cells', () => {
    const t0 = Date.UTC(2026, 10, 2, 8);
    const pts = [
      { ts: t0, x: 5, y: 5 },
      { ts: t0 + 60_000, x: 35, y: 12 }, // 15 m past the plan's right edge
      { ts: t0 + 120_000, x: Number.NaN, y: 3 },
      { ts: t0 + 180_000, x: 20, y: 30 }, // exactly on the far corner
      { ts: t0 + 240_000, x: 20, y: 30 },
    ];
    const map = heatmap(pts, { minX: 0, minY: 0, maxX: 20, maxY: 30 }, 1);
    assert.equal(map.cols, 35);
    const at = (x: number, y: number): number =>
      map.seconds[Math.min(map.rows - 1, Math.floor(y)) * map.cols + Math.min(map.cols - 1, Math.floor(x))];
    assert.equal(at(35, 12), 60, 'the minute spent off the plan is on the map');
    assert.equal(at(20, 30), 60, 'a point on the far corner counts');
    assert.equal(
      map.seconds.reduce((a, b) => a + b, 0),
      180,
      'the NaN point counts nowhere',
    );
    const far = heatmap(
      [
        { ts: t0, x: 0, y: 0 },
        { ts: t0 + 1000, x: 1e7, y: 0 },
        { ts: t0 + 2000, x: 0, y: 0 },
      ],
      {
        minX: 0,
        minY: 0,
        maxX: 20,
        maxY: 30,
      },
    );
    assert.ok(far.cols <= 200 && far.rows <= 200, `${far.cols} x ${far.rows}`);
    assert.ok(Number.isFinite(far.cellM));
  });

  it('downsamples a long range server-side to at most maxPoints rows', async () => {
    const q = trackInfluxQL({ ...range, maxPoints: 60 });
    assert.equal(q.bucketMs, 30_000);
    assert.match(q.text, /GROUP BY time\(30s\) fill\(none\)/);
    const track = trackFromInfluxQL(await influx.query(q.text, DB));
    assert.ok(track.length <= 60 && track.length >= 59, `${track.length} rows`);
    const zones = timeInZones(track, site(), 'rex');
    assert.equal(zones[1].minutes, 5); // the pool, from 30 s means
  });

  it('reads the alerts of the range for the timeline', async () => {
    const answer = await influx.query(alertsInfluxQL(range).text, DB);
    const series = answer.results[0].series?.[0];
    assert.ok(series);
    assert.equal(series.values.length, 1);
    const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0][i]]));
    assert.equal(row.time, T0 + 600_000);
    assert.equal(row.event, 'enter');
    assert.equal(row.zone, 'pool');
  });

  it('quotes a hostile dog id and refuses unbounded ranges; Flux for 2.x', () => {
    const q = trackInfluxQL({ ...range, dog: "rex' OR 1=1 --" });
    assert.match(q.text, /"dog" = 'rex\\' OR 1=1 --'/);
    assert.throws(() => trackInfluxQL({ ...range, to: range.from }), /to must be after from/);
    assert.throws(() => trackInfluxQL({ ...range, to: range.from + 40 * 86_400_000 }), /at most 31 days/);
    const flux = trackFlux({ ...range, maxPoints: 60 }, 'dogs');
    assert.match(flux.text, /aggregateWindow\(every: 30s, fn: mean, createEmpty: false, timeSrc: "_start"\)/);
    assert.match(flux.text, /range\(start: 2026-11-02T09:00:00\.000Z, stop: 2026-11-02T09:30:00\.000Z\)/);
    assert.match(flux.text, /limit\(n: 60\)/);
  });
});
