// The Grafana dogs dashboard's time-in-zones table, run on a real InfluxDB 1.x holding geofence-alert's enter
// and exit alerts (influx-write's conversion): minutes inside each zone per dog and UTC day, and entries.
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';

const DASHBOARD = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'deploy',
  'grafana',
  'dashboards',
  'dogtracker-dogs.json',
);
const DAY = Date.UTC(2026, 10, 2);
const MIN = 60_000;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ refId: string; query?: string; rawQuery?: boolean; resultFormat?: string }>;
  transformations?: Array<{ id: string }>;
}

function panel(): Panel {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const found = dashboard.panels.find((p) => p.title === 'Time in zones per dog and day');
  assert.ok(found, 'the dogs dashboard has the time-in-zones table');
  return found;
}

/** What Grafana puts in for its macros and the dashboard's variables. */
function filled(q: string, from: number, to: number): string {
  return q
    .replace(/\$timeFilter/g, `time >= ${from}ms AND time <= ${to}ms`)
    .replace(/\$dog\b/g, '(rex|bella)');
}

describe('Grafana time-in-zones table on InfluxDB 1.x', function () {
  this.timeout(60_000);
  let influx: InfluxService;

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query('CREATE DATABASE dogtracker');
    const alert = (event: string, dog: string, zone: string | undefined, at: number): unknown => ({
      v: 1,
      type: 'alert',
      event,
      dog,
      ...(zone ? { zone, kind: 'safe' } : {}),
      severity: 'info',
      ts: at,
    });
    const t = DAY + 8 * 60 * MIN;
    const messages = [
      // rex: the yard 30 min, out, the yard again 15 min (two enters in one minute count once); the pool 5 min.
      alert('enter', 'rex', 'yard', t + 10 * MIN + 5000),
      alert('exit', 'rex', 'yard', t + 40 * MIN + 5000),
      alert('enter', 'rex', 'pool', t + 20 * MIN),
      alert('exit', 'rex', 'pool', t + 25 * MIN),
      alert('missing', 'rex', undefined, t + 26 * MIN),
      alert('enter', 'rex', 'yard', t + 60 * MIN),
      alert('enter', 'rex', 'yard', t + 60 * MIN + 20_000),
      alert('exit', 'rex', 'yard', t + 75 * MIN),
      // bella: in the yard from 23:50 to 00:20 the next day: 10 min on one day, 20 on the next.
      alert('enter', 'bella', 'yard', DAY + 23 * 60 * MIN + 50 * MIN),
      alert('exit', 'bella', 'yard', DAY + 24 * 60 * MIN + 20 * MIN),
      // Another dog's alert is not asked for.
      alert('enter', 'fido', 'yard', t),
    ];
    const { lines, errors } = toLineProtocol(messages);
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=dogtracker&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
  });
  after(() => influx?.dispose());

  it('is a table of two raw InfluxQL targets merged, on the grid', () => {
    const p = panel();
    assert.equal(p.type, 'table');
    assert.ok(p.gridPos.x + p.gridPos.w <= 24);
    assert.deepEqual(
      p.targets?.map((t) => [t.refId, t.rawQuery, t.resultFormat]),
      [
        ['A', true, 'table'],
        ['B', true, 'table'],
      ],
    );
    assert.deepEqual(
      p.transformations?.map((t) => t.id),
      ['merge'],
    );
  });

  it('counts the minutes inside each zone and the entries per dog and day', async () => {
    const [minutes, entries] = panel().targets!.map((t) => t.query!);
    const from = DAY;
    const to = DAY + 2 * 24 * 60 * MIN - 1;
    const rows = async (q: string): Promise<Record<string, number>> => {
      const result = (await influx.query(filled(q, from, to), 'dogtracker')).results[0];
      assert.equal(result.error, undefined, filled(q, from, to));
      const out: Record<string, number> = {};
      for (const s of result.series ?? [])
        for (const [time, value] of s.values as Array<[number, number]>) {
          const day = new Date(time).toISOString().slice(0, 10);
          out[`${s.tags?.dog} ${s.tags?.zone} ${day}`] = value;
        }
      return out;
    };
    assert.deepEqual(await rows(minutes), {
      'rex pool 2026-11-02': 5,
      'rex yard 2026-11-02': 45,
      // The state goes on into the next day: outside, so 0 minutes.
      'rex pool 2026-11-03': 0,
      'rex yard 2026-11-03': 0,
      'bella yard 2026-11-02': 10,
      'bella yard 2026-11-03': 20,
    });
    assert.deepEqual(await rows(entries), {
      'rex pool 2026-11-02': 1,
      'rex yard 2026-11-02': 3,
      'bella yard 2026-11-02': 1,
    });
  });
});
