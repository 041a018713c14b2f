// influx-write and tracker-influx on the real Node-RED runtime, writing to a real InfluxDB 1.x:
// every message type read back with InfluxQL, bad input, a field type conflict, an outage across a
// Node-RED restart, and a full queue.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import type { Node, NodeInitializer } from 'node-red';
import influxWrite = require('../../nodes/influx-write/influx-write');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import { pipelineMetrics } from '../../nodes/common/metrics';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { helper, nextError, onTab, statusWhere, type FlowNode } from '../support/flow';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';
import { activity, alert, health, influxNodes, notification, position, reading } from './fixtures';

interface Report {
  topic: string;
  payload: {
    type: string;
    points?: number;
    reason?: string;
    queued: number;
    totals: { written: number; rejected: number; dropped: number; failedRequests: number };
  };
}

/** Resolves once `test` holds; the node works on its own timers, so look often. */
async function until(test: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every report the node sends on its output, as it arrives. */
function reportsOf(node: Node): Report[] {
  const reports: Report[] = [];
  (node as unknown as NodeJS.EventEmitter).on('input', (msg: Report) => reports.push(msg));
  return reports;
}

const sum = (reports: Report[], type: string): number =>
  reports.reduce((n, r) => n + (r.payload.type === type ? (r.payload.points ?? 0) : 0), 0);

async function series(influx: InfluxService, db: string, q: string): Promise<Record<string, unknown>[]> {
  const result = (await influx.query(q, db)).results[0];
  if (result.error) throw new Error(result.error);
  return (result.series ?? []).flatMap((s) =>
    s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, row[i]])) })),
  );
}

describe('influx-write node with InfluxDB 1.x', function () {
  this.timeout(60_000);
  let influx: InfluxService;
  let userDir: string;
  let dbCount = 0;
  let db: string;

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await influx?.dispose();
  });
  beforeEach(async () => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'influx-write-user-'));
    helper.settings({ userDir });
    db = `dogs${++dbCount}`;
    await influx.query(`CREATE DATABASE ${db}`);
  });
  afterEach(async () => {
    await helper.unload();
    // A test that failed while the server was stopped must not leave it stopped for the next one.
    const up = await fetch(`${influx.url}/ping`).then(
      (r) => r.status === 204,
      () => false,
    );
    if (!up) await influx.restart();
    rmSync(userDir, { recursive: true, force: true });
  });

  const flow = (write: Record<string, unknown> = {}, connection: Record<string, unknown> = {}): FlowNode[] =>
    onTab([
      ...influxNodes(
        { name: 'local influx', url: influx.url, database: db, ...connection },
        // These tests store each reading; the per-second default has its own tests below.
        { rawReadings: 'all', wires: [['out1']], ...write },
      ),
      { id: 'out1', type: 'helper' },
    ]);

  const queueFolder = (): string => path.join(userDir, 'dogtracker-influx', 'w1');
  const pointsOnDisk = (): number =>
    readdirSync(queueFolder())
      .filter((f) => f.endsWith('.lp'))
      .reduce((n, f) => n + Number(/-(\d+)\.lp$/.exec(f)![1]), 0);

  /** 4 readings a second of one pair for `seconds` s from the whole second of `reading.ts`. */
  const readings = (seconds: number, scanner = 'pi-yard-ne'): Array<typeof reading> => {
    const t0 = Math.floor(reading.ts / 1000) * 1000;
    return Array.from({ length: seconds * 4 }, (_, i) => ({
      ...reading,
      scanner,
      seq: i + 1,
      ts: t0 + i * 250 + 7,
      rssi: -70 - (i % 4),
      rssiRaw: -60 - (i % 4) * 2,
      rssiVar: i,
    }));
  };

  it('stores readings once per scanner and beacon per second by default: the means, the latest variance, n', async () => {
    // As a flow without the setting (made before it existed) has it.
    await helper.load([trackerInflux, influxWrite], flow({ rawReadings: undefined }));
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    // Two whole seconds of two scanners, and the first reading of a third second, which closes them.
    const sent = [...readings(2), ...readings(2, 'pi-yard-sw')];
    const third = { ...reading, ts: Math.floor(reading.ts / 1000) * 1000 + 2000, rssi: -50, rssiRaw: -50 };
    writer.receive({ payload: sent });
    writer.receive({ payload: [third, { ...third, scanner: 'pi-yard-sw' }, position] });
    await until(() => sum(reports, 'written') === 5, '4 per-second points and the position');
    const rows = await series(influx, db, 'SELECT rssi, rssiRaw, rssiVar, n FROM rssi GROUP BY scanner');
    const t0 = Math.floor(reading.ts / 1000) * 1000;
    assert.deepEqual(
      rows.map((r) => [r.scanner, Number(r.time) - t0, r.rssi, r.rssiRaw, r.rssiVar, r.n]),
      [
        ['pi-yard-ne', 0, -71.5, -63, 3, 4],
        ['pi-yard-ne', 1000, -71.5, -63, 7, 4],
        ['pi-yard-sw', 0, -71.5, -63, 3, 4],
        ['pi-yard-sw', 1000, -71.5, -63, 7, 4],
      ],
    );
    assert.equal((await series(influx, db, 'SELECT x FROM position')).length, 1);
    // The second still open is stored when the node closes, not lost.
    await helper.unload();
    const last = await series(influx, db, `SELECT rssi, n FROM rssi WHERE time = ${t0 + 2000}ms`);
    assert.deepEqual(
      last.map((r) => [r.rssi, r.n]),
      [
        [-50, 1],
        [-50, 1],
      ],
    );
  });

  it('stores no readings when set off, and still every position, alert and health', async () => {
    await helper.load([trackerInflux, influxWrite], flow({ rawReadings: 'off' }));
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    writer.receive({ payload: [...readings(3), position, alert, health] });
    await until(() => sum(reports, 'written') >= 4, 'position, alert and health');
    assert.deepEqual(await series(influx, db, 'SELECT * FROM rssi'), []);
    for (const m of ['position', 'alert', 'health'])
      assert.ok((await series(influx, db, `SELECT * FROM ${m}`)).length > 0, m);
  });

  it('refuses an unknown raw resolution, naming it', async () => {
    await helper.load([trackerInflux, influxWrite], flow({ rawReadings: 'hourly' }));
    const writer = helper.getNode('w1');
    const err = nextError(writer);
    writer.receive({ payload: reading });
    assert.match(String(await err), /rawReadings must be one of all, second, off, not "hourly"/);
  });

  it('stores each message type as the contract says, read back with InfluxQL, and shows connected', async () => {
    await helper.load([trackerInflux, influxWrite], flow());
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    const connected = statusWhere(writer, (s) => s.text === 'connected');
    const writtenBefore = (await pipelineMetrics.influxWritten.get()).values[0]?.value ?? 0;
    writer.receive({ payload: reading });
    writer.receive({ payload: [position, alert] });
    writer.receive({ payload: health });
    await until(() => sum(reports, 'written') === 6, '6 points written');
    assert.deepEqual(await connected, { fill: 'green', shape: 'dot', text: 'connected' });

    assert.deepEqual(await series(influx, db, 'SELECT * FROM rssi GROUP BY *'), [
      {
        time: 1763800000123,
        dog: 'rex',
        mac: 'ac:23:3f:a3:80:4b',
        scanner: 'pi-yard-ne',
        rssi: -71,
        txPower: -59,
        battery: 94,
      },
    ]);
    assert.deepEqual(await series(influx, db, 'SELECT * FROM position GROUP BY *'), [
      {
        time: 1763800001000,
        dog: 'rex',
        x: 12.4,
        y: 7.9,
        lat: 52.09077,
        lon: 5.12158,
        accuracy: 1.8,
        vx: 0.4,
        vy: -1.1,
        scanners: 4,
        method: 'tracker',
      },
    ]);
    assert.deepEqual(await series(influx, db, 'SELECT * FROM alert GROUP BY *'), [
      {
        time: 1763800009000,
        dog: 'rex',
        zone: 'yard',
        event: 'exit',
        severity: 'critical',
        x: 21.3,
        y: 30.8,
        since: 1763800002000,
        kind: 'safe',
        text: 'rex exit yard',
      },
    ]);
    const node = await series(
      influx,
      db,
      `SELECT cpu, throttled, wifiSignalDbm, meshOriginators FROM health WHERE neighbor = ''`,
    );
    assert.deepEqual(node, [
      { time: 1763800000000, cpu: 23.5, throttled: 0, wifiSignalDbm: -58, meshOriginators: 5 },
    ]);
    const links = await series(
      influx,
      db,
      "SELECT tq, lastSeenMs FROM health WHERE neighbor <> '' GROUP BY neighbor, node",
    );
    assert.deepEqual(links, [
      { time: 1763800000000, neighbor: 'b8:27:eb:00:00:02', node: 'pi-yard-ne', tq: 251, lastSeenMs: 410 },
      { time: 1763800000000, neighbor: 'b8:27:eb:00:00:03', node: 'pi-yard-ne', tq: 190, lastSeenMs: 1200 },
    ]);
    // The types the contract's fields are stored as: integers only where the values always are.
    const fieldTypes = await series(influx, db, 'SHOW FIELD KEYS');
    const types = Object.fromEntries(fieldTypes.map((f) => [f.fieldKey, f.fieldType]));
    assert.equal(types.rssi, 'float');
    assert.equal(types.scanners, 'integer');
    assert.equal(types.tq, 'integer');
    assert.equal(types.text, 'string');
    const writtenAfter = (await pipelineMetrics.influxWritten.get()).values[0].value;
    assert.equal(writtenAfter - writtenBefore, 6);
  });

  it("stores dog-activity's activity and tracker-notify's notification history, read back with InfluxQL and typed by name", async () => {
    await helper.load([trackerInflux, influxWrite], flow());
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    const later = {
      ...activity,
      ts: activity.ts + 60_000,
      state: 'moving',
      stillMin: 0,
      restS: 10,
      movingS: 50,
    };
    writer.receive({ payload: [activity, later] });
    writer.receive({ payload: JSON.stringify(notification) });
    writer.receive({
      payload: { ...notification, ts: notification.ts + 5, what: 'acknowledged', channel: 'app' },
    });
    await until(() => sum(reports, 'written') === 4, '4 points written');
    assert.deepEqual(
      await series(
        influx,
        db,
        'SELECT state, source, restS, movingS, stillMin, activeMin, baselineDays FROM activity GROUP BY dog',
      ),
      [
        {
          time: activity.ts,
          dog: 'rex',
          state: 'rest',
          source: 'accel',
          restS: 60,
          movingS: 0,
          stillMin: 42,
          activeMin: 96,
          baselineDays: 7,
        },
        {
          time: later.ts,
          dog: 'rex',
          state: 'moving',
          source: 'accel',
          restS: 10,
          movingS: 50,
          stillMin: 0,
          activeMin: 96,
          baselineDays: 7,
        },
      ],
    );
    // Minutes at rest per dog, as the Grafana panel asks.
    const rest = await series(
      influx,
      db,
      `SELECT sum(restS) / 60 AS restMin FROM activity WHERE dog = 'rex' GROUP BY dog`,
    );
    assert.equal(Math.round(Number(rest[0].restMin) * 60), 70);
    assert.deepEqual(
      await series(
        influx,
        db,
        'SELECT "alert", device, step, status, "text" FROM notification GROUP BY what, channel, login, category, dog, zone',
      ),
      [
        {
          time: notification.ts + 5,
          what: 'acknowledged',
          channel: 'app',
          login: 'ben',
          category: 'escape',
          dog: 'rex',
          zone: 'yard',
          alert: notification.alert,
          device: notification.device,
          step: 0,
          status: 201,
          text: 'acknowledged',
        },
        {
          time: notification.ts,
          what: 'delivered',
          channel: 'push',
          login: 'ben',
          category: 'escape',
          dog: 'rex',
          zone: 'yard',
          alert: notification.alert,
          device: notification.device,
          step: 0,
          status: 201,
          text: 'delivered',
        },
      ],
    );
    const keys = await influx.query('SHOW FIELD KEYS', db);
    const typeOf = (measurement: string, field: string): unknown => {
      const s = keys.results[0].series?.find((x) => x.name === measurement);
      return s?.values.find((row) => row[0] === field)?.[1];
    };
    assert.equal(typeOf('activity', 'stillMin'), 'integer');
    assert.equal(typeOf('activity', 'restS'), 'float');
    assert.equal(typeOf('notification', 'status'), 'integer');
    assert.equal(typeOf('notification', 'alert'), 'string');
  });

  it('reports the messages it cannot convert with done(err), stores the rest of the batch, and keeps working', async () => {
    await helper.load([trackerInflux, influxWrite], flow());
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    const error = nextError(writer);
    writer.receive({
      payload: [reading, { v: 1, type: 'rssi', scanner: 'pi-1', rssi: -80, ts: 5 }, 'garbage', position],
    });
    assert.equal(
      String(await error),
      'Error: 2 of 4 messages not stored: payload[1].mac is required (a non-empty string); ' +
        'payload[2] must be a contract message (an object of type rssi, position, alert, health, activity, notification), not "garbage"',
    );
    writer.receive({ payload: alert });
    await until(() => sum(reports, 'written') === 3, '3 points written');
    const counts = await series(influx, db, 'SELECT count(*) FROM rssi, position, alert');
    assert.equal(counts.length, 3);
  });

  it('drops only the point InfluxDB rejects for a field type conflict, reports why, and writes the rest of its batch', async () => {
    // Another tool stored health.cpu as a string before: InfluxDB 1.x keeps a field's first type (per
    // shard, so the same week).
    const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: 'health,node=old cpu="busy" 1763799999000',
    });
    assert.equal(res.status, 204);
    await helper.load([trackerInflux, influxWrite], flow({ batchSize: 100, flushMs: 200 }));
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    const error = nextError(writer);
    writer.receive({ payload: [reading, health, position] });
    assert.match(
      String(await error),
      /InfluxDB rejected 1 point\(s\) \(HTTP 400\): partial write: field type conflict: input field "cpu"/,
    );
    await until(() => sum(reports, 'written') === 4, '4 points written');
    const rejected = reports.find((r) => r.payload.type === 'rejected');
    assert.equal(rejected?.topic, 'influx-write/rejected');
    assert.equal(rejected?.payload.points, 1);
    assert.match(rejected?.payload.reason ?? '', /field type conflict/);
    assert.equal((await series(influx, db, 'SELECT count(rssi) FROM rssi'))[0].count, 1);
    assert.equal((await series(influx, db, 'SELECT count(x) FROM position'))[0].count, 1);
    assert.equal((await series(influx, db, "SELECT count(tq) FROM health WHERE neighbor <> ''"))[0].count, 2);
    assert.equal(
      (await series(influx, db, "SELECT count(cpu) FROM health WHERE node = 'pi-yard-ne'")).length,
      0,
    );
  });

  it('loses nothing in an outage across a Node-RED restart: 10 000 points, each written exactly once', async () => {
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      ...reading,
      seq: i,
      ts: 1763800000000 + i,
      rssi: -60 - (i % 30),
    }));
    await influx.stop();
    await helper.load([trackerInflux, influxWrite], flow());
    let writer = helper.getNode('w1');
    let reports = reportsOf(helper.getNode('out1'));
    for (let i = 0; i < readings.length; i += 250) writer.receive({ payload: readings.slice(i, i + 250) });
    await until(() => reports.some((r) => r.payload.type === 'unavailable'), 'a failed write');
    await statusWhere(writer, (s) => s.text === 'buffering 10000 points');
    const firstRunWritten = sum(reports, 'written');

    // Node-RED stops (every node closes) and starts again with the same user directory.
    await helper.unload();
    assert.equal(pointsOnDisk(), 10_000);
    await helper.load([trackerInflux, influxWrite], flow());
    writer = helper.getNode('w1');
    reports = reportsOf(helper.getNode('out1'));
    await statusWhere(writer, (s) => s.text === 'buffering 10000 points');

    await influx.restart();
    await until(() => sum(reports, 'written') === 10_000, '10 000 points written');
    assert.equal(firstRunWritten, 0);
    assert.equal(reports.find((r) => r.payload.type === 'restored')?.payload.points, 10_000);
    const [count] = await series(influx, db, 'SELECT count(rssi) FROM rssi');
    assert.equal(count.count, 10_000);
    const [first] = await series(influx, db, 'SELECT first(rssi), last(rssi) FROM rssi');
    assert.deepEqual([first.first, first.last], [-60, -60 - (9999 % 30)]);
    await statusWhere(writer, (s) => s.text === 'connected');
    await until(() => pointsOnDisk() === 0, 'the disk queue to empty');
    assert.equal(sum(reports, 'written'), 10_000, 'no point was sent twice');
  });

  it('flushes what it holds in memory when Node-RED stops, without waiting for the batch to fill', async () => {
    await helper.load([trackerInflux, influxWrite], flow({ batchSize: 1000, flushMs: 600_000 }));
    helper.getNode('w1').receive({ payload: [reading, position] });
    await helper.unload();
    assert.equal((await series(influx, db, 'SELECT count(rssi) FROM rssi'))[0].count, 1);
    assert.equal((await series(influx, db, 'SELECT count(x) FROM position'))[0].count, 1);
    assert.equal(pointsOnDisk(), 0);
  });

  it('when the queue is full, drops the oldest points, warns and counts them, and writes the newest', async () => {
    const readings = Array.from({ length: 1500 }, (_, i) => ({ ...reading, ts: 1763800000000 + i }));
    await influx.stop();
    await helper.load([trackerInflux, influxWrite], flow({ batchSize: 100, maxQueuedPoints: 1000 }));
    const writer = helper.getNode('w1');
    const reports = reportsOf(helper.getNode('out1'));
    const droppedBefore =
      (await pipelineMetrics.influxDropped.get()).values.find((v) => v.labels.reason === 'queue full')
        ?.value ?? 0;
    writer.receive({ payload: readings.slice(0, 100) });
    await until(() => reports.some((r) => r.payload.type === 'unavailable'), 'a failed write');
    const warned = new Promise<unknown>((resolve) =>
      (writer as unknown as NodeJS.EventEmitter).once('call:warn', (call: { args: unknown[] }) =>
        resolve(call.args[0]),
      ),
    );
    writer.receive({ payload: readings.slice(100) });
    assert.match(String(await warned), /queue full \(1000 points\): dropped the 500 oldest \(500 in all\)/);
    await until(() => sum(reports, 'dropped') === 500, 'the drop report');
    const droppedAfter = (await pipelineMetrics.influxDropped.get()).values.find(
      (v) => v.labels.reason === 'queue full',
    )!.value;
    assert.equal(droppedAfter - droppedBefore, 500);

    await influx.restart();
    await until(() => sum(reports, 'written') === 1000, '1000 points written');
    const [count] = await series(influx, db, 'SELECT count(rssi) FROM rssi');
    assert.equal(count.count, 1000);
    const [last] = await series(influx, db, 'SELECT last(rssi) FROM rssi');
    assert.equal(last.time, 1763800001499);
  });

  it('writes ids and texts with any characters so that InfluxDB reads back what was meant', async () => {
    const unit = fc.constantFrom('a', 'Z', '0', ' ', ',', '=', '"', '\\', '\n', '\t', 'é', '🐕', '/', "'");
    const text = fc.string({ unit, minLength: 1, maxLength: 12 });
    const samples = fc.sample(fc.record({ dog: text, method: text }), { numRuns: 300, seed: 6 });
    const positions = samples.map((s, i) => ({ ...position, ts: i, dog: s.dog, method: s.method }));
    const { lines, errors } = toLineProtocol(positions);
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
    // What line protocol cannot carry: line breaks (a space instead) and, in a tag, a backslash that
    // InfluxDB would read as an escape (a slash instead).
    const asTag = (s: string): string => s.replace(/[\r\n\t]/g, ' ').replace(/\\(?=[,= ]|$)/g, '/');
    const asString = (s: string): string => s.replace(/[\r\n]/g, ' ');
    const stored = await series(influx, db, 'SELECT method FROM position GROUP BY dog');
    const byTime = new Map(stored.map((row) => [row.time, row]));
    samples.forEach((sample, i) => {
      assert.deepEqual(
        byTime.get(i),
        { time: i, dog: asTag(sample.dog), method: asString(sample.method) },
        JSON.stringify(sample),
      );
    });
  });

  it('runs the example flow: an injected reading is stored, and the catch node is wired to the writer', async () => {
    // Node-RED's own inject, change, switch, debug and comment nodes, as the example uses them.
    // Node-RED's core node files export their initializer (`module.exports = function (RED) ...`).
    const core = async (file: string): Promise<NodeInitializer> =>
      ((await import(require.resolve(`@node-red/nodes/core/${file}`))) as { default: NodeInitializer })
        .default;
    const example = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'influx-write.json'), 'utf8'),
    ) as FlowNode[];
    const connection = example.find((n) => n.type === 'tracker-influx')!;
    Object.assign(connection, { url: influx.url, database: db });
    await helper.load(
      [
        trackerInflux,
        influxWrite,
        ...(await Promise.all(
          [
            'common/20-inject.js',
            'function/15-change.js',
            'function/10-switch.js',
            'common/21-debug.js',
            'common/90-comment.js',
          ].map(core),
        )),
      ],
      example,
    );
    const before = Date.now();
    helper.getNode('dt-influx-reading').receive({});
    await until(async () => (await series(influx, db, 'SELECT rssi FROM rssi')).length === 1, 'the reading');
    const [stored] = await series(influx, db, 'SELECT rssi FROM rssi');
    assert.ok((stored.time as number) >= before, 'stored with the time the change node set');
    assert.deepEqual(example.find((n) => n.type === 'catch')?.scope, ['dt-influx-write']);
  });

  it('says what is wrong when the connection is incomplete, and reports every message as not stored', async () => {
    await helper.load([trackerInflux, influxWrite], flow({}, { database: '' }));
    const writer = helper.getNode('w1');
    const error = nextError(writer);
    writer.receive({ payload: reading });
    assert.equal(
      String(await error),
      'Error: not stored: InfluxDB connection: no database set for InfluxDB 1.x',
    );
  });
});
