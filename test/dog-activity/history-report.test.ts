// The history report end to end against a real InfluxDB 1.x: positions and alerts written by influx-write's
// conversion, read back through /query by the runner, as zone minutes per local day, alerts and a heatmap.
import assert from 'node:assert/strict';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { readRange } from '../../nodes/dog-activity/history/params';
import { historyReport, influxQLRunner } from '../../nodes/dog-activity/history/report';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';
import { historySite } from './fixtures';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const DB = 'history';

describe('history report from InfluxDB 1.x', function () {
  this.timeout(60_000);
  let influx: InfluxService;

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query(`CREATE DATABASE ${DB}`);
    // 10 min in the yard, 5 in the pool (inside the yard too), 10 outside; one position a second.
    const messages: unknown[] = [];
    let ts = T0;
    for (const [n, x, y] of [
      [600, 10, 20],
      [300, 5, 5],
      [600, 30, 40],
    ] as const)
      for (let i = 0; i < n; i++, ts += 1000)
        messages.push({ v: 1, type: 'position', dog: 'rex', ts, x, y, accuracy: 1.5 });
    messages.push({
      v: 1,
      type: 'alert',
      event: 'exit',
      dog: 'rex',
      zone: 'yard',
      severity: 'critical',
      ts: T0 + 900_000,
    });
    const { lines, errors } = toLineProtocol(messages);
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
  });
  after(() => influx?.dispose());

  it('reads the track, the alerts, the heatmap and the minutes in each zone of the day', async () => {
    const run = influxQLRunner({ url: influx.url, database: DB, timeoutMs: 5000 });
    const range = readRange({ dog: 'rex', from: String(T0), to: String(T0 + 1_500_000) }, 'UTC', ['rex']);
    const box = { minX: 0, minY: 0, maxX: 40, maxY: 50 };
    const report = await historyReport(range, { zones: historySite().zones, box }, 'UTC', run);
    assert.equal(report.bucketMs, undefined);
    assert.equal(report.track.length, 1500);
    assert.deepEqual(report.alerts, [
      { ts: T0 + 900_000, event: 'exit', zone: 'yard', severity: 'critical', text: 'rex exit yard' },
    ]);
    assert.equal(report.days.length, 1);
    const [yard, pool] = report.days[0].zones;
    assert.deepEqual([yard.zone, yard.minutes, yard.entries], ['yard', 15, 1]);
    assert.deepEqual([pool.zone, pool.minutes, pool.entries], ['pool', 5, 1]);
    const total = report.heatmap.seconds.reduce((a, b) => a + b, 0);
    assert.equal(Math.round(total), 1499);
  });

  it('averages a long range server-side into at most maxPoints, and still counts the zone minutes', async () => {
    const run = influxQLRunner({ url: influx.url, database: DB, timeoutMs: 5000 });
    const range = readRange({ dog: 'rex', day: '2026-11-02' }, 'UTC', ['rex']);
    const box = { minX: 0, minY: 0, maxX: 40, maxY: 50 };
    const report = await historyReport(range, { zones: historySite().zones, box }, 'UTC', run, 500);
    assert.equal(report.bucketMs, 173_000);
    assert.ok(report.track.length <= 500 && report.track.length >= 8, String(report.track.length));
    const yard = report.days[0].zones[0];
    // Within a bucket or two of the 15 minutes.
    assert.ok(Math.abs(yard.minutes - 15) <= 6, String(yard.minutes));
  });

  it('says what InfluxDB answered when a query fails', async () => {
    const run = influxQLRunner({ url: influx.url, database: 'missing_db', timeoutMs: 5000 });
    const range = { dog: 'rex', from: T0, to: T0 + 60_000 };
    await assert.rejects(
      historyReport(range, { zones: [], box: { minX: 0, minY: 0, maxX: 1, maxY: 1 } }, 'UTC', run),
      /database not found/,
    );
  });
});
