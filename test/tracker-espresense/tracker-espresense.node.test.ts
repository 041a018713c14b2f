// tracker-espresense on the real Node-RED runtime: ESPresense's messages (the recorded-format fixture)
// published to a real Mosquitto, read by Node-RED's mqtt in node, turned into readings and scanner status.
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trackerEspresense = require('../../nodes/tracker-espresense/tracker-espresense');
import rssiFilter = require('../../nodes/rssi-filter/rssi-filter');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import { helper, nextError, onTab, statusWhere, type FlowNode } from '../support/flow';
import { brokerNode, coreNodes, exampleFlow, useBrokerAndRuntime } from '../support/broker-suite';
import { login } from '../deploy/mqtt-probe';
import { RECORDED, SITE } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js') as (red: unknown) => void;
const NODES = [trackerSite, trackerEspresense, mqttNodes];

interface Collector extends Node {
  got: Array<Record<string, unknown>>;
}

/** A helper node that keeps every message it receives and resolves waiters. */
function collect(node: Node, count: number): Promise<Array<Record<string, unknown>>> {
  const got: Array<Record<string, unknown>> = [];
  return new Promise((resolve) =>
    node.on('input', (msg: Record<string, unknown>) => {
      got.push(msg);
      if (got.length === count) resolve(got);
    }),
  );
}

function flow(port: number, rooms = 'kitchen = esp-kitchen'): FlowNode[] {
  return onTab([
    { id: 'site', type: 'tracker-site', name: 'Home site', config: JSON.stringify(SITE) },
    brokerNode(port),
    {
      id: 'in',
      type: 'mqtt in',
      name: 'espresense',
      broker: 'broker',
      topic: 'espresense/#',
      qos: '0',
      datatype: 'auto-detect',
      wires: [['esp']],
    },
    {
      id: 'esp',
      type: 'tracker-espresense',
      name: 'rooms',
      site: 'site',
      rooms,
      wires: [['readings'], ['status']],
    },
    { id: 'readings', type: 'helper' },
    { id: 'status', type: 'helper' },
  ]);
}

describe('tracker-espresense node with Mosquitto', function () {
  this.timeout(20000);
  const broker = useBrokerAndRuntime();

  it('turns ESPresense messages from the broker into readings and retained scanner status', async () => {
    await helper.load(NODES as never, flow(broker().port));
    const esp = await login(`mqtt://127.0.0.1:${broker().port}`, '', '');
    // The mqtt in node subscribes after the deploy: knock until a room status comes through.
    const statusNode = helper.getNode('status');
    for (let tries = 0; ; tries++) {
      const through = new Promise((resolve) => statusNode.once('input', resolve));
      await esp.client.publishAsync('espresense/rooms/pi-yard/status', 'online', { qos: 1 });
      const ok = await Promise.race([
        through.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 500)),
      ]);
      if (ok) break;
      assert.ok(tries < 20, 'the mqtt in node never subscribed');
    }
    const readings = collect(helper.getNode('readings') as Collector, 2);
    const status = collect(statusNode as Collector, 4);
    const shown = statusWhere(helper.getNode('esp'), (s) => s.text === '2 readings, 2 rooms online');
    for (const m of RECORDED) await esp.client.publishAsync(m.topic, m.payload, { qos: 1, retain: false });
    await esp.end();
    const [rex, bella] = await readings;
    assert.equal(rex.topic, 'dogtracker/v1/rssi/esp-kitchen');
    assert.equal(rex.retain, false);
    const reading = rex.payload as Record<string, unknown>;
    assert.equal(reading.dog, 'rex');
    assert.equal(reading.rssi, -71.25);
    assert.equal(reading.seq, 1);
    assert.ok(
      typeof reading.ts === 'number' && Math.abs(reading.ts - Date.now()) < 10000,
      'ts: the hub received it',
    );
    assert.equal((bella.payload as Record<string, unknown>).dog, 'bella');
    const out = await status;
    assert.deepEqual(
      out.map((m) => [m.topic, typeof m.payload === 'string' ? m.payload : 'health', m.retain]),
      [
        ['dogtracker/v1/status/esp-kitchen', 'online', true],
        ['dogtracker/v1/health/esp-kitchen', 'health', true],
        ['dogtracker/v1/status/garage', 'online', true],
        ['dogtracker/v1/status/esp-kitchen', 'offline', true],
      ],
    );
    await shown;
  });

  it('a broken report is an error naming the field, and the node keeps working', async () => {
    await helper.load(NODES as never, flow(broker().port));
    const esp = helper.getNode('esp') as Node & { receive(msg: object): void };
    const error = nextError(esp);
    esp.receive({ topic: RECORDED[2].topic, payload: { mac: 'ac233fa3804b', rssi: 'x'.repeat(5000) } });
    assert.match(
      String(await error),
      /payload\.rssi must be a number of dBm, got "x{60}"… \(5000 characters\)/,
    );
    const next = collect(helper.getNode('readings') as Collector, 1);
    esp.receive({ topic: RECORDED[2].topic, payload: RECORDED[2].payload });
    assert.equal(((await next)[0].payload as Record<string, unknown>).dog, 'rex');
  });

  it('refuses a bad room map at deploy', async () => {
    await helper.load(NODES as never, flow(broker().port, 'kitchen'));
    const esp = helper.getNode('esp');
    await statusWhere(esp, (s) => s.text === 'invalid settings').catch(() => undefined);
    const error = nextError(esp);
    (esp as Node & { receive(msg: object): void }).receive({
      topic: RECORDED[2].topic,
      payload: RECORDED[2].payload,
    });
    assert.match(String(await error), /must be "room = scanner"/);
  });
});

describe('examples/espresense.json', function () {
  this.timeout(20000);
  const broker = useBrokerAndRuntime();

  it("runs as shipped: its injected ESPresense report becomes Rex's reading, its status a retained offline", async () => {
    const example = exampleFlow('espresense', { DT_MQTT_URL: `'mqtt://127.0.0.1:${broker().port}'` });
    await helper.load(
      [
        ...NODES,
        rssiFilter,
        trilaterate,
        ...coreNodes(
          'common/20-inject.js',
          'common/21-debug.js',
          'common/25-catch.js',
          'common/90-comment.js',
        ),
      ] as never,
      example,
    );
    const reading = new Promise<Record<string, unknown>>((resolve) =>
      helper.getNode('dt-esp-readings').once('input', (msg: Record<string, unknown>) => resolve(msg)),
    );
    (helper.getNode('dt-esp-inject') as Node & { receive(msg: object): void }).receive({});
    const msg = await reading;
    assert.equal(msg.topic, 'dogtracker/v1/rssi/esp-kitchen');
    assert.equal((msg.payload as Record<string, unknown>).dog, 'rex');
    const status = new Promise<Record<string, unknown>>((resolve) =>
      helper.getNode('dt-esp-status').once('input', (m: Record<string, unknown>) => resolve(m)),
    );
    (helper.getNode('dt-esp-inject-status') as Node & { receive(msg: object): void }).receive({});
    const out = await status;
    assert.deepEqual(
      [out.topic, out.payload, out.retain],
      ['dogtracker/v1/status/esp-kitchen', 'offline', true],
    );
  });
});
