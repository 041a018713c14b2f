// Proves the harness: a real Mosquitto and a real InfluxDB 1.x start on free loopback ports,
// answer, and keep InfluxDB data across a restart.
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import {
  requireBinary,
  startInfluxdb,
  startMosquitto,
  type InfluxService,
  type RunningService,
} from './services';

describe('test harness: real servers', function () {
  this.timeout(30000);

  describe('Mosquitto', () => {
    let broker: RunningService;
    before(async function () {
      broker = await startMosquitto(requireBinary(this, 'mosquitto', 'mosquitto'));
    });
    after(() => broker?.dispose());

    it('relays a message between two clients, and comes back on the same port after a restart', async () => {
      const url = `mqtt://${broker.host}:${broker.port}`;
      const roundTrip = async (): Promise<string> => {
        const sub = await mqtt.connectAsync(url);
        const pub = await mqtt.connectAsync(url);
        try {
          await sub.subscribeAsync('dogtracker/v1/test');
          const received = new Promise<string>((resolve) =>
            sub.once('message', (_t, p) => resolve(p.toString())),
          );
          await pub.publishAsync('dogtracker/v1/test', 'woof');
          return await received;
        } finally {
          await Promise.all([sub.endAsync(), pub.endAsync()]);
        }
      };
      assert.equal(await roundTrip(), 'woof');
      await broker.restart();
      assert.equal(await roundTrip(), 'woof');
    });
  });

  describe('InfluxDB 1.x', () => {
    let influx: InfluxService;
    before(async function () {
      influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    });
    after(() => influx?.dispose());

    it('writes line protocol, reads it back with InfluxQL, and keeps it across a restart', async () => {
      await influx.query('CREATE DATABASE harness');
      const write = await fetch(`${influx.url}/write?db=harness&precision=ms`, {
        method: 'POST',
        body: 'rssi,scanner=pi-1,dog=rex rssi=-71i 1763800000123',
      });
      assert.equal(write.status, 204, await write.text());
      const read = async (): Promise<unknown[][] | undefined> =>
        (await influx.query('SELECT rssi, dog FROM rssi', 'harness')).results[0].series?.[0].values;
      assert.deepEqual(await read(), [[1763800000123, -71, 'rex']]);
      await influx.restart();
      assert.deepEqual(await read(), [[1763800000123, -71, 'rex']]);
    });
  });
});
