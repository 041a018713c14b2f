// The history API's answers: 401 without the app login when a tracker-notify serves the map, 400 naming a
// bad parameter, and the report and its CSV from a real InfluxDB 1.x holding influx-write's points.
import assert from 'node:assert/strict';
import { registerAppAccess } from '../../nodes/common/app-access';
import { answerHistory, type HistoryDeps } from '../../nodes/dog-activity/history/history-http';
import { influxQLRunner } from '../../nodes/dog-activity/history/report';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { COOKIE } from '../../nodes/tracker-notify/routes';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const MAP = '/dogtracker/history-test/';

describe('history API answers', function () {
  this.timeout(60_000);
  let influx: InfluxService;
  let deps: HistoryDeps;

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query('CREATE DATABASE hist');
    const positions = Array.from({ length: 600 }, (_, i) => ({
      v: 1,
      type: 'position',
      dog: 'rex',
      ts: T0 + i * 1000,
      x: i < 300 ? 5 : 50,
      y: 5,
      accuracy: 1,
    }));
    const { lines } = toLineProtocol(positions);
    const res = await fetch(`${influx.url}/write?db=hist&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204);
    deps = {
      mapPath: MAP,
      timeZone: 'UTC',
      site: () => ({
        dogs: ['rex'],
        zones: [
          { id: 'yard', name: 'Yard, front', kind: 'safe', shape: 'circle', circle: { x: 5, y: 5, r: 3 } },
        ],
        box: { minX: 0, minY: 0, maxX: 60, maxY: 10 },
      }),
      run: influxQLRunner({ url: influx.url, database: 'hist', timeoutMs: 5000 }),
      now: () => T0,
    };
  });
  after(() => influx?.dispose());

  const ask = (path: string, query: Record<string, unknown>, cookie?: string) =>
    answerHistory({ path, query, cookie }, deps);
  const range = { dog: 'rex', from: String(T0), to: String(T0 + 600_000) };

  it('answers without an app login (httpNodeAuth guards the route), with the report and the CSV', async () => {
    const report = await ask('api/report', range);
    assert.equal(report.status, 200, report.body);
    const json = JSON.parse(report.body) as {
      track: unknown[];
      days: Array<{ zones: Array<{ minutes: number }> }>;
    };
    assert.equal(json.track.length, 600);
    assert.equal(json.days[0].zones[0].minutes, 5);
    const csv = await ask('api/zones.csv', range);
    assert.equal(csv.type, 'csv');
    assert.equal(
      csv.body,
      'dog,day,zone,name,kind,minutes,entries,longest_stay_min\r\nrex,2026-11-02,yard,"Yard, front",safe,5,1,5\r\n',
    );
  });

  it('refuses bad parameters with 400, naming them', async () => {
    assert.deepEqual(await ask('api/report', { dog: 'fido', day: '2026-11-02' }), {
      status: 400,
      type: 'text',
      body: 'dog "fido" is not a dog of the site',
    });
    const bad = await ask('api/report', { dog: 'rex', from: '<script>'.repeat(500), to: '1' });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.length < 200, bad.body);
  });

  it('needs the app login (viewer or admin) when a tracker-notify serves the map: 401 otherwise', async () => {
    const unregister = registerAppAccess(MAP, (token) =>
      token === 'good' ? { login: 'ben', name: 'Ben', role: 'viewer' } : undefined,
    );
    try {
      assert.equal((await ask('api/report', range)).status, 401);
      assert.equal((await ask('api/report', range, `${COOKIE}=forged`)).status, 401);
      assert.equal((await ask('api/report', range, `${COOKIE}=good`)).status, 200);
    } finally {
      unregister();
    }
  });
});
