// The end-to-end harness on core Node-RED nodes: two Pi runtimes (over TLS) and a hub runtime (loopback)
// through the real Mosquitto with the shipped config, into a real InfluxDB; Mosquitto killed and
// restarted mid-run; a Pi losing power. See core-flows.ts for the flows.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { requireBinary } from '../support/services';
import type { Probe } from '../deploy/mqtt-probe';
import { hubStandIn, piStandIn, type HubState } from './core-flows';
import {
  getJson,
  influxRows,
  parsePrometheus,
  startNodeRed,
  startPipelineServices,
  waitUntil,
  type NodeRedRuntime,
  type PipelineServices,
} from './harness';

const USERS = { hub: 'hub-pw', phone: 'phone-pw', 'pi-a': 'a-pw', 'pi-b': 'b-pw' };
const DB = 'e2e';

describe('e2e harness: Pis -> Mosquitto (shipped config) -> hub -> InfluxDB, core nodes', function () {
  this.timeout(120000);
  let services: PipelineServices;
  let hub: NodeRedRuntime;
  const pis: Record<string, NodeRedRuntime> = {};
  let phone: Probe;

  const state = (): Promise<HubState> => getJson<HubState>(hub, '/e2e/state');
  const logs = (): string =>
    [hub, ...Object.values(pis)].map((r) => `--- ${r.name}\n${r.log().slice(-1500)}`).join('\n') +
    `\n--- mosquitto\n${services.broker.service.output()}`;

  before(async function () {
    const bins = {
      mosquitto: requireBinary(this, 'mosquitto', 'mosquitto'),
      influxd: requireBinary(this, 'influxd', 'influxdb'),
    };
    requireBinary(this, 'openssl', 'openssl');
    services = await startPipelineServices(bins, USERS, [DB]);
    const caFile = path.join(services.broker.dir, 'certs', 'ca.crt');
    const hubEnv = {
      MQTT_URL: services.broker.mqttUrl,
      MQTT_USER: 'hub',
      MQTT_PASSWORD: USERS.hub,
      INFLUX_WRITE_URL: `${services.influx.url}/write?db=${DB}&precision=ms`,
    };
    // A Pi reaches the hub over TLS and trusts the broker through the CA file, as a deployed Pi does.
    const piEnv = (id: 'pi-a' | 'pi-b'): Record<string, string> => ({
      SCANNER_ID: id,
      MQTT_URL: services.broker.mqttsUrl,
      MQTT_USER: id,
      MQTT_PASSWORD: USERS[id],
      NODE_EXTRA_CA_CERTS: caFile,
    });
    const piFlow = path.join(services.broker.dir, 'pi-flow.json');
    writeFileSync(piFlow, JSON.stringify(piStandIn()));
    [hub, pis['pi-a'], pis['pi-b']] = await Promise.all([
      startNodeRed({ name: 'hub', flow: hubStandIn(), env: hubEnv }),
      startNodeRed({ name: 'pi-a', flow: piFlow, env: piEnv('pi-a') }),
      startNodeRed({ name: 'pi-b', flow: piFlow, env: piEnv('pi-b') }),
    ]);
    phone = await services.as('phone');
    await phone.subscribe(['dogtracker/v1/position/#', 'dogtracker/v1/status/#']);
  });

  after(async () => {
    await Promise.all([hub, ...Object.values(pis)].filter(Boolean).map((r) => r.dispose()));
    await services?.dispose();
  });

  it('installs the flow file with its credential placeholders in the credentials file, not the flow', () => {
    const flow = readFileSync(path.join(pis['pi-a'].userDir, 'flows.json'), 'utf8');
    assert.doesNotMatch(flow, /credentials|MQTT_PASSWORD/);
    const credentials = JSON.parse(readFileSync(path.join(pis['pi-a'].userDir, 'flows_cred.json'), 'utf8'));
    assert.deepEqual(credentials, { 'pi-broker': { user: '${MQTT_USER}', password: '${MQTT_PASSWORD}' } });
  });

  it('runs one flow file on every Pi: readings from both reach the hub, identified by SCANNER_ID', async () => {
    const s = await waitUntil(
      async () => {
        const s = await state();
        return s.last['pi-a'] > 5 && s.last['pi-b'] > 5 ? s : undefined;
      },
      'readings from pi-a and pi-b at the hub',
      30000,
      logs,
    );
    assert.equal(s.gaps, 0, 'no readings lost while the broker runs');
  });

  it('publishes "online" for each Pi (retained) and the hub positions that a phone reads', async () => {
    for (const id of ['pi-a', 'pi-b']) {
      await phone.next(
        (m) => m.topic === `dogtracker/v1/status/${id}` && m.text === 'online',
        10000,
        `${id} online`,
      );
    }
    const position = await phone.next((m) => m.topic === 'dogtracker/v1/position/test', 10000, 'a position');
    assert.equal(JSON.parse(position.text).type, 'position');
  });

  it('lands the readings in InfluxDB, timestamped with their ts', async () => {
    const rows = await waitUntil(
      async () => {
        const rows = await influxRows(services.influx, 'SELECT seq, scanner FROM e2e', DB);
        return rows.length >= 10 ? rows : undefined;
      },
      'readings in InfluxDB',
      20000,
      logs,
    );
    assert.deepEqual([...new Set(rows.map((r) => r.scanner))].sort(), ['pi-a', 'pi-b']);
    assert.ok(rows.every((r) => typeof r.time === 'number' && Math.abs(r.time - Date.now()) < 120000));
  });

  it('recovers on its own after Mosquitto is killed and restarted, and the hub counts the readings lost', async () => {
    const before = await state();
    const positionsBefore = phone.received.length;
    // The phone is a plain client: it dies with the broker and is logged in again by the test.
    await services.restartBroker(1500);
    phone = await services.as('phone');
    await phone.subscribe(['dogtracker/v1/position/#', 'dogtracker/v1/status/#']);
    const after = await waitUntil(
      async () => {
        const s = await state();
        return s.last['pi-a'] > before.last['pi-a'] + 5 && s.last['pi-b'] > before.last['pi-b'] + 5
          ? s
          : undefined;
      },
      'readings after the restart',
      45000,
      logs,
    );
    // Readings published while the broker was down are gone (QoS 0, Node-RED drops them): the hub saw the jump.
    assert.ok(after.gaps > 0, `gaps ${after.gaps}`);
    assert.ok(positionsBefore > 0);
    await phone.next(
      (m) => m.topic === 'dogtracker/v1/position/test' && !m.retain,
      15000,
      'a fresh position',
    );
    // The broker kept nothing (no persistence in the test): "online" is back because each Pi said it again.
    for (const id of ['pi-a', 'pi-b']) {
      await phone.next(
        (m) => m.topic === `dogtracker/v1/status/${id}` && m.text === 'online',
        15000,
        `${id} online again`,
      );
    }
    const since = Date.now() - 5000;
    await waitUntil(
      async () => {
        const rows = await influxRows(services.influx, `SELECT seq FROM e2e WHERE time > ${since}ms`, DB);
        return rows.length > 0 ? rows : undefined;
      },
      'readings written after the restart',
      20000,
      logs,
    );
  });

  it('marks a Pi that loses power "offline" through its last will', async () => {
    await pis['pi-b'].stop('SIGKILL');
    await phone.next(
      (m) => m.topic === 'dogtracker/v1/status/pi-b' && m.text === 'offline',
      15000,
      'pi-b offline',
    );
    await waitUntil(
      async () => ((await state()).statuses['pi-b'] === 'offline' ? true : undefined),
      'the hub to see pi-b offline',
    );
  });

  it('marks a Pi that is stopped cleanly "offline" too', async () => {
    await pis['pi-a'].stop('SIGTERM');
    await waitUntil(
      async () => ((await state()).statuses['pi-a'] === 'offline' ? true : undefined),
      'the hub to see pi-a offline',
    );
  });
});

describe('e2e harness: parsePrometheus', () => {
  it('reads the samples of one metric with their labels', () => {
    const text = [
      '# HELP dogtracker_seq_gaps_total Readings missing',
      '# TYPE dogtracker_seq_gaps_total counter',
      'dogtracker_seq_gaps_total{scanner="pi-a"} 3',
      'dogtracker_seq_gaps_total{scanner="pi \\"b\\""} 0',
      'dogtracker_seq_gaps_total_other 9',
      'dogtracker_readings_total{scanner="pi-a"} 40',
    ].join('\n');
    assert.deepEqual(parsePrometheus(text, 'dogtracker_seq_gaps_total'), [
      { labels: { scanner: 'pi-a' }, value: 3 },
      { labels: { scanner: 'pi "b"' }, value: 0 },
    ]);
  });
});
